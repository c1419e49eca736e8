package multiregion_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestHTTPProber_MeasuresLatency(t *testing.T) {
	t.Parallel()
	const lat = 60 * time.Millisecond
	rs := startRegions(t, []string{"us-east-1", "us-west-2"}, multiregiontest.WithLatency("us-west-2", lat))
	p := multiregion.NewHTTPProber(nil, rs.Endpoints())
	t.Cleanup(p.Client.CloseIdleConnections)
	ctx := context.Background()

	for range 3 { // the first probe dials; later ones reuse the connection
		rtt, err := p.Probe(ctx, usw2)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, rtt, lat)
		assert.Less(t, rtt, lat+200*time.Millisecond)

		fast, err := p.Probe(ctx, use1)
		require.NoError(t, err)
		assert.Greater(t, fast, time.Duration(0))
		assert.Less(t, fast, lat)
	}
	assert.Equal(t, int64(3), rs.Endpoint("us-west-2").Requests(), "the override is what was probed")
	assert.Equal(t, int64(3), rs.Endpoint("us-east-1").Requests())
}

func TestHTTPProber_Failures(t *testing.T) {
	t.Parallel()
	rs := startRegions(t, []string{"us-east-1", "us-west-2"})
	p := multiregion.NewHTTPProber(nil, rs.Endpoints())
	t.Cleanup(p.Client.CloseIdleConnections)
	ctx := context.Background()

	rs.Endpoint("us-east-1").SetErrorRate(1)
	_, err := p.Probe(ctx, use1)
	var pse *multiregion.ProbeStatusError
	require.ErrorAs(t, err, &pse)
	assert.Equal(t, http.StatusInternalServerError, pse.StatusCode)
	assert.Contains(t, err.Error(), "500")

	rs.Endpoint("us-west-2").Down()
	_, err = p.Probe(ctx, usw2)
	require.Error(t, err)
	require.NoError(t, rs.Endpoint("us-west-2").Up())
	_, err = p.Probe(ctx, usw2)
	require.NoError(t, err, "the region is back on the same URL")
}

func TestHTTPProber_4xxIsReachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	p := multiregion.NewHTTPProber(nil, map[multiregion.Region]map[string]string{use1: {multiregion.ServiceDynamoDB: srv.URL}})
	t.Cleanup(p.Client.CloseIdleConnections)
	rtt, err := p.Probe(context.Background(), use1)
	require.NoError(t, err)
	assert.Greater(t, rtt, time.Duration(0))
}

func TestHTTPProber_DefaultClientFollowsNoRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1) }))
	t.Cleanup(target.Close)
	redirector := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirector.Close)

	p := multiregion.NewHTTPProber(nil, map[multiregion.Region]map[string]string{use1: {multiregion.ServiceDynamoDB: redirector.URL}})
	t.Cleanup(p.Client.CloseIdleConnections)
	_, err := p.Probe(context.Background(), use1)
	require.NoError(t, err, "a 302 proves the endpoint answers")
	assert.Zero(t, followed.Load(), "the redirect was followed")
}

func TestHTTPProber_URLs(t *testing.T) {
	p := multiregion.NewHTTPProber(nil, map[multiregion.Region]map[string]string{
		use1: {multiregion.ServiceDynamoDB: "http://127.0.0.1:9/"},
		usw2: {multiregion.ServiceS3: "http://127.0.0.1:9/"}, // not DynamoDB: not used by the prober
	})
	assert.Equal(t, "http://127.0.0.1:9/", p.URL(use1))
	assert.Equal(t, "https://dynamodb.us-west-2.amazonaws.com/", p.URL(usw2))
	assert.Equal(t, "https://dynamodb.cn-north-1.amazonaws.com/", p.URL("cn-north-1"))

	own := &http.Client{}
	assert.Same(t, own, multiregion.NewHTTPProber(own, nil).Client)
}

func TestHTTPProber_HonorsContext(t *testing.T) {
	t.Parallel()
	rs := startRegions(t, []string{"us-east-1"})
	rs.Endpoint("us-east-1").Blackhole(true)
	p := multiregion.NewHTTPProber(nil, rs.Endpoints())
	t.Cleanup(p.Client.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Probe(ctx, use1)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
}

// The whole path: New with the default prober and Endpoints pointing at the
// local regions, probes through Refresh, failover when a region goes down.
func TestClient_DefaultProberAgainstLocalRegions(t *testing.T) {
	rs := startRegions(t, []string{"us-east-1", "us-west-2", "eu-west-1"},
		multiregiontest.WithLatency("us-west-2", 40*time.Millisecond), multiregiontest.WithLatency("eu-west-1", 120*time.Millisecond))
	c, err := multiregion.New(context.Background(), aws.Config{}, rs.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.ProbeTimeout = time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	refresh(t, c)
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, rankAll(t, c))
	assert.GreaterOrEqual(t, status(t, c, euw1).Latency, 120*time.Millisecond)

	rs.Endpoint("us-east-1").Down()
	for range 3 {
		refresh(t, c)
	}
	assert.False(t, c.Healthy(use1))
	assert.Equal(t, usw2, mustNearest(t, c))
	var re *multiregion.RegionError
	require.ErrorAs(t, status(t, c, use1).LastError, &re)
	assert.Equal(t, "probe", re.Op)

	require.NoError(t, rs.Endpoint("us-east-1").Up())
	refresh(t, c)
	assert.True(t, c.Healthy(use1))
	assert.Equal(t, use1, mustNearest(t, c))
}

// Close must release what the Client holds: the default prober's keep-alive
// connections (and their transport goroutines) included, not leave them
// for IdleConnTimeout (90 s) after the Client is gone.
func TestClose_ReleasesDefaultProberConnections(t *testing.T) {
	rs := startRegions(t, []string{"us-east-1", "us-west-2"})
	leaks := goleak.IgnoreCurrent()
	c, err := multiregion.New(context.Background(), aws.Config{}, rs.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
	})
	require.NoError(t, err)
	refresh(t, c)
	require.NoError(t, c.Close())
	goleak.VerifyNone(t, leaks)
}

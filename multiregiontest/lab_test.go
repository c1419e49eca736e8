package multiregiontest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

func start(t *testing.T, regions []string, opts ...multiregiontest.Option) *multiregiontest.Lab {
	t.Helper()
	rs, err := multiregiontest.New(regions, opts...)
	require.NoError(t, err)
	t.Cleanup(rs.Close)
	return rs
}

// client returns an HTTP client with keep-alives (as the SDK's), closed at the end.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestEndpoint_HealthPage(t *testing.T) {
	rs := start(t, []string{"us-east-1", "eu-west-1"})
	c := client(t)
	code, body, err := get(context.Background(), c, rs.Endpoint("eu-west-1").URL+"/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "healthy: dynamodb.eu-west-1.amazonaws.com")
	assert.True(t, strings.HasPrefix(rs.Endpoint("eu-west-1").URL, "http://127.0.0.1:"))

	code, _, err = get(context.Background(), c, rs.Endpoint("eu-west-1").URL+"/other")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, code, "no handler: everything but the health page is 404")
	assert.Equal(t, int64(2), rs.Endpoint("eu-west-1").Requests())
	assert.Zero(t, rs.Endpoint("us-east-1").Requests())
}

func TestWithHandler(t *testing.T) {
	rs := start(t, []string{"us-east-1", "us-west-2"}, multiregiontest.WithHandler(func(region string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "api of "+region)
		})
	}))
	c := client(t)
	_, body, err := get(context.Background(), c, rs.Endpoint("us-west-2").URL+"/tables")
	require.NoError(t, err)
	assert.Equal(t, "api of us-west-2", body)

	// GET / stays the health page; with X-Amz-Target it is the API.
	_, body, err = get(context.Background(), c, rs.Endpoint("us-west-2").URL+"/")
	require.NoError(t, err)
	assert.Contains(t, body, "healthy: dynamodb.us-west-2.amazonaws.com")
	req, _ := http.NewRequest(http.MethodGet, rs.Endpoint("us-east-1").URL+"/", nil)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	resp, err := c.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "api of us-east-1", string(b))
}

func TestEndpoint_DownRefusesAndUpServesAgain(t *testing.T) {
	rs := start(t, []string{"us-east-1"})
	ep := rs.Endpoint("us-east-1")
	c := client(t)
	url := ep.URL
	_, _, err := get(context.Background(), c, url) // leaves a keep-alive connection open
	require.NoError(t, err)
	assert.True(t, ep.IsUp())

	ep.Down()
	assert.False(t, ep.IsUp())
	ep.Down() // idempotent
	start := time.Now()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 2*time.Second)
	if conn != nil {
		conn.Close()
	}
	require.Error(t, err, "a down region refuses connections")
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "want connection refused, got %v", err)
	assert.Less(t, time.Since(start), time.Second, "refused at once, not timed out")

	_, _, err = get(context.Background(), c, url)
	require.Error(t, err, "the open keep-alive connection was cut too")
	before := ep.Requests()

	require.NoError(t, ep.Up())
	assert.True(t, ep.IsUp())
	assert.Equal(t, url, ep.URL)
	assert.ErrorIs(t, ep.Up(), multiregiontest.ErrAlreadyUp)
	code, _, err := get(context.Background(), c, url)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, before+1, ep.Requests())
}

func TestEndpoint_Blackhole(t *testing.T) {
	rs := start(t, []string{"us-east-1"})
	ep := rs.Endpoint("us-east-1")
	c := client(t)
	ep.Blackhole(true)
	ep.Blackhole(true) // idempotent

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := get(ctx, c, ep.URL)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 100*time.Millisecond, "hangs until the client gives up")
	assert.Less(t, took, 3*time.Second)

	// A request hanging when the hole is lifted goes through.
	var wg sync.WaitGroup
	var code int
	var gerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		code, _, gerr = get(ctx, c, ep.URL)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for ep.Requests() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // wait until the request is inside the hole
	}
	ep.Blackhole(false)
	wg.Wait()
	require.NoError(t, gerr)
	assert.Equal(t, http.StatusOK, code)
}

func TestEndpoint_ErrorRate(t *testing.T) {
	rs := start(t, []string{"us-east-1"}, multiregiontest.WithSeed(42))
	ep := rs.Endpoint("us-east-1")
	c := client(t)
	ep.SetErrorRate(1)
	for range 5 {
		code, body, err := get(context.Background(), c, ep.URL)
		require.NoError(t, err)
		assert.Equal(t, http.StatusInternalServerError, code)
		assert.Contains(t, body, "InternalServerError")
	}
	ep.SetErrorRate(0.5)
	counts := map[int]int{}
	for range 200 {
		code, _, err := get(context.Background(), c, ep.URL)
		require.NoError(t, err)
		counts[code]++
	}
	assert.InDelta(t, 100, counts[http.StatusInternalServerError], 40)
	assert.InDelta(t, 100, counts[http.StatusOK], 40)
	ep.SetErrorRate(0)
	code, _, err := get(context.Background(), c, ep.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
}

func TestEndpoint_Latency(t *testing.T) {
	const lat = 60 * time.Millisecond
	rs := start(t, []string{"us-east-1", "us-west-2"}, multiregiontest.WithLatency("us-west-2", lat))
	c := client(t)
	assert.Equal(t, lat, rs.Endpoint("us-west-2").Latency())
	assert.Zero(t, rs.Endpoint("us-east-1").Latency())

	timed := func(url string) time.Duration {
		start := time.Now()
		_, _, err := get(context.Background(), c, url)
		require.NoError(t, err)
		return time.Since(start)
	}
	_ = timed(rs.Endpoint("us-west-2").URL) // dial
	d := timed(rs.Endpoint("us-west-2").URL)
	assert.GreaterOrEqual(t, d, lat)
	assert.Less(t, d, lat+500*time.Millisecond)
	assert.Less(t, timed(rs.Endpoint("us-east-1").URL), lat)

	rs.Endpoint("us-east-1").SetLatency(2 * lat)
	assert.GreaterOrEqual(t, timed(rs.Endpoint("us-east-1").URL), 2*lat)
}

func TestRegions_Accessors(t *testing.T) {
	_, err := multiregiontest.New([]string{"us-east-1", "us-east-1"})
	require.Error(t, err, "duplicate region")

	rs := start(t, []string{"us-west-2", "us-east-1"})
	assert.Nil(t, rs.Endpoint("eu-west-1"))
	names := rs.Names()
	assert.Equal(t, []string{"us-west-2", "us-east-1"}, names)
	names[0] = "changed"
	assert.Equal(t, "us-west-2", rs.Names()[0], "Names returns a copy")
	assert.Equal(t, []multiregion.Region{"us-west-2", "us-east-1"}, rs.Regions())

	eps := rs.Endpoints()
	assert.Equal(t, map[string]string{multiregion.ServiceDynamoDB: rs.Endpoint("us-east-1").URL}, eps["us-east-1"],
		"without stores: DynamoDB only, the health page the prober measures")
	eps = rs.Endpoints(multiregion.ServiceS3, multiregion.ServiceDynamoDBStreams)
	assert.Equal(t, map[string]string{
		multiregion.ServiceDynamoDB:        rs.Endpoint("us-west-2").URL,
		multiregion.ServiceS3:              rs.Endpoint("us-west-2").URL,
		multiregion.ServiceDynamoDBStreams: rs.Endpoint("us-west-2").URL,
	}, eps["us-west-2"])

	var o multiregion.Options
	rs.Options(multiregion.ServiceDynamoDB)(&o)
	assert.Equal(t, rs.Regions(), o.Regions)
	assert.Equal(t, rs.Endpoints(), o.Endpoints)
	assert.Nil(t, o.HTTPClient, "the prober's client stays the Client's own, closed by Client.Close")

	s := rs.String()
	assert.Contains(t, s, "us-west-2="+rs.Endpoint("us-west-2").URL)
	assert.Contains(t, s, "us-east-1="+rs.Endpoint("us-east-1").URL)
}

func TestRegions_CloseReleasesHangingRequests(t *testing.T) {
	rs, err := multiregiontest.New([]string{"us-east-1"})
	require.NoError(t, err)
	ep := rs.Endpoint("us-east-1")
	ep.Blackhole(true)
	c := client(t)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _, err := get(ctx, c, ep.URL)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for ep.Requests() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { rs.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a black-holed request")
	}
	<-done
}

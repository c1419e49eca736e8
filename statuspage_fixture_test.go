package multiregion_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// hostile is text from outside (a store name, an error) that must never
// reach the page as markup.
const hostile = "<script>alert(1)</script>"

// statusFixture is a Client on a lab with one region ejected by its probes,
// a plain store, a single-writer store whose last refresh failed, and a
// store with a hostile name and a hostile error.
type statusFixture struct {
	lab     *multiregiontest.Lab
	mr      *multiregion.Client
	ejected multiregion.Region
	healthy multiregion.Region // the nearest region, healthy
}

func newStatusFixture(t *testing.T) statusFixture {
	t.Helper()
	ctx := context.Background()
	lab := multiregiontest.Start(t, []multiregion.Region{use1, usw2, euw1},
		multiregiontest.WithLatency(string(usw2), 20*time.Millisecond),
		multiregiontest.WithLatency(string(euw1), 40*time.Millisecond))
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })

	newNamedStore(t, mr, "dynamo:orders", nil, func(o *multiregion.StoreOptions) { o.Kind = multiregion.DynamoDBMREC })
	loaded := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	newNamedStore(t, mr, "cache:sessions", []multiregion.Region{use1, euw1}, func(o *multiregion.StoreOptions) {
		o.Kind = multiregion.ElastiCacheGlobal
		o.LeftOut = []multiregion.Region{"ap-south-1"}
		o.Topology = func() multiregion.TopologyStatus {
			return multiregion.TopologyStatus{Writer: euw1, Generation: 7, LoadedAt: loaded,
				LastAttempt: loaded.Add(time.Minute), LastError: errors.New("describe failed: " + hostile), ConsecutiveFailures: 2}
		}
	})
	evil := newNamedStore(t, mr, hostile, nil)
	evil.Observe(use1, 0, errors.New(`<img src=x onerror="alert(2)">`))

	require.NoError(t, mr.Refresh(ctx))
	lab.Endpoint(string(usw2)).Down()
	for range mr.Options().FailureThreshold {
		require.NoError(t, mr.Refresh(ctx))
	}
	require.False(t, mr.Healthy(usw2), "the downed region must be ejected after FailureThreshold probes")
	require.True(t, mr.Healthy(use1))
	return statusFixture{lab: lab, mr: mr, ejected: usw2, healthy: use1}
}

// get fetches u and returns the response (body read) and its body.
func get(t *testing.T, method, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, u, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// wireStatus mirrors status.json's documented shape, to check its values.
type wireStatus struct {
	Closed      bool         `json:"closed"`
	GeneratedAt string       `json:"generatedAt"`
	Network     []wireRegion `json:"network"`
	Stores      []struct {
		Name       string       `json:"name"`
		Kind       string       `json:"kind"`
		OwnLatency bool         `json:"ownLatency"`
		LeftOut    []string     `json:"leftOut"`
		Closed     bool         `json:"closed"`
		Regions    []wireRegion `json:"regions"`
		Topology   *struct {
			Writer              string `json:"writer"`
			Generation          uint64 `json:"generation"`
			LoadedAt            string `json:"loadedAt"`
			LastAttempt         string `json:"lastAttempt"`
			LastError           string `json:"lastError"`
			ConsecutiveFailures int    `json:"consecutiveFailures"`
		} `json:"topology"`
	} `json:"stores"`
	Drained []struct {
		Region string   `json:"region"`
		By     []string `json:"by"`
	} `json:"drained"`
}

type wireRegion struct {
	Region              string  `json:"region"`
	Healthy             bool    `json:"healthy"`
	LatencyMs           float64 `json:"latencyMs"`
	Latency             string  `json:"latency"`
	Measured            bool    `json:"measured"`
	Samples             uint64  `json:"samples"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
	LastError           string  `json:"lastError"`
	LastProbe           string  `json:"lastProbe"`
	Ejections           int     `json:"ejections"`
	Drained             bool    `json:"drained"`
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func rfc3339(t *testing.T, ts time.Time) string {
	t.Helper()
	if ts.IsZero() {
		return ""
	}
	return ts.UTC().Format(time.RFC3339Nano)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkRegionsJSON(t *testing.T, want []multiregion.RegionStatus, got []wireRegion) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, w := range want {
		g := got[i]
		assert.Equal(t, string(w.Region), g.Region, "pick order, position %d", i)
		assert.Equal(t, w.Healthy, g.Healthy, w.Region)
		assert.InDelta(t, float64(w.Latency)/float64(time.Millisecond), g.LatencyMs, 1e-9, w.Region)
		assert.Equal(t, w.Latency.String(), g.Latency, w.Region)
		assert.Equal(t, w.Measured, g.Measured, w.Region)
		assert.Equal(t, w.Samples, g.Samples, w.Region)
		assert.Equal(t, w.ConsecutiveFailures, g.ConsecutiveFailures, w.Region)
		assert.Equal(t, errString(w.LastError), g.LastError, w.Region)
		assert.Equal(t, rfc3339(t, w.LastProbe), g.LastProbe, w.Region)
		assert.Equal(t, w.Ejections, g.Ejections, w.Region)
	}
}

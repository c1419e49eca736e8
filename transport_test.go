package multiregion_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// The Transport probes /healthz below each base, ranks by the probe and
// sends every request to the nearest region, rewritten to its base.
func TestTransport_RoutesToNearest(t *testing.T) {
	regions := []multiregion.Region{use1, usw2, euw1}
	servers, bases := startServices(t, regions, map[multiregion.Region]time.Duration{
		// Gaps a loaded machine's scheduling noise does not bridge (at 40
		// and 20 ms, CI once ranked the two the wrong way round).
		use1: 150 * time.Millisecond, usw2: time.Millisecond, euw1: 60 * time.Millisecond,
	})
	c := newTestClient(t, regions)
	tr := newTransport(t, c, bases)
	require.NoError(t, tr.Refresh(context.Background()))
	st := tr.Status()
	require.True(t, st.OwnLatency, "ranked by the health probe")
	require.Equal(t, "http:"+apiHost, st.Name)
	var order []multiregion.Region
	for _, rs := range st.Regions {
		order = append(order, rs.Region)
	}
	require.Equal(t, []multiregion.Region{usw2, euw1, use1}, order)

	for range 5 {
		req, err := http.NewRequest(http.MethodGet, "http://"+apiHost+"/orders/1?x=1", nil)
		require.NoError(t, err)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		assert.Equal(t, "us-west-2 GET /v1/orders/1?x=1 ", readAll(t, resp))
		assert.Equal(t, usw2, servedBy(resp))
		assert.Equal(t, apiHost, req.URL.Host, "the caller's request is not modified")
		assert.Equal(t, apiHost, req.Host)
		assert.Equal(t, strings.TrimPrefix(servers[usw2].srv.URL, "http://"), resp.Request.Host)
	}
	assert.EqualValues(t, 5, servers[usw2].hits.Load())
	assert.Zero(t, servers[use1].hits.Load()+servers[euw1].hits.Load())
	servers[usw2].mu.Lock()
	assert.Equal(t, strings.TrimPrefix(servers[usw2].srv.URL, "http://"), servers[usw2].hostSeen[0], "Host is the region's host")
	servers[usw2].mu.Unlock()

	// Another host goes to Next untouched.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("other")) }))
	defer other.Close()
	req, err := http.NewRequest(http.MethodGet, other.URL+"/x", nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	assert.Equal(t, "other", readAll(t, resp))
	_, ok := multiregion.ServedBy(resp)
	assert.False(t, ok)
}

// Which requests move to the next region, and which are tried once.
func TestTransport_Failover(t *testing.T) {
	for _, tt := range []struct {
		name     string
		method   string
		mode     int32
		body     func() io.Reader // nil: no body
		hdr      []string
		wantFrom multiregion.Region // the region that served, "" for an error
		status   int
		wantErr  string
		hitsA    int64
		hitsB    int64
	}{
		{name: "GET after 503", method: "GET", mode: mode503, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
		{name: "GET after reset", method: "GET", mode: modeReset, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
		{name: "POST without key after 503: tried once, its answer returned", method: "POST", mode: mode503,
			body: func() io.Reader { return strings.NewReader("order") }, wantFrom: use1, status: 503, hitsA: 1},
		{name: "POST without key after reset: tried once", method: "POST", mode: modeReset,
			body: func() io.Reader { return strings.NewReader("order") }, wantErr: "POST without an idempotency key is not idempotent", hitsA: 1},
		{name: "POST with key after 503", method: "POST", mode: mode503, hdr: []string{"Idempotency-Key", "k-1"},
			body: func() io.Reader { return strings.NewReader("order") }, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
		{name: "POST with key after reset", method: "POST", mode: modeReset, hdr: []string{"Idempotency-Key", "k-2"},
			body: func() io.Reader { return strings.NewReader("order") }, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
		{name: "GET with a body without GetBody: tried once", method: "GET", mode: modeReset,
			body: func() io.Reader { return oneShot("filter") }, wantErr: "the request body cannot be replayed (no GetBody)", hitsA: 1},
		{name: "PUT with GetBody replays the body", method: "PUT", mode: modeReset,
			body: func() io.Reader { return strings.NewReader("v=42") }, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
		{name: "DELETE after 503", method: "DELETE", mode: mode503, wantFrom: usw2, status: 200, hitsA: 1, hitsB: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			regions := []multiregion.Region{use1, usw2}
			servers, bases := startServices(t, regions, nil)
			servers[use1].mode.Store(tt.mode)
			tr := newTransport(t, newTestClient(t, regions), bases, noProbe)
			var body io.Reader
			if tt.body != nil {
				body = tt.body()
			}
			resp, err := do(t, tr, tt.method, "/orders/1", body, tt.hdr...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Nil(t, resp)
				assert.ErrorIs(t, err, multiregion.ErrNotFailedOver)
				var re *multiregion.RegionError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, use1, re.Region)
				assert.Equal(t, "http "+tt.method, re.Op)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "not failed over")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.status, resp.StatusCode)
				assert.Equal(t, tt.wantFrom, servedBy(resp))
				got := readAll(t, resp)
				if tt.status == 200 && body != nil {
					assert.True(t, strings.HasSuffix(got, " "+servers[use1].lastBody()), "the body replayed whole: %q", got)
				}
			}
			assert.Equal(t, tt.hitsA, servers[use1].hits.Load(), "attempts in %s", use1)
			assert.Equal(t, tt.hitsB, servers[usw2].hits.Load(), "attempts in %s", usw2)
			if tt.hitsB > 0 && body != nil {
				assert.Equal(t, servers[use1].lastBody(), servers[usw2].lastBody(), "same body in both regions")
				assert.NotEmpty(t, servers[usw2].lastBody())
			}
			// Every failure in us-east-1 counted against it, once.
			s, ok := tr.Status().Region(use1)
			require.True(t, ok)
			assert.Equal(t, 1, s.ConsecutiveFailures)
		})
	}
}

// Every region failing: connection errors end in a *NoHealthyRegionError
// with each attempt; 5xx answers end in the last region's answer.
func TestTransport_AllRegionsFail(t *testing.T) {
	regions := []multiregion.Region{use1, usw2, euw1}
	servers, bases := startServices(t, regions, nil)
	tr := newTransport(t, newTestClient(t, regions), bases, noProbe)
	for _, s := range servers {
		s.mode.Store(modeReset)
	}
	resp, err := do(t, tr, "GET", "/orders/1", nil)
	require.Nil(t, resp)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	require.Len(t, nh.Attempts, 3)
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, []multiregion.Region{nh.Attempts[0].Region, nh.Attempts[1].Region, nh.Attempts[2].Region})
	assert.Equal(t, "http GET", nh.Op)

	for _, s := range servers {
		s.mode.Store(mode503)
	}
	resp, err = do(t, tr, "GET", "/orders/1", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	_ = readAll(t, resp)
	for _, r := range regions {
		assert.EqualValues(t, 2, servers[r].hits.Load(), r)
	}

	// Three failures in a row eject every region: the next request fails
	// before it is sent, with the same error shape.
	for _, s := range servers {
		s.mode.Store(modeReset)
	}
	_, err = do(t, tr, "GET", "/orders/1", nil)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	hits := map[multiregion.Region]int64{}
	for _, r := range regions {
		require.False(t, tr.Store().Healthy(r), r)
		hits[r] = servers[r].hits.Load() // net/http may have retried on a reused connection
	}
	resp, err = do(t, tr, "GET", "/orders/1", nil)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	require.ErrorAs(t, err, &nh)
	assert.Empty(t, nh.Attempts)
	require.Nil(t, resp)
	for _, r := range regions {
		assert.Equal(t, hits[r], servers[r].hits.Load(), "no attempt once every region is ejected: %s", r)
	}
}

// An attempt that gets no response headers within AttemptTimeout is a
// failure of the region, and an idempotent request moves on.
func TestTransport_AttemptTimeout(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	servers, bases := startServices(t, regions, nil)
	servers[use1].mode.Store(modeBlock)
	tr := newTransport(t, newTestClient(t, regions), bases, noProbe,
		func(o *multiregion.TransportOptions) { o.AttemptTimeout = 100 * time.Millisecond })
	resp, err := do(t, tr, "GET", "/orders/1", nil)
	require.NoError(t, err)
	assert.Equal(t, usw2, servedBy(resp))
	assert.Equal(t, "us-west-2 GET /v1/orders/1 ", readAll(t, resp))
	s, _ := tr.Status().Region(use1)
	assert.Equal(t, 1, s.ConsecutiveFailures)
	require.Error(t, s.LastError)
	assert.Contains(t, s.LastError.Error(), "no response headers within 100ms")
}

// The caller's cancellation is returned as it is and never counts
// against a region, and the request does not move on.
func TestTransport_CallerCancellationIsNotARegionFailure(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	servers, bases := startServices(t, regions, nil)
	servers[use1].mode.Store(modeBlock)
	tr := newTransport(t, newTestClient(t, regions), bases, noProbe)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, err := doCtx(t, ctx, tr, "GET", "/orders/1", nil)
	require.Nil(t, resp)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	assert.Zero(t, servers[usw2].hits.Load())
	for _, s := range tr.Status().Regions {
		assert.Zero(t, s.ConsecutiveFailures, s.Region)
		assert.NoError(t, s.LastError, s.Region)
		assert.True(t, s.Healthy, s.Region)
	}

	// Canceled before the call: nothing is sent.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = doCtx(t, ctx, tr, "GET", "/orders/1", nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, servers[use1].hits.Load())
}

// Errors name the method, the region and the cause: never a header value,
// a body or a query.
func TestTransport_ErrorsCarryNoSecrets(t *testing.T) {
	const secret = "s3cr3t-9f2c"
	regions := []multiregion.Region{use1, usw2}
	servers, bases := startServices(t, regions, nil)
	tr := newTransport(t, newTestClient(t, regions), bases, noProbe)
	for _, s := range servers {
		s.mode.Store(modeReset)
	}
	check := func(err error) {
		t.Helper()
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		for _, s := range tr.Status().Regions {
			if s.LastError != nil {
				assert.NotContains(t, s.LastError.Error(), secret)
			}
		}
	}
	auth := []string{"Authorization", "Bearer " + secret, "Idempotency-Key", secret}
	_, err := do(t, tr, "PUT", "/orders/1?token="+secret, strings.NewReader("body-"+secret), auth...)
	check(err)
	_, err = do(t, tr, "GET", "/orders/1?token="+secret, oneShot("body-"+secret), auth...)
	check(err)
	_, err = do(t, tr, "POST", "/orders?token="+secret, strings.NewReader("body-"+secret), "Authorization", "Bearer "+secret)
	check(err)
	servers[use1].mu.Lock()
	assert.Equal(t, "Bearer "+secret, servers[use1].headers[0].Get("Authorization"), "headers are sent")
	servers[use1].mu.Unlock()
}

func TestNewTransport_BadInput(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	c := newTestClient(t, regions)
	good := map[multiregion.Region]string{use1: "http://127.0.0.1:1", usw2: "https://api.us-west-2.example.com/v1/"}
	for _, tt := range []struct {
		name  string
		c     *multiregion.Client
		host  string
		bases map[multiregion.Region]string
		opt   func(*multiregion.TransportOptions)
		want  string
		is    error
	}{
		{name: "nil client", host: apiHost, bases: good, want: "a Client is required"},
		{name: "no regions", c: c, host: apiHost, want: "at least one region"},
		{name: "empty bases", c: c, host: apiHost, bases: map[multiregion.Region]string{}, want: "at least one region"},
		{name: "no host", c: c, bases: good, want: "host name"},
		{name: "host is a URL", c: c, host: "http://api.example.com", bases: good, want: "host name"},
		{name: "no scheme", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "api.us-east-1.example.com"}, want: "scheme must be http or https"},
		{name: "ftp", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "ftp://files.example.com"}, want: "scheme must be http or https"},
		{name: "query", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "https://api.example.com/?a=1"}, want: "no query or fragment"},
		{name: "fragment", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "https://api.example.com/#top"}, want: "no query or fragment"},
		{name: "no host in base", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "https:///v1"}, want: "no host"},
		{name: "unparsable", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "http://[::1"}, want: "not a URL"},
		{name: "user info", c: c, host: apiHost, bases: map[multiregion.Region]string{use1: "https://bob:s3cr3t@api.example.com"}, want: "user info"},
		{name: "unknown region", c: c, host: apiHost, bases: map[multiregion.Region]string{euw1: "https://api.example.com"}, want: "region not on the Client", is: multiregion.ErrUnknownRegion},
		{name: "negative timeout", c: c, host: apiHost, bases: good, opt: func(o *multiregion.TransportOptions) { o.AttemptTimeout = -time.Second }, want: "must not be negative"},
		{name: "health path", c: c, host: apiHost, bases: good, opt: func(o *multiregion.TransportOptions) { o.HealthPath = "healthz?x" }, want: "HealthPath"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tr *multiregion.Transport
			var err error
			require.NotPanics(t, func() { tr, err = multiregion.NewTransport(tt.c, tt.host, tt.bases, tt.opt) })
			require.Nil(t, tr)
			require.ErrorIs(t, err, multiregion.ErrInvalidOptions)
			var oe *multiregion.OptionError
			require.ErrorAs(t, err, &oe)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "s3cr3t")
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
	// A failed NewTransport registers no store: the name is free.
	newTransport(t, c, good, noProbe)
	_, err := multiregion.NewTransport(c, apiHost, good, noProbe)
	require.ErrorIs(t, err, multiregion.ErrDuplicateStore, "a second Transport for the host needs its own StoreName")
}

// After Close, requests for the host fail with ErrClosed (and close their
// body); a closed Client refuses NewTransport.
func TestTransport_Closed(t *testing.T) {
	regions := []multiregion.Region{use1}
	servers, bases := startServices(t, regions, nil)
	c := newTestClient(t, regions)
	tr := newTransport(t, c, bases, noProbe)
	resp, err := do(t, tr, "GET", "/orders/1", nil)
	require.NoError(t, err)
	_ = readAll(t, resp)
	require.NoError(t, tr.Close())
	require.NoError(t, tr.Close(), "twice")
	body := &closeCounter{Reader: strings.NewReader("x")}
	resp, err = do(t, tr, "PUT", "/orders/1", body)
	require.Nil(t, resp)
	require.ErrorIs(t, err, multiregion.ErrClosed)
	assert.True(t, body.closed, "the body of a request that is not sent is closed")
	assert.EqualValues(t, 1, servers[use1].hits.Load())

	require.NoError(t, c.Close())
	_, err = multiregion.NewTransport(c, apiHost, bases)
	require.ErrorIs(t, err, multiregion.ErrClosed)
}

type closeCounter struct {
	*strings.Reader
	closed bool
}

func (c *closeCounter) Close() error { c.closed = true; return nil }

// countingNext counts what a Transport sends through its Next.
type countingNext struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingNext) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

// Next carries the probes and the requests; Methods and IdempotencyHeader
// decide what fails over.
func TestTransport_Options(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	// setup gives each check a fresh Client, so that us-east-1 takes every
	// first attempt: first in preference order and, once probed, the
	// faster by far (a tie would be decided by probe noise).
	setup := func(t *testing.T) (*multiregion.Transport, *countingNext, map[multiregion.Region]*regionServer) {
		servers, bases := startServices(t, regions, map[multiregion.Region]time.Duration{usw2: 40 * time.Millisecond})
		inner := &http.Transport{}
		t.Cleanup(inner.CloseIdleConnections)
		next := &countingNext{next: inner}
		tr := newTransport(t, newTestClient(t, regions), bases, func(o *multiregion.TransportOptions) {
			o.Next = next
			o.Methods = []string{"get"}
			o.IdempotencyHeader = "X-Request-Id"
			o.StoreName = "orders-api"
		})
		servers[use1].mode.Store(mode503)
		return tr, next, servers
	}
	t.Run("probes and requests go through Next", func(t *testing.T) {
		tr, next, _ := setup(t)
		require.NoError(t, tr.Refresh(context.Background()))
		assert.EqualValues(t, 2, next.n.Load(), "one health probe per region")
		assert.Equal(t, "orders-api", tr.Status().Name)
		resp, err := do(t, tr, "GET", "/orders/1", nil)
		require.NoError(t, err)
		_ = readAll(t, resp)
		assert.EqualValues(t, 2+2, next.n.Load(), "2 probes, 2 attempts")
	})
	for _, tt := range []struct {
		name   string
		method string
		hdr    []string
		want   multiregion.Region
		status int
	}{
		{name: "PUT is not in Methods: its answer is returned", method: "PUT", want: use1, status: 503},
		{name: "the idempotency header makes it fail over", method: "PUT", hdr: []string{"X-Request-Id", "r-1"}, want: usw2, status: 200},
		{name: "the default header no longer counts", method: "POST", hdr: []string{"Idempotency-Key", "k"}, want: use1, status: 503},
		{name: "methods match without case", method: "GET", want: usw2, status: 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _, servers := setup(t)
			var body io.Reader
			if tt.method != "GET" {
				body = strings.NewReader("v")
			}
			resp, err := do(t, tr, tt.method, "/orders/1", body, tt.hdr...)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.want, servedBy(resp))
			_ = readAll(t, resp)
			assert.EqualValues(t, 1, servers[use1].hits.Load())
		})
	}
}

// A drained region gets no request through the Transport either, even as
// a last resort, and serves again after Undrain.
func TestTransport_Drain(t *testing.T) {
	regions := []multiregion.Region{use1, usw2, euw1}
	_, bases := startServices(t, regions, map[multiregion.Region]time.Duration{
		use1: 0, usw2: 40 * time.Millisecond, euw1: 80 * time.Millisecond,
	})
	c := newTestClient(t, regions)
	tr := newTransport(t, c, bases)
	require.NoError(t, tr.Refresh(context.Background()))
	get := func() multiregion.Region {
		resp, err := do(t, tr, http.MethodGet, "/x", nil)
		require.NoError(t, err)
		readAll(t, resp)
		return servedBy(resp)
	}
	require.Equal(t, use1, get())
	require.NoError(t, c.Drain(use1))
	assert.Equal(t, usw2, get())
	st, _ := tr.Status().Region(use1)
	assert.True(t, st.Drained)
	require.NoError(t, c.Undrain(use1))
	// Routable again (which region wins now depends on the passive samples
	// the drain's requests gave us-west-2: these servers sleep in /healthz
	// only).
	assert.True(t, tr.Store().Healthy(use1))
	all, err := c.Set()
	require.NoError(t, err)
	assert.Contains(t, tr.Store().Rank(all, nil), use1)
}

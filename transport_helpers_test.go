package multiregion_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// The logical host the Transport tests call.
const apiHost = "api.example.com"

// What a regionServer does with a request that is not a health probe.
const (
	modeOK    int32 = iota // 200 "<region> <method> <path> <body>"
	mode503                // 503, body read first
	modeReset              // body read, then the connection cut: no answer
	modeBlock              // no answer until the request's context ends
)

// regionServer is one region of a service of the user's: /v1/healthz
// answers after its latency (503 when down), every other path per mode.
type regionServer struct {
	region  multiregion.Region
	srv     *httptest.Server
	latency time.Duration
	mode    atomic.Int32
	down    atomic.Bool // /healthz answers 503 too
	hits    atomic.Int64

	mu       sync.Mutex
	bodies   []string
	headers  []http.Header
	hostSeen []string
}

func (s *regionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/healthz" {
		time.Sleep(s.latency)
		if s.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		return
	}
	s.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(body))
	s.headers = append(s.headers, r.Header.Clone())
	s.hostSeen = append(s.hostSeen, r.Host)
	s.mu.Unlock()
	switch s.mode.Load() {
	case mode503:
		http.Error(w, "regional outage", http.StatusServiceUnavailable)
	case modeReset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	case modeBlock:
		<-r.Context().Done()
	default:
		q := ""
		if r.URL.RawQuery != "" {
			q = "?" + r.URL.RawQuery
		}
		_, _ = fmt.Fprintf(w, "%s %s %s%s %s", s.region, r.Method, r.URL.Path, q, body)
	}
}

func (s *regionServer) lastBody() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == 0 {
		return ""
	}
	return s.bodies[len(s.bodies)-1]
}

// startServices starts one regionServer per region, with the /healthz
// latencies given (0 for regions not listed), and returns them with the
// bases a Transport maps api.example.com to (http://127.0.0.1:port/v1).
func startServices(t testing.TB, regions []multiregion.Region, latency map[multiregion.Region]time.Duration) (map[multiregion.Region]*regionServer, map[multiregion.Region]string) {
	t.Helper()
	servers := map[multiregion.Region]*regionServer{}
	bases := map[multiregion.Region]string{}
	for _, r := range regions {
		s := &regionServer{region: r, latency: latency[r]}
		s.srv = httptest.NewServer(s)
		t.Cleanup(s.srv.Close)
		servers[r] = s
		bases[r] = s.srv.URL + "/v1"
	}
	return servers, bases
}

// newTransport builds a Transport on c and closes it when the test ends
// (before the servers close: cleanups run last in, first out).
func newTransport(t testing.TB, c *multiregion.Client, bases map[multiregion.Region]string, fns ...func(*multiregion.TransportOptions)) *multiregion.Transport {
	t.Helper()
	tr, err := multiregion.NewTransport(c, apiHost, bases, fns...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Close()) })
	return tr
}

func noProbe(o *multiregion.TransportOptions) { o.DisableProbe = true }

// do sends one request for the logical host through tr.
func do(t testing.TB, tr http.RoundTripper, method, path string, body io.Reader, hdr ...string) (*http.Response, error) {
	t.Helper()
	return doCtx(t, context.Background(), tr, method, path, body, hdr...)
}

func doCtx(t testing.TB, ctx context.Context, tr http.RoundTripper, method, path string, body io.Reader, hdr ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+apiHost+path, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return tr.RoundTrip(req)
}

// readAll reads and closes resp's body.
func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return string(b)
}

// servedBy is the region a response came from, or "" when none.
func servedBy(resp *http.Response) multiregion.Region {
	r, _ := multiregion.ServedBy(resp)
	return r
}

// oneShot is a body without GetBody: it cannot be replayed.
func oneShot(s string) io.Reader { return io.NopCloser(strings.NewReader(s)) }

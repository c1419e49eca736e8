package multiregion

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// Prober measures the round-trip time to a region. It must honor ctx (the
// Client gives each probe ProbeTimeout) and be safe for concurrent use.
type Prober interface {
	Probe(ctx context.Context, r Region) (rtt time.Duration, err error)
}

// ProberFunc adapts a function to Prober.
type ProberFunc func(ctx context.Context, r Region) (time.Duration, error)

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context, r Region) (time.Duration, error) { return f(ctx, r) }

// HTTPProber is the default prober: an HTTP GET of the root of the region's
// DynamoDB endpoint, https://dynamodb.<region>.amazonaws.com/, which answers
// "healthy: dynamodb.<region>.amazonaws.com" without credentials. Endpoints
// overrides of the "DynamoDB" service are honored (the local lab). It is
// safe for concurrent use.
//
// The round trip is timed from the moment the request is written to the first
// response byte (httptrace, monotonic clock), so connection set-up and the TLS
// handshake of the first probe do not inflate the sample; connections are
// kept alive between probes.
type HTTPProber struct {
	// Client sends the probes. default: a client that keeps connections alive
	// and follows no redirects
	Client *http.Client
	// URL returns the URL to probe in r. default: the DynamoDB endpoint of r
	URL func(r Region) string
}

// NewHTTPProber returns the default prober for the given endpoint overrides.
func NewHTTPProber(client *http.Client, endpoints map[Region]map[string]string) *HTTPProber {
	if client == nil {
		client = &http.Client{
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConnsPerHost: 2,
				IdleConnTimeout:     90 * time.Second,
				TLSHandshakeTimeout: 5 * time.Second,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &HTTPProber{
		Client: client,
		URL: func(r Region) string {
			if u, ok := endpointFor(endpoints, r, ServiceDynamoDB); ok {
				return u
			}
			return "https://dynamodb." + string(r) + ".amazonaws.com/"
		},
	}
}

// ProbeStatusError is returned when a probe got an HTTP answer that says the
// endpoint is unhealthy (a 5xx).
type ProbeStatusError struct {
	StatusCode int
}

func (e *ProbeStatusError) Error() string {
	return fmt.Sprintf("probe answered HTTP %d", e.StatusCode)
}

// Probe implements Prober. Any answer below 500 counts as reachable: a 4xx
// from an AWS front end proves the region answers.
func (p *HTTPProber) Probe(ctx context.Context, r Region) (time.Duration, error) {
	// The trace hooks run on the transport's goroutines: keep the readings
	// in atomics. Durations since start keep the monotonic clock.
	start := time.Now()
	var wrote, first atomic.Int64
	trace := &httptrace.ClientTrace{
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote.Store(int64(time.Since(start)) + 1) },
		GotFirstResponseByte: func() { first.Store(int64(time.Since(start)) + 1) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, p.URL(r), nil)
	if err != nil {
		return 0, err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, err
	}
	// Drain a little so the connection can be reused, then close.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
	if resp.StatusCode >= 500 {
		return 0, &ProbeStatusError{StatusCode: resp.StatusCode}
	}
	w, f := wrote.Load(), first.Load()
	if w == 0 || f == 0 {
		return 0, fmt.Errorf("probe: no timing recorded")
	}
	if f < w { // the server answered before the request was fully written
		w = 1
	}
	return time.Duration(f - w), nil
}

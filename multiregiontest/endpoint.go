package multiregiontest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Endpoint is one region of a Lab: an HTTP server on 127.0.0.1 that serves
// every store of the lab in that region. A switch in front of it adds
// latency, fails or throttles a fraction of the requests, takes the region
// down (new connections refused, open ones cut) or black-holes it
// (requests hang until the client gives up). Faults answer in the wire
// format of the service a request was for, so the AWS SDK sees what it
// would see from AWS. An Endpoint is safe for concurrent use.
type Endpoint struct {
	Region string
	// URL is http://127.0.0.1:port; it stays the same across Down and Up.
	URL string

	addr string
	mux  *regionMux

	mu           sync.Mutex
	latency      time.Duration
	errRate      float64
	throttleRate float64
	blackhole    chan struct{} // non-nil while black-holed; closed on release
	rnd          *rand.Rand
	ln           net.Listener
	srv          *http.Server
	served       chan struct{}
	conns        map[net.Conn]struct{}
	requests     int64
}

// ErrAlreadyUp is returned by Up when the endpoint is serving.
var ErrAlreadyUp = errors.New("multiregiontest: endpoint already up")

func newEndpoint(region string, mux *regionMux, seed uint64) (*Endpoint, error) {
	e := &Endpoint{Region: region, mux: mux, rnd: rand.New(rand.NewPCG(seed, 0x6d72)), conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("multiregiontest: listen for %s: %w", region, err)
	}
	e.addr = ln.Addr().String()
	e.URL = "http://" + e.addr
	e.serve(ln)
	return e, nil
}

func (e *Endpoint) serve(ln net.Listener) {
	e.ln = ln
	e.srv = &http.Server{
		Handler:           http.HandlerFunc(e.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ConnState:         e.track,
	}
	e.served = make(chan struct{})
	srv, done := e.srv, e.served
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

func (e *Endpoint) track(c net.Conn, s http.ConnState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch s {
	case http.StateNew:
		e.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(e.conns, c)
	}
}

func (e *Endpoint) serveHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.requests++
	lat, hole := e.latency, e.blackhole
	// Draw only for the rates that are set, so a seed gives the same
	// sequence of faults whatever else the test changes.
	fail := e.errRate > 0 && e.rnd.Float64() < e.errRate
	throttle := !fail && e.throttleRate > 0 && !isHealthCheck(r) && e.rnd.Float64() < e.throttleRate
	e.mu.Unlock()
	if hole != nil {
		select {
		case <-hole:
		case <-r.Context().Done():
			return
		}
	}
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case fail:
		e.mux.writeFault(w, r, faultServer)
	case throttle:
		e.mux.writeFault(w, r, faultThrottle)
	default:
		e.mux.ServeHTTP(w, r)
	}
}

// SetLatency adds d to every request (one round trip).
func (e *Endpoint) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// Latency returns the configured latency.
func (e *Endpoint) Latency() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.latency
}

// SetErrorRate makes a fraction p (0 to 1) of requests, health checks
// included, fail as a server error: HTTP 500 with the service's
// InternalServerError (DynamoDB) or InternalError body.
func (e *Endpoint) SetErrorRate(p float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errRate = clamp01(p)
}

// SetThrottleRate makes a fraction p (0 to 1) of API requests answer as the
// service throttles: for DynamoDB, HTTP 400 with
// ProvisionedThroughputExceededException (item operations) or
// ThrottlingException (the rest), which the AWS SDK reports as a throttling
// error; for other services, HTTP 503 SlowDown. Health checks are not
// throttled: a throttled region is up, only busy.
func (e *Endpoint) SetThrottleRate(p float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.throttleRate = clamp01(p)
}

func clamp01(p float64) float64 { return min(max(p, 0), 1) }

// Blackhole makes requests hang (until the client gives up) while on is true.
func (e *Endpoint) Blackhole(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case on && e.blackhole == nil:
		e.blackhole = make(chan struct{})
	case !on && e.blackhole != nil:
		close(e.blackhole)
		e.blackhole = nil
	}
}

// Requests returns how many requests reached the endpoint (down ones excluded).
func (e *Endpoint) Requests() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// reachable reports whether a request would be served: up and not
// black-holed.
func (e *Endpoint) reachable() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srv != nil && e.blackhole == nil
}

// Down stops accepting connections and cuts the open ones, as a region
// outage looks to a client: connection refused or reset.
func (e *Endpoint) Down() {
	e.mu.Lock()
	srv, done := e.srv, e.served
	e.srv = nil
	e.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close() // closes the listener and every tracked connection
	<-done
}

// IsUp reports whether the endpoint is serving.
func (e *Endpoint) IsUp() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srv != nil
}

// Up serves again on the same address.
func (e *Endpoint) Up() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return ErrAlreadyUp
	}
	var ln net.Listener
	var err error
	// The port was just released; retry briefly in case the kernel holds it.
	for i := 0; i < 50; i++ {
		ln, err = net.Listen("tcp", e.addr)
		if err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("multiregiontest: bring %s back on %s: %w", e.Region, e.addr, err)
	}
	e.serve(ln)
	return nil
}

// close shuts the endpoint down for good.
func (e *Endpoint) close() {
	e.Blackhole(false)
	e.Down()
}

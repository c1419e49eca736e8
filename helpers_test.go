package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

const (
	use1 multiregion.Region = "us-east-1"
	use2 multiregion.Region = "us-east-2"
	usw2 multiregion.Region = "us-west-2"
	euw1 multiregion.Region = "eu-west-1"
)

// epoch is the start of virtual time in the tests.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// errProbe is what fakeProber returns for a region set to fail.
var errProbe = errors.New("fake probe failure")

type probeResult struct {
	rtt time.Duration
	err error
}

// fakeProber answers each region with a configurable (rtt, err) and counts
// the probes. Unset regions answer 10ms. Safe for concurrent use.
type fakeProber struct {
	mu    sync.Mutex
	res   map[multiregion.Region]probeResult
	calls map[multiregion.Region]int
}

func newFakeProber() *fakeProber {
	return &fakeProber{res: map[multiregion.Region]probeResult{}, calls: map[multiregion.Region]int{}}
}

func (p *fakeProber) set(r multiregion.Region, rtt time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res[r] = probeResult{rtt, err}
}

func (p *fakeProber) count(r multiregion.Region) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[r]
}

func (p *fakeProber) Probe(ctx context.Context, r multiregion.Region) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[r]++
	res, ok := p.res[r]
	if !ok {
		return 10 * time.Millisecond, nil
	}
	return res.rtt, res.err
}

// newTestClient builds a Client that never probes on its own (tests drive
// probes with Refresh) and never touches the network unless fns say so.
// It is closed when the test ends.
func newTestClient(t testing.TB, regions []multiregion.Region, fns ...func(*multiregion.Options)) *multiregion.Client {
	t.Helper()
	all := append([]func(*multiregion.Options){func(o *multiregion.Options) {
		o.Regions = regions
		o.Prober = newFakeProber()
		o.DisableBackgroundProbes = true
	}}, fns...)
	c, err := multiregion.New(context.Background(), aws.Config{}, all...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func withProber(p multiregion.Prober) func(*multiregion.Options) {
	return func(o *multiregion.Options) { o.Prober = p }
}

func withClock(c multiregion.Clock) func(*multiregion.Options) {
	return func(o *multiregion.Options) { o.Clock = c }
}

func refresh(t testing.TB, c *multiregion.Client) {
	t.Helper()
	require.NoError(t, c.Refresh(context.Background()))
}

// status returns the network view's status of r.
func status(t testing.TB, c *multiregion.Client, r multiregion.Region) multiregion.RegionStatus {
	t.Helper()
	s, ok := c.Status().Region(r)
	if !ok {
		t.Fatalf("no network status for %s", r)
	}
	return s
}

// storeStatus returns the status of r in the store's own view.
func storeStatus(t testing.TB, st *multiregion.Store, r multiregion.Region) multiregion.RegionStatus {
	t.Helper()
	s, ok := st.Status().Region(r)
	if !ok {
		t.Fatalf("no status for %s in store %s", r, st.Name())
	}
	return s
}

// storeSeq makes the names of newTestStore unique within the test binary.
var storeSeq atomic.Int64

// newTestStore registers a store over every region of c, named after the
// test, and closes it when the test ends.
func newTestStore(t testing.TB, c *multiregion.Client, optFns ...func(*multiregion.StoreOptions)) *multiregion.Store {
	t.Helper()
	return newNamedStore(t, c, fmt.Sprintf("test:%s#%d", t.Name(), storeSeq.Add(1)), nil, optFns...)
}

// newNamedStore registers the store name over regions (nil: all of c's)
// and closes it when the test ends.
func newNamedStore(t testing.TB, c *multiregion.Client, name string, regions []multiregion.Region, optFns ...func(*multiregion.StoreOptions)) *multiregion.Store {
	t.Helper()
	st, err := c.NewStore(name, regions, optFns...)
	require.NoError(t, err)
	require.NotNil(t, st)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

// withStoreProber gives a store a prober of its own.
func withStoreProber(p multiregion.Prober) func(*multiregion.StoreOptions) {
	return func(o *multiregion.StoreOptions) { o.Prober = p }
}

func storeRefresh(t testing.TB, st *multiregion.Store) {
	t.Helper()
	require.NoError(t, st.Refresh(context.Background()))
}

func storeRankAll(t testing.TB, st *multiregion.Store) []multiregion.Region {
	t.Helper()
	all, err := st.Client().Set()
	require.NoError(t, err)
	return st.Rank(all, nil)
}

func storePick(t testing.TB, st *multiregion.Store) multiregion.Region {
	t.Helper()
	all, err := st.Client().Set()
	require.NoError(t, err)
	r, err := st.Pick(all)
	require.NoError(t, err)
	return r
}

func startRegions(t testing.TB, regions []string, opts ...multiregiontest.Option) *multiregiontest.Lab {
	t.Helper()
	rs, err := multiregiontest.New(regions, opts...)
	require.NoError(t, err)
	t.Cleanup(rs.Close)
	return rs
}

// loopbackOnly is an http.RoundTripper that refuses to leave 127.0.0.1, so a
// routing bug shows up as a test failure instead of a request to AWS.
type loopbackOnly struct {
	mu   sync.Mutex
	hits []string // the hosts it refused
	next http.RoundTripper
}

func (l *loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		l.mu.Lock()
		l.hits = append(l.hits, req.URL.Host)
		l.mu.Unlock()
		return nil, fmt.Errorf("test transport: refusing to contact %s (not loopback)", req.URL.Host)
	}
	return l.next.RoundTrip(req)
}

func (l *loopbackOnly) refused() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.hits...)
}

func newLoopbackClient(t testing.TB) (*http.Client, *loopbackOnly) {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	lo := &loopbackOnly{next: tr}
	return &http.Client{Transport: lo}, lo
}

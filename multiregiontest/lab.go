package multiregiontest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
)

// Lab is a set of in-process AWS regions: one Endpoint per region on
// 127.0.0.1, each serving the lab's stores (WithDynamoDB) and the DynamoDB
// front end's health page that the default prober measures. A Lab is safe
// for concurrent use; Close it once (Start does it at the end of the test).
type Lab struct {
	order  []string
	byName map[string]*Endpoint
	stores []store
	arc    *RoutingControls // nil without WithRoutingControls

	transport *http.Transport // the lab client's; its idle connections close with the lab
	client    *http.Client    // loopback only: for AWS clients (Config)

	closeOnce sync.Once
}

// Start starts a lab for the test t and closes it when the test ends
// (t.Cleanup). Regions are AWS region names, in the Client's preference
// order: []string or []multiregion.Region. Bad regions or options fail the
// test at once (t.Fatal) with the reason.
func Start[R ~string](t testing.TB, regions []R, opts ...Option) *Lab {
	t.Helper()
	l, err := New(regions, opts...)
	if err != nil {
		t.Fatalf("multiregiontest.Start: %v", err)
		return nil // a testing.TB whose Fatalf returns (a fake) gets no lab
	}
	t.Cleanup(l.Close)
	return l
}

// New starts a lab, for programs and examples that have no testing.TB; the
// caller must Close it. A region list that is empty, names a region twice
// or holds a malformed name, and an option that does not fit the regions,
// give an *OptionError (errors.Is(err, ErrInvalidOptions)).
func New[R ~string](regions []R, opts ...Option) (*Lab, error) {
	names, err := checkRegions(regions)
	if err != nil {
		return nil, err
	}
	c := labConfig{latency: map[string]time.Duration{}, seed: 1}
	for _, fn := range opts {
		fn(&c)
	}
	if len(c.errs) > 0 {
		return nil, c.errs[0]
	}
	for r := range c.latency {
		if !contains(names, r) {
			return nil, &OptionError{Option: "WithLatency", Value: r, Reason: "not one of the lab's regions " + fmt.Sprint(names)}
		}
	}
	l := &Lab{byName: map[string]*Endpoint{}}
	for i, s := range c.stores {
		if err := s.start(names); err != nil {
			for _, started := range c.stores[:i] {
				started.close()
			}
			return nil, &OptionError{Option: "With" + s.kind(), Reason: err.Error(), Err: err}
		}
	}
	l.stores = c.stores
	l.transport, l.client = newLabClients()
	for i, r := range names {
		ep, err := newEndpoint(r, newRegionMux(r, l.stores, c.fallback), c.seed+uint64(i))
		if err != nil {
			l.Close()
			return nil, err
		}
		ep.SetLatency(c.latency[r])
		l.order = append(l.order, r)
		l.byName[r] = ep
	}
	for _, s := range l.stores {
		if w, ok := s.(endpointWatcher); ok {
			w.watch(l.Endpoint)
		}
	}
	if c.arcRegions != nil {
		// Seeded after the regions', so adding the cluster changes no region's faults.
		rc, err := newRoutingControls(names, c.arcRegions, c.seed+uint64(len(names)))
		if err != nil {
			l.Close()
			return nil, err
		}
		l.arc = rc
	}
	return l, nil
}

// checkRegions validates the region list: at least one, each shaped like
// an AWS region name, none twice.
func checkRegions[R ~string](regions []R) ([]string, error) {
	if len(regions) == 0 {
		return nil, &OptionError{Option: "regions", Reason: "at least one region is required"}
	}
	names := make([]string, 0, len(regions))
	for _, r := range regions {
		name := string(r)
		if err := multiregion.Region(name).Validate(); err != nil {
			return nil, &OptionError{Option: "region", Value: name, Reason: "not an AWS region name (want the shape us-east-1)", Err: err}
		}
		if contains(names, name) {
			return nil, &OptionError{Option: "region", Value: name, Reason: "listed twice"}
		}
		names = append(names, name)
	}
	return names, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Endpoint returns the endpoint of region, or nil if the lab has no such
// region.
func (l *Lab) Endpoint(region string) *Endpoint { return l.byName[region] }

// Names returns the regions in the order given to New or Start.
func (l *Lab) Names() []string { return append([]string(nil), l.order...) }

// Regions returns the regions as multiregion.Region values, in order.
func (l *Lab) Regions() []multiregion.Region {
	out := make([]multiregion.Region, len(l.order))
	for i, r := range l.order {
		out[i] = multiregion.Region(r)
	}
	return out
}

// Close shuts every endpoint down (hanging requests are released), stops
// every store and closes the lab clients' idle connections, so no goroutine
// of the lab outlives it. Close a multiregion.Client built on the lab
// first. Close is idempotent.
func (l *Lab) Close() {
	l.closeOnce.Do(func() {
		for _, r := range l.order {
			l.byName[r].close()
		}
		if l.arc != nil {
			l.arc.close()
		}
		for _, s := range l.stores {
			s.close()
		}
		if l.transport != nil {
			l.transport.CloseIdleConnections()
		}
	})
}

// String lists the endpoints, for logs: "us-east-1=http://127.0.0.1:41234 ...".
func (l *Lab) String() string {
	var b strings.Builder
	for _, r := range l.order {
		fmt.Fprintf(&b, "%s=%s ", r, l.byName[r].URL)
	}
	return strings.TrimSpace(b.String())
}

package testutil

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/regionkit/multiregion"
)

// Regions is a set of in-process regional endpoints, one per region, each
// behind its own latency / error / outage switch. Safe for concurrent use.
type Regions struct {
	order []string
	byID  map[string]*Endpoint
}

// Option configures StartRegions.
type Option func(*regionsOptions)

type regionsOptions struct {
	handler func(region string) http.Handler
	latency map[string]time.Duration
	seed    uint64
}

// WithHandler serves requests of each region with h(region). GET / without
// an X-Amz-Target header is always answered as AWS's DynamoDB front end
// does ("healthy: dynamodb.<region>.amazonaws.com"), so the default prober
// works against any handler.
func WithHandler(h func(region string) http.Handler) Option {
	return func(o *regionsOptions) { o.handler = h }
}

// WithLatency sets the initial latency (one round trip) of a region.
func WithLatency(region string, d time.Duration) Option {
	return func(o *regionsOptions) { o.latency[region] = d }
}

// WithSeed seeds the error-rate randomness. default: 1
func WithSeed(seed uint64) Option {
	return func(o *regionsOptions) { o.seed = seed }
}

// StartRegions starts one endpoint per region on 127.0.0.1.
func StartRegions(regions []string, opts ...Option) (*Regions, error) {
	o := regionsOptions{latency: map[string]time.Duration{}, seed: 1}
	for _, fn := range opts {
		fn(&o)
	}
	rs := &Regions{byID: map[string]*Endpoint{}}
	for i, r := range regions {
		if _, dup := rs.byID[r]; dup {
			rs.Close()
			return nil, fmt.Errorf("testutil: region %s listed twice", r)
		}
		var inner http.Handler = http.NotFoundHandler()
		if o.handler != nil {
			inner = o.handler(r)
		}
		ep, err := newEndpoint(r, healthRoot(r, inner), o.seed+uint64(i))
		if err != nil {
			rs.Close()
			return nil, err
		}
		ep.SetLatency(o.latency[r])
		rs.order = append(rs.order, r)
		rs.byID[r] = ep
	}
	return rs, nil
}

// healthRoot answers the DynamoDB front end's health page and passes
// everything else to next.
func healthRoot(region string, next http.Handler) http.Handler {
	body := "healthy: dynamodb." + region + ".amazonaws.com "
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") == "" && r.URL.RawQuery == "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(body))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Endpoint returns the endpoint of region, or nil.
func (rs *Regions) Endpoint(region string) *Endpoint { return rs.byID[region] }

// Names returns the regions in the order given to StartRegions.
func (rs *Regions) Names() []string { return append([]string(nil), rs.order...) }

// MultiregionRegions returns the regions as multiregion.Region values.
func (rs *Regions) MultiregionRegions() []multiregion.Region {
	out := make([]multiregion.Region, len(rs.order))
	for i, r := range rs.order {
		out[i] = multiregion.Region(r)
	}
	return out
}

// Endpoints returns Options.Endpoints that point the given AWS services
// (SDK IDs) of every region at its local endpoint.
func (rs *Regions) Endpoints(services ...string) map[multiregion.Region]map[string]string {
	if len(services) == 0 {
		services = []string{multiregion.ServiceDynamoDB}
	}
	out := map[multiregion.Region]map[string]string{}
	for _, r := range rs.order {
		m := map[string]string{}
		for _, s := range services {
			m[s] = rs.byID[r].URL
		}
		out[multiregion.Region(r)] = m
	}
	return out
}

// Options returns a func(*multiregion.Options) that sets Regions and
// Endpoints for these endpoints.
func (rs *Regions) Options(services ...string) func(*multiregion.Options) {
	return func(o *multiregion.Options) {
		o.Regions = rs.MultiregionRegions()
		o.Endpoints = rs.Endpoints(services...)
	}
}

// Close shuts every endpoint down.
func (rs *Regions) Close() {
	for _, r := range rs.order {
		rs.byID[r].close()
	}
}

// String lists the endpoints, for logs.
func (rs *Regions) String() string {
	var b strings.Builder
	for _, r := range rs.order {
		fmt.Fprintf(&b, "%s=%s ", r, rs.byID[r].URL)
	}
	return strings.TrimSpace(b.String())
}

package multiregiontest

import (
	"net/http"
	"time"
)

// Option configures a Lab (New, Start).
type Option func(*labConfig)

// labConfig is what the options collected; New validates it against the
// regions.
type labConfig struct {
	latency  map[string]time.Duration
	seed     uint64
	fallback func(region string) http.Handler
	stores   []store
	// arcRegions are the ARC cluster's endpoint regions; nil without
	// WithRoutingControls.
	arcRegions []string
	errs       []*OptionError // options that were wrong on their own
}

// WithLatency sets the initial round-trip latency of region (one of the
// lab's regions); Endpoint.SetLatency changes it later.
func WithLatency(region string, d time.Duration) Option {
	return func(c *labConfig) {
		if d < 0 {
			c.errs = append(c.errs, &OptionError{Option: "WithLatency", Value: d.String(), Reason: "negative latency"})
			return
		}
		c.latency[region] = d
	}
}

// WithSeed seeds the randomness of error and throttle rates, so a failing
// run can be replayed. Region i of the lab is seeded seed+i.
// default: 1
func WithSeed(seed uint64) Option {
	return func(c *labConfig) { c.seed = seed }
}

// WithHandler serves, in each region, the requests no store of the lab
// claims with h(region): a fake of a service the lab has no store for,
// behind the same latency and outage switch. The health page stays the
// lab's.
func WithHandler(h func(region string) http.Handler) Option {
	return func(c *labConfig) { c.fallback = h }
}

// addStore registers s, replacing a store of the same kind (the last
// option wins, as for every other option).
func (c *labConfig) addStore(s store) {
	for i, old := range c.stores {
		if old.kind() == s.kind() {
			c.stores[i] = s
			return
		}
	}
	c.stores = append(c.stores, s)
}

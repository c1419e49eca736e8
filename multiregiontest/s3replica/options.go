package s3replica

import (
	"fmt"
	"time"
)

// Pair is a directed pair of regions: replication From a source bucket's
// region To a destination bucket's region.
type Pair struct{ From, To string }

// Options configures a World. The zero value (with Regions) replicates
// as soon as possible, in order.
type Options struct {
	// Regions are the regions that serve S3. Required.
	Regions []string
	// ReplicationDelay is how long a new version waits before it is copied
	// to each destination. World.SetReplicationDelay changes it later.
	// default: 0 (asynchronous, as soon as possible)
	ReplicationDelay time.Duration
	// PairDelays overrides ReplicationDelay for some directed pairs.
	// default: none
	PairDelays map[Pair]time.Duration
	// ReorderJitter adds a seeded random delay in [0, ReorderJitter) to
	// each copy, so that concurrent versions can arrive in a different
	// order in each region, as they do in S3.
	// default: 0 (copies arrive in the order their sources were written)
	ReorderJitter time.Duration
	// Seed seeds version ids and jitter, so a run replays.
	// default: 1
	Seed uint64
	// FailAfter is how long a copy is retried while its destination's
	// endpoint is down (IsUp false) before the source version becomes
	// FAILED, a state S3 never leaves by itself.
	// default: 10s
	FailAfter time.Duration
	// RetryInterval is how often a copy to a down destination is retried.
	// default: 20ms
	RetryInterval time.Duration
	// IsUp reports whether a region's endpoint is reachable; replication
	// into a region that is not waits (see FailAfter).
	// default: every region is always up
	IsUp func(region string) bool
	// Latency reports a region's latency; a Multi-Region Access Point
	// sends a request to the active route with the lowest.
	// default: 0 everywhere (ties go to the first region by name)
	Latency func(region string) time.Duration
	// MRAPRouteDelay is how long a SubmitMultiRegionAccessPointRoutes takes
	// to come into effect (AWS: up to 2 minutes).
	// default: 0
	MRAPRouteDelay time.Duration
	// InventoryRowsPerFile is how many rows an inventory data file holds
	// before WriteInventory starts another.
	// default: 10000
	InventoryRowsPerFile int
}

// OptionsError reports an invalid Options field.
type OptionsError struct {
	Field  string
	Reason string
}

func (e *OptionsError) Error() string { return "s3replica: invalid " + e.Field + ": " + e.Reason }

func resolveOptions(o Options) (Options, error) {
	if len(o.Regions) == 0 {
		return o, &OptionsError{Field: "Regions", Reason: "at least one region is required"}
	}
	if o.ReplicationDelay < 0 || o.ReorderJitter < 0 || o.FailAfter < 0 || o.RetryInterval < 0 || o.MRAPRouteDelay < 0 {
		return o, &OptionsError{Field: "durations", Reason: "negative duration"}
	}
	for p, d := range o.PairDelays {
		if d < 0 {
			return o, &OptionsError{Field: "PairDelays", Reason: fmt.Sprintf("negative delay for %s->%s", p.From, p.To)}
		}
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.FailAfter == 0 {
		o.FailAfter = 10 * time.Second
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = 20 * time.Millisecond
	}
	if o.IsUp == nil {
		o.IsUp = func(string) bool { return true }
	}
	if o.Latency == nil {
		o.Latency = func(string) time.Duration { return 0 }
	}
	if o.InventoryRowsPerFile <= 0 {
		o.InventoryRowsPerFile = 10000
	}
	return o, nil
}

package multiregion

import (
	"fmt"
	"math"
	"time"
)

// Hedge configures hedged reads of a store: when the first attempt has not
// answered after a delay, the same read is sent to the next-ranked region;
// the first answer wins and the other attempt is cancelled. A cancelled
// hedge is never counted as a region failure. Only reads are hedged (a
// hedged write in a multi-writer store would race itself into a
// last-writer-wins conflict), within a budget of extra requests. It is a
// plain value; adapters take it in their Options (e.g. dynamo.Options.Hedge)
// and let a call turn it on or off.
type Hedge struct {
	// After is a fixed delay before the hedge. 0: Percentile decides.
	// default: 0
	After time.Duration
	// Percentile, in (0, 1), sets the delay to that percentile of the
	// store's recent successful read latencies (nearest rank over the last
	// 256), once 20 were seen; until then no hedge is sent.
	// default: 0.95 when After is 0
	Percentile float64
	// Budget caps hedges as a fraction of calls: each call earns Budget
	// tokens (up to Burst), each hedge spends one. Counted in calls, not
	// time, so a burst of slow answers cannot double the load.
	// default: 0.05
	Budget float64
	// Burst is how many hedges may go out back to back.
	// default: 10
	Burst float64
}

// Validate reports the first invalid field as an *OptionError.
func (h Hedge) Validate() error {
	bad := func(field string, v any, reason string) error {
		return &OptionError{Field: "Hedge." + field, Value: fmt.Sprint(v), Reason: reason}
	}
	switch {
	case h.After < 0:
		return bad("After", h.After, "must be > 0, or 0 for the Percentile")
	case h.Percentile < 0 || h.Percentile >= 1 || math.IsNaN(h.Percentile):
		return bad("Percentile", h.Percentile, "must be in (0, 1)")
	case h.Budget < 0 || h.Budget > 1 || math.IsNaN(h.Budget):
		return bad("Budget", h.Budget, "must be in [0, 1]")
	case h.Burst < 0 || math.IsNaN(h.Burst):
		return bad("Burst", h.Burst, "must be >= 0")
	}
	return nil
}

// HedgeMode turns hedging on or off for one call, over the store's Hedge.
type HedgeMode uint8

const (
	// HedgeDefault hedges when the store has a Hedge.
	HedgeDefault HedgeMode = iota
	// HedgeOn hedges this read, with the store's Hedge or, without one,
	// the defaults (the 95th percentile, a 5 % budget).
	HedgeOn
	// HedgeOff never hedges this call.
	HedgeOff
)

package multiregion

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// snapshot is the immutable routing state the pick path reads. A new one is
// built under the router's mutex and swapped in atomically whenever the order
// or the health of any region changes (as grpc-go's balancers swap pickers),
// so Pick takes no lock and allocates nothing.
type snapshot struct {
	order   []uint8   // positions of all regions, in pick order
	healthy RegionSet // healthy regions
}

// router tracks latency and health per region and publishes snapshots.
// It is safe for concurrent use.
type router struct {
	regions []Region
	index   map[Region]int
	policy  healthPolicy
	margin  float64
	clock   Clock
	tracer  HealthTracer
	logger  *slog.Logger

	snap atomic.Pointer[snapshot]

	mu      sync.Mutex
	states  []regionState
	scratch []uint8
}

func newRouter(o *Options) *router {
	rt := &router{
		regions: o.Regions,
		index:   make(map[Region]int, len(o.Regions)),
		policy: healthPolicy{
			weight:      o.EWMAWeight,
			threshold:   o.FailureThreshold,
			interval:    o.ProbeInterval,
			maxEjection: o.MaxEjection,
		},
		margin:  o.SwitchMargin,
		clock:   o.Clock,
		logger:  o.Logger,
		states:  make([]regionState, len(o.Regions)),
		scratch: make([]uint8, 0, len(o.Regions)),
	}
	rt.tracer, _ = o.Tracer.(HealthTracer)
	order := make([]uint8, len(o.Regions))
	var all RegionSet
	for i, r := range o.Regions {
		rt.index[r] = i
		rt.states[i].healthy = true
		order[i] = uint8(i)
		all = all.With(i)
	}
	rt.snap.Store(&snapshot{order: order, healthy: all})
	return rt
}

// pick returns the position of the first healthy region of allowed in pick
// order, or -1. Lock-free and allocation-free.
func (rt *router) pick(allowed RegionSet) int {
	s := rt.snap.Load()
	ok := allowed & s.healthy
	if ok == 0 {
		return -1
	}
	for _, i := range s.order {
		if ok&(1<<i) != 0 {
			return int(i)
		}
	}
	return -1
}

// rank appends to dst the regions of allowed in pick order: healthy ones
// first, ejected ones last (an adapter may still try them as a last resort
// for reads).
func (rt *router) rank(allowed RegionSet, dst []Region) []Region {
	s := rt.snap.Load()
	for _, i := range s.order {
		if allowed&(1<<i) != 0 {
			dst = append(dst, rt.regions[i])
		}
	}
	return dst
}

// isCanceled reports whether err says the caller gave up, which says
// nothing about the region.
func isCanceled(err error) bool { return errors.Is(err, context.Canceled) }

// observe folds one sample into region i's state. probe tells an active
// probe from a passive observation of a real call.
func (rt *router) observe(i int, rtt time.Duration, err error, probe bool) {
	rt.observeAll([]probeResult{{i: i, rtt: rtt, err: err}}, probe)
}

// observeProbes records a round of probes at once, in preference order.
func (rt *router) observeProbes(results []probeResult) { rt.observeAll(results, true) }

// observeAll records samples under one lock and publishes at most one new
// snapshot. Health changes are reported after the lock is released.
func (rt *router) observeAll(results []probeResult, probe bool) {
	now := rt.clock.Now()
	var changed [MaxRegions]bool
	any, dirty := false, false
	rt.mu.Lock()
	for _, res := range results {
		if res.err != nil && isCanceled(res.err) {
			continue
		}
		st := &rt.states[res.i]
		if probe {
			st.lastProbe = now
		}
		rankChanged := true
		if res.err != nil {
			changed[res.i] = st.fail(res.err, now, rt.policy)
		} else {
			changed[res.i], rankChanged = st.succeed(res.rtt, probe, now, rt.policy)
		}
		any = any || changed[res.i]
		dirty = dirty || rankChanged
	}
	if dirty {
		rt.republishLocked()
	}
	rt.mu.Unlock()
	if !any {
		return
	}
	for _, res := range results {
		if changed[res.i] {
			rt.reportHealth(res.i, res.err == nil, res.err, now)
		}
	}
}

// republishLocked recomputes the order and swaps in a new snapshot if it
// differs from the current one. Allocates only when something changed.
func (rt *router) republishLocked() {
	cur := rt.snap.Load()
	rt.scratch = rankRegions(rt.scratch, rt.states, cur.order, rt.margin)
	var healthy RegionSet
	for i := range rt.states {
		if rt.states[i].healthy {
			healthy = healthy.With(i)
		}
	}
	if healthy == cur.healthy && slices.Equal(rt.scratch, cur.order) {
		return
	}
	rt.snap.Store(&snapshot{order: slices.Clone(rt.scratch), healthy: healthy})
}

func (rt *router) reportHealth(i int, healthy bool, err error, at time.Time) {
	r := rt.regions[i]
	if healthy {
		rt.logger.Info("multiregion: region readmitted", "region", string(r))
	} else {
		rt.logger.Info("multiregion: region ejected", "region", string(r), "error", err)
	}
	if rt.tracer != nil {
		rt.tracer.TraceHealthChange(TraceHealthChangeData{Region: r, Healthy: healthy, Err: err, At: at})
	}
}

// RegionStatus is a point-in-time view of one region.
type RegionStatus struct {
	Region  Region
	Healthy bool
	// Latency is the moving average of the round-trip time; 0 if not measured.
	Latency  time.Duration
	Measured bool
	// Samples is how many latency samples were folded into Latency.
	Samples             uint64
	ConsecutiveFailures int
	LastError           error
	LastProbe           time.Time
	// Ejections counts ejections in the current streak (drives the backoff).
	Ejections int
}

// status returns every region in pick order.
func (rt *router) status() []RegionStatus {
	s := rt.snap.Load()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]RegionStatus, 0, len(s.order))
	for _, i := range s.order {
		st := rt.states[i]
		out = append(out, RegionStatus{
			Region:              rt.regions[i],
			Healthy:             st.healthy,
			Latency:             time.Duration(st.ewma),
			Measured:            st.measured,
			Samples:             st.samples,
			ConsecutiveFailures: st.failures,
			LastError:           st.lastErr,
			LastProbe:           st.lastProbe,
			Ejections:           st.ejections,
		})
	}
	return out
}

// lastErrors returns the last error of each region of allowed, in rank order.
func (rt *router) lastErrors(allowed []Region) []error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	errs := make([]error, len(allowed))
	for k, r := range allowed {
		errs[k] = rt.states[rt.index[r]].lastErr
	}
	return errs
}

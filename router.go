package multiregion

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion/internal/telemetry"
)

// snapshot is the immutable routing state the pick path reads. A new one is
// built under the router's mutex and swapped in atomically whenever the order
// or the health of any region changes (as grpc-go's balancers swap pickers),
// so Pick takes no lock and allocates nothing. A closed router publishes a
// snapshot whose err is set: the pick returns it without building anything.
type snapshot struct {
	order   []uint8   // positions of all regions, in pick order
	healthy RegionSet // healthy regions (of the router's own set), less the drained ones
	drained RegionSet // drained regions at publication: never picked nor ranked
	err     error     // non-nil once closed: what every pick returns
	own     bool      // a store's order was ranked by its own samples, not the network view
	// lat is the latency view of every region at publication, for the
	// stores that rank by the network view. Only the network router fills it.
	lat []latency
}

// latency is the part of a regionState that ranking by latency reads.
type latency struct {
	ewma, dev, vf float64
	measured      bool
	healthy       bool
}

// router tracks latency and health per region and publishes snapshots.
// The Client has one for its network view (fed by its probes only) and one
// per Store (fed by that store's calls and its own probe, and ranked by the
// network view until the store has fresh samples of its own). It is safe
// for concurrent use.
type router struct {
	name    string // the store's name; "" for the network view
	regions []Region
	index   map[Region]int
	set     RegionSet // the regions this router may rank healthy
	policy  healthPolicy
	margin  float64
	clock   Clock
	tracer  HealthTracer
	logger  *slog.Logger
	tel     *telemetry.Recorder // nil: telemetry off
	drains  *drains             // the Client's; nil only while the network view is built
	net     *router             // the network view, for a store's router; nil for the network view
	ownProb bool                // the store has a prober of its own

	snap atomic.Pointer[snapshot]

	mu      sync.Mutex
	states  []regionState
	scratch []uint8
	view    []regionState // scratch copy of states with the network view laid over
}

func newRouter(o *Options, index map[Region]int, name string, set RegionSet, net *router, ownProber bool) *router {
	rt := &router{
		name:    name,
		regions: o.Regions,
		index:   index,
		set:     set,
		policy: healthPolicy{
			weight:        o.EWMAWeight,
			threshold:     o.FailureThreshold,
			interval:      o.ProbeInterval,
			maxEjection:   o.MaxEjection,
			callsReadmit:  net != nil,
			rateWindow:    o.FailureRateWindow,
			rateMinCalls:  o.FailureRateMinCalls,
			rateThreshold: o.FailureRateThreshold,
		},
		margin:  o.SwitchMargin,
		clock:   o.Clock,
		tracer:  o.HealthTracer,
		logger:  o.Logger,
		net:     net,
		ownProb: ownProber,
		tel:     net.recorder(),
		drains:  net.drainSet(),
		states:  make([]regionState, len(o.Regions)),
		scratch: make([]uint8, 0, len(o.Regions)),
	}
	if o.DisableFailureRateEjection {
		rt.policy.rateWindow = 0
	}
	order := make([]uint8, len(o.Regions))
	for i := range o.Regions {
		rt.states[i].healthy = true
		order[i] = uint8(i)
	}
	rt.mu.Lock()
	rt.publishLocked(order, false)
	rt.mu.Unlock()
	return rt
}

// pick returns the position of the first healthy region of allowed in pick
// order, or -1 and the reason. Lock-free and allocation-free.
func (rt *router) pick(allowed RegionSet) (int, error) {
	s := rt.snap.Load()
	if s.err != nil {
		return -1, s.err
	}
	ok := allowed & s.healthy
	if ok == 0 {
		return -1, nil
	}
	for _, i := range s.order {
		if ok&(1<<i) != 0 {
			return int(i), nil
		}
	}
	return -1, nil
}

// rank appends to dst the regions of allowed (within the router's set) in
// pick order: healthy ones first, ejected ones last (an adapter may still
// try them as a last resort for reads). A closed router ranks nothing.
func (rt *router) rank(allowed RegionSet, dst []Region) []Region {
	s := rt.snap.Load()
	if s.err != nil {
		return dst
	}
	allowed &= rt.set &^ s.drained
	for _, i := range s.order {
		if allowed&(1<<i) != 0 {
			dst = append(dst, rt.regions[i])
		}
	}
	return dst
}

// healthy reports whether position i is healthy in the current snapshot.
func (rt *router) healthy(i int) bool {
	s := rt.snap.Load()
	return s.err == nil && s.healthy.Has(i)
}

// close publishes a snapshot on which every pick fails with err.
func (rt *router) close(err error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	cur := rt.snap.Load()
	if cur.err == nil {
		rt.snap.Store(&snapshot{order: cur.order, err: err, lat: cur.lat})
	}
}

// isCanceled reports whether err says the caller gave up, which says
// nothing about the region.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, ErrClosed)
}

// observe folds one sample into region i's state. probe tells an active
// probe from a passive observation of a real call. It reports whether the
// published snapshot changed.
func (rt *router) observe(i int, rtt time.Duration, err error, probe bool) bool {
	return rt.observeAll([]probeResult{{i: i, rtt: rtt, err: err}}, probe)
}

// observeAll records samples under one lock and publishes at most one new
// snapshot. Health changes are reported after the lock is released. It
// reports whether anything a store ranking by this view reads changed.
func (rt *router) observeAll(results []probeResult, probe bool) bool {
	now := rt.clock.Now()
	var changed [MaxRegions]bool
	var rates [MaxRegions]float64 // the failure rate that ejected a region; 0: by count
	var held [MaxRegions]uint16   // and the outcomes it was over
	any, dirty := false, false
	rt.mu.Lock()
	if rt.snap.Load().err != nil { // closed: late results do not count
		rt.mu.Unlock()
		return false
	}
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
			changed[res.i], rates[res.i] = st.fail(res.err, now, rt.policy)
			held[res.i] = st.outcomes.n
		} else {
			changed[res.i], rankChanged = st.succeed(res.rtt, probe, now, rt.policy)
		}
		if probe {
			st.nextProbe = now.Add(st.probeWait(now, rt.policy))
		}
		any = any || changed[res.i]
		dirty = dirty || rankChanged
	}
	if dirty {
		rt.republishLocked(now)
	}
	rt.mu.Unlock()
	for _, res := range results {
		if !changed[res.i] {
			continue
		}
		err := res.err
		if rates[res.i] > 0 {
			err = &FailureRateError{Region: rt.regions[res.i], Rate: rates[res.i], Outcomes: int(held[res.i]), Err: err}
		}
		rt.reportHealth(res.i, res.err == nil, err, now)
	}
	return dirty
}

// recompute re-ranks after the network view changed, for a store that
// ranks by it.
func (rt *router) recompute() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.snap.Load().err == nil {
		rt.republishLocked(rt.clock.Now())
	}
}

// republishLocked recomputes the order and swaps in a new snapshot if it
// differs from the current one. Allocates only when something changed
// (and, for the network view, on every call: stores read its latencies).
func (rt *router) republishLocked(now time.Time) {
	cur := rt.snap.Load()
	states, own := rt.rankingStates(now)
	rt.scratch = rankRegions(rt.scratch, states, cur.order, rt.margin)
	rt.markContender(states, now)
	if rt.net == nil || own != cur.own || rt.healthySet() != cur.healthy || !slices.Equal(rt.scratch, cur.order) {
		rt.publishLocked(slices.Clone(rt.scratch), own)
	}
}

// publishLocked swaps in a snapshot with the given order.
func (rt *router) publishLocked(order []uint8, own bool) {
	s := &snapshot{order: order, healthy: rt.healthySet(), drained: rt.drains.load(), own: own}
	if rt.net == nil {
		s.lat = make([]latency, len(rt.states))
		for i, st := range rt.states {
			s.lat[i] = latency{ewma: st.ewma, dev: st.dev, vf: st.vf, measured: st.measured, healthy: st.healthy}
		}
	}
	rt.snap.Store(s)
}

func (rt *router) healthySet() RegionSet {
	var healthy RegionSet
	for i := range rt.states {
		if rt.states[i].healthy && rt.set.Has(i) {
			healthy = healthy.With(i)
		}
	}
	return healthy &^ rt.drains.load()
}

// ownSampleFreshness is how recent a store's own latency sample of every
// healthy region must be for the store to rank by its own samples instead
// of the network view: three probe intervals, so that a store with a probe
// of its own always qualifies, and one fed only by its calls (which reach
// only the nearest region) falls back to the network view instead of
// comparing a fresh sample with a stale one.
const ownSampleFreshness = 3

// rankingStates returns the states to rank by, and whether they are the
// router's own: the router's own, or, for a store without fresh samples of
// its own in every healthy region, a copy whose latencies are the network
// view's. Freshness is judged when the ranking is rebuilt (at the store's
// next sample or the network view's next change, every ProbeInterval with
// background probes), not on the pick path, which reads no clock. Health always stays the store's
// own; a store without a probe of its own also treats a region the network
// view ejected as suspect (ranked after the clean ones), so that a region
// that dropped off the network is left before the store's first failed
// call there, yet is not ejected for the store by someone else's probe.
func (rt *router) rankingStates(now time.Time) ([]regionState, bool) {
	if rt.net == nil || rt.ownLatencyFresh(now) {
		return rt.states, true
	}
	netLat := rt.net.snap.Load().lat
	rt.view = append(rt.view[:0], rt.states...)
	for i := range rt.view {
		v, n := &rt.view[i], netLat[i]
		v.ewma, v.dev, v.vf, v.measured = n.ewma, n.dev, n.vf, n.measured
		if !rt.ownProb && !n.healthy && v.failures == 0 {
			v.failures = 1
		}
	}
	return rt.view, false
}

// ownLatencyFresh reports whether every healthy region of the store has an
// own latency sample younger than ownSampleFreshness probe intervals.
func (rt *router) ownLatencyFresh(now time.Time) bool {
	window := ownSampleFreshness * rt.policy.interval
	any := false
	for i := range rt.states {
		st := &rt.states[i]
		if !rt.set.Has(i) || !st.healthy {
			continue
		}
		if !st.measured || now.Sub(st.lastSample) > window {
			return false
		}
		any = true
	}
	return any
}

func (rt *router) reportHealth(i int, healthy bool, err error, at time.Time) {
	r := rt.regions[i]
	store := rt.name
	if store == "" {
		store = "network"
	}
	if healthy {
		rt.logger.Info("multiregion: region readmitted", "store", store, "region", string(r))
	} else {
		rt.logger.Warn("multiregion: region ejected", "store", store, "region", string(r), "error", err)
	}
	rt.tel.HealthChange(rt.name, string(r), healthy)
	if rt.tracer != nil {
		rt.tracer.TraceHealthChange(TraceHealthChangeData{Store: rt.name, Region: r, Healthy: healthy, Err: err, At: at})
	}
}

// status returns the router's regions in pick order.
func (rt *router) status() []RegionStatus {
	s := rt.snap.Load()
	drained := rt.drains.load()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]RegionStatus, 0, len(s.order))
	for _, i := range s.order {
		if !rt.set.Has(int(i)) {
			continue
		}
		st := rt.states[i]
		out = append(out, RegionStatus{
			Region:              rt.regions[i],
			Healthy:             st.healthy,
			Drained:             drained.Has(int(i)),
			Latency:             time.Duration(st.ewma),
			Measured:            st.measured,
			Samples:             st.samples,
			ConsecutiveFailures: st.failures,
			FailureRate:         st.outcomes.rate(),
			Outcomes:            int(st.outcomes.n),
			LastError:           st.lastErr,
			LastProbe:           st.lastProbe,
			Ejections:           st.ejections,
		})
	}
	return out
}

// lastErrors returns the last error of each region, in the given order.
func (rt *router) lastErrors(regions []Region) []error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	errs := make([]error, len(regions))
	for k, r := range regions {
		errs[k] = rt.states[rt.index[r]].lastErr
	}
	return errs
}

// drainSet is rt's drains; nil for a nil router.
func (rt *router) drainSet() *drains {
	if rt == nil {
		return nil
	}
	return rt.drains
}

// recorder is rt's telemetry recorder; nil for a nil router (the network
// view's own "net") or when telemetry is off.
func (rt *router) recorder() *telemetry.Recorder {
	if rt == nil {
		return nil
	}
	return rt.tel
}

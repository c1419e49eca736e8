package main

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// policy routes the calls of one simulation run. Time is virtual: the run
// calls nextProbe/probe and result in time order, then choose for a call.
type policy interface {
	name() string
	// nextProbe is when the policy next probes (math.MaxInt64: never).
	nextProbe() time.Duration
	probe(t time.Duration)
	// choose returns the region for a call at t.
	choose(t time.Duration) int
	// result reports the outcome of a call to r, known at t.
	result(t time.Duration, r int, rtt time.Duration, ok bool)
}

const never = time.Duration(math.MaxInt64)

var errRefused = errors.New("connection refused")

// routerPolicy is this SDK: a real multiregion.Client in virtual time,
// probing every ProbeInterval. Unless probesOnly, calls go through a Store
// as adapters' calls do: it has its own probe of the same regions and is
// fed every call's outcome through Observe. probesOnly picks from the
// Client's network view alone.
type routerPolicy struct {
	w          *world
	clock      *multiregiontest.FakeClock
	start      time.Time
	mr         *multiregion.Client
	st         *multiregion.Store // nil when probesOnly
	all        multiregion.RegionSet
	idx        map[multiregion.Region]int
	interval   time.Duration
	probesOnly bool
	// ejected is when each region was first ejected (by the store, or by
	// the network view when probesOnly); -1: never.
	ejected []time.Duration
}

// TraceHealthChange implements multiregion.HealthTracer: it notes the
// first ejection of each region in the view the policy picks from.
func (p *routerPolicy) TraceHealthChange(d multiregion.TraceHealthChangeData) {
	if d.Healthy || (d.Store == "") != p.probesOnly {
		return
	}
	if i := p.idx[d.Region]; p.ejected[i] < 0 {
		p.ejected[i] = d.At.Sub(p.start)
	}
}

func newRouterPolicy(w *world, probesOnly bool) (*routerPolicy, error) {
	p := &routerPolicy{w: w, start: time.Unix(0, 0), probesOnly: probesOnly, idx: map[multiregion.Region]int{}}
	p.clock = multiregiontest.NewFakeClock(p.start)
	var regions []multiregion.Region
	for i, r := range w.regions {
		regions = append(regions, multiregion.Region(r.name))
		p.idx[multiregion.Region(r.name)] = i
		p.ejected = append(p.ejected, -1)
	}
	prober := multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) {
		t := p.clock.Now().Sub(p.start)
		rtt, ok := w.sample(p.idx[r], t, kindProbe, uint64(t/time.Millisecond))
		if !ok {
			return 0, errRefused
		}
		return rtt, nil
	})
	mr, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = regions
		o.Prober = prober
		o.Clock = p.clock
		o.DisableBackgroundProbes = true
		o.HealthTracer = p
	})
	if err != nil {
		return nil, err
	}
	p.mr = mr
	p.all, _ = mr.Set()
	if !probesOnly {
		if p.st, err = mr.NewStore("sim", nil, func(o *multiregion.StoreOptions) { o.Prober = prober }); err != nil {
			return nil, err
		}
	}
	p.interval = mr.Options().ProbeInterval
	return p, nil
}

func (p *routerPolicy) name() string {
	if p.probesOnly {
		return "router (probes only)"
	}
	return "this router"
}

func (p *routerPolicy) at(t time.Duration) {
	if d := t - p.clock.Now().Sub(p.start); d > 0 {
		p.clock.Advance(d)
	}
}

// nextProbe asks the Client each time: a call's outcome can bring a probe
// forward (an ejection, a latency jump).
func (p *routerPolicy) nextProbe() time.Duration {
	next := p.mr.NextProbe()
	if next.IsZero() {
		return never
	}
	return max(next.Sub(p.start), p.clock.Now().Sub(p.start))
}

// probe runs the probes due at t, on the schedule of the SDK's background
// probe loops (RefreshDue).
func (p *routerPolicy) probe(t time.Duration) {
	p.at(t)
	_ = p.mr.RefreshDue(context.Background())
}

func (p *routerPolicy) choose(t time.Duration) int {
	p.at(t)
	pick := p.mr.Pick
	if p.st != nil {
		pick = p.st.Pick
	}
	r, err := pick(p.all)
	if err != nil {
		return 0 // nothing healthy: the call goes to the home region and fails there
	}
	return p.idx[r]
}

func (p *routerPolicy) result(t time.Duration, r int, rtt time.Duration, ok bool) {
	if p.probesOnly {
		return
	}
	p.at(t)
	var err error
	if !ok {
		err = errRefused
		rtt = 0
	}
	p.st.Observe(multiregion.Region(p.w.regions[r].name), rtt, err)
}

func (p *routerPolicy) close() { _ = p.mr.Close() }

// status is the view the policy picks from.
func (p *routerPolicy) status() []multiregion.RegionStatus {
	if p.st != nil {
		return p.st.Status().Regions
	}
	return p.mr.Status().Network
}

// staticPolicy always uses the home region.
type staticPolicy struct{}

func (staticPolicy) name() string                                   { return "static home region" }
func (staticPolicy) nextProbe() time.Duration                       { return never }
func (staticPolicy) probe(time.Duration)                            {}
func (staticPolicy) choose(time.Duration) int                       { return 0 }
func (staticPolicy) result(time.Duration, int, time.Duration, bool) {}

// oraclePolicy always knows the true fastest healthy region.
type oraclePolicy struct{ w *world }

func (oraclePolicy) name() string                                   { return "oracle" }
func (oraclePolicy) nextProbe() time.Duration                       { return never }
func (oraclePolicy) probe(time.Duration)                            {}
func (o oraclePolicy) choose(t time.Duration) int                   { return o.w.fastest(t) }
func (oraclePolicy) result(time.Duration, int, time.Duration, bool) {}

// strictMinPolicy picks the region with the lowest latest sample, with no
// averaging window and no hysteresis, as go-redis RouteByLatency does with
// its periodic pings; a failure makes a region unusable until it answers a
// probe again. It probes as often as this router and also learns from calls.
type strictMinPolicy struct {
	w        *world
	last     []time.Duration
	failed   []bool
	interval time.Duration
	next     time.Duration
}

func newStrictMin(w *world, interval time.Duration) *strictMinPolicy {
	return &strictMinPolicy{w: w, last: make([]time.Duration, len(w.regions)), failed: make([]bool, len(w.regions)), interval: interval}
}

func (s *strictMinPolicy) name() string             { return "strict minimum latency" }
func (s *strictMinPolicy) nextProbe() time.Duration { return s.next }

func (s *strictMinPolicy) probe(t time.Duration) {
	for r := range s.w.regions {
		rtt, ok := s.w.sample(r, t, kindProbe, uint64(t/time.Millisecond))
		s.failed[r] = !ok
		if ok {
			s.last[r] = rtt
		}
	}
	s.next = t + s.interval
}

func (s *strictMinPolicy) choose(time.Duration) int {
	best := -1
	for r := range s.last {
		if s.failed[r] {
			continue
		}
		if best < 0 || s.last[r] < s.last[best] {
			best = r
		}
	}
	if best < 0 {
		return 0
	}
	return best
}

func (s *strictMinPolicy) result(_ time.Duration, r int, rtt time.Duration, ok bool) {
	s.failed[r] = !ok
	if ok {
		s.last[r] = rtt
	}
}

// dnsPolicy is DNS failover as Route 53 does it with its defaults: health
// checks every 30 s, 3 consecutive failures (or successes) to change state,
// latency records ranked by each region's usual latency, and clients that
// cache the answer for the 60 s TTL.
type dnsPolicy struct {
	w        *world
	healthy  []bool
	streak   []int
	static   []time.Duration
	next     time.Duration
	answer   int
	answerAt time.Duration
	resolved bool
}

func newDNS(w *world) *dnsPolicy {
	d := &dnsPolicy{w: w, healthy: make([]bool, len(w.regions)), streak: make([]int, len(w.regions))}
	for r := range w.regions {
		d.healthy[r] = true
		d.static = append(d.static, w.regions[r].base(0))
	}
	return d
}

func (d *dnsPolicy) name() string             { return "DNS failover (Route 53 defaults)" }
func (d *dnsPolicy) nextProbe() time.Duration { return d.next }

func (d *dnsPolicy) probe(t time.Duration) {
	for r := range d.w.regions {
		if d.w.up(r, t) == d.healthy[r] {
			d.streak[r] = 0
			continue
		}
		d.streak[r]++
		if d.streak[r] >= 3 {
			d.healthy[r], d.streak[r] = !d.healthy[r], 0
		}
	}
	d.next = t + 30*time.Second
}

func (d *dnsPolicy) choose(t time.Duration) int {
	if !d.resolved || t-d.answerAt >= 60*time.Second {
		best := 0
		for r := range d.static {
			if d.healthy[r] && (!d.healthy[best] || d.static[r] < d.static[best]) {
				best = r
			}
		}
		d.answer, d.answerAt, d.resolved = best, t, true
	}
	return d.answer
}

func (d *dnsPolicy) result(time.Duration, int, time.Duration, bool) {}

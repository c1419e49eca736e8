package multiregion

import (
	"context"
	"sync"
	"time"
)

// probeTarget is what a probe loop feeds: the network view, with the
// Client's prober, or one store's state, with the store's own prober.
type probeTarget struct {
	rt     *router
	prober Prober
	store  string // "" for the network view
}

func (c *Client) networkTarget() probeTarget { return probeTarget{rt: c.rt, prober: c.prober} }

// startProbeLoops starts one probe loop per region of the target's set.
func (c *Client) startProbeLoops(ctx context.Context, t probeTarget, wg *sync.WaitGroup) {
	for i := range c.opts.Regions {
		if t.rt.set.Has(i) {
			wg.Add(1)
			go c.probeLoop(ctx, t, i, wg)
		}
	}
}

// probeLoop probes region i now and then whenever its probe is due (every
// ProbeInterval, sooner while its recovery is awaited, see reprobeDivisor)
// until ctx ends. It wakes at least every ProbeInterval/reprobeDivisor to
// see whether an ejection or a latency jump brought the probe forward.
func (c *Client) probeLoop(ctx context.Context, t probeTarget, i int, wg *sync.WaitGroup) {
	defer wg.Done()
	for ctx.Err() == nil {
		if due, _ := t.rt.probeDue(i, c.opts.Clock.Now()); due {
			c.probeOnce(ctx, t, i)
		}
		tm := c.opts.Clock.NewTimer(t.rt.untilProbe(i))
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-tm.C():
		}
	}
}

// probeOnce runs one probe of region i and records it.
func (c *Client) probeOnce(ctx context.Context, t probeTarget, i int) {
	res := c.probe(ctx, t, i)
	// A probe cut short because the Client or store is closing is not recorded.
	if ctx.Err() == nil {
		c.record(t, []probeResult{res})
	}
}

// probeRound probes every region of the target once, concurrently, and
// records the results together, in preference order.
func (c *Client) probeRound(ctx context.Context, t probeTarget) error {
	return c.probeRegions(ctx, t, t.rt.set)
}

// probeRegions probes the target's regions of set as probeRound does.
func (c *Client) probeRegions(ctx context.Context, t probeTarget, set RegionSet) error {
	results := make([]probeResult, 0, len(c.opts.Regions))
	for i := range c.opts.Regions {
		if t.rt.set.Has(i) && set.Has(i) {
			results = append(results, probeResult{i: i})
		}
	}
	if len(results) == 0 {
		return ctx.Err()
	}
	var wg sync.WaitGroup
	for k := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k] = c.probe(ctx, t, results[k].i)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.record(t, results)
	return nil
}

// record folds probe results into the target and, for the network view,
// lets the stores that rank by it re-rank.
func (c *Client) record(t probeTarget, results []probeResult) {
	if t.rt.observeAll(results, true) && t.rt.net == nil {
		c.networkChanged()
	}
}

// probeResult is the outcome of one probe of region i.
type probeResult struct {
	i   int
	rtt time.Duration
	err error
}

// probe runs one probe of region i with ProbeTimeout.
func (c *Client) probe(ctx context.Context, t probeTarget, i int) probeResult {
	r := c.opts.Regions[i]
	if err := ctx.Err(); err != nil {
		return probeResult{i: i, err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	tracer := c.opts.ProbeTracer
	if tracer != nil {
		pctx = tracer.TraceProbeStart(pctx, TraceProbeStartData{Store: t.store, Region: r})
	}
	rtt, err := t.prober.Probe(pctx, r)
	if err == nil && rtt <= 0 {
		rtt = time.Nanosecond // a probe that succeeded is a sample, however fast
	}
	if tracer != nil {
		tracer.TraceProbeEnd(pctx, TraceProbeEndData{Store: t.store, Region: r, RTT: rtt, Err: err})
	}
	if err != nil {
		if ctx.Err() != nil { // the caller gave up: says nothing of the region
			return probeResult{i: i, err: ctx.Err()}
		}
		err = &RegionError{Region: r, Op: "probe", Err: err}
		c.opts.Logger.Debug("multiregion: probe failed", "region", string(r), "store", t.store, "error", err)
	}
	return probeResult{i: i, rtt: rtt, err: err}
}

// dueRegions returns the target's regions whose probe is due at now, and
// the earliest time one of the others is due (zero if none).
func dueRegions(t probeTarget, n int, now time.Time) (due RegionSet, next time.Time) {
	for i := range n {
		if !t.rt.set.Has(i) {
			continue
		}
		ok, at := t.rt.probeDue(i, now)
		if ok {
			due = due.With(i)
		} else if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return due, next
}

// RefreshDue probes, for the network view and every store with a prober,
// only the regions whose probe is due at the Clock's time, on the schedule
// the background probe loops keep: every ProbeInterval, and every fifth of
// it for a region that is ejected, whose latency just jumped or that has
// few samples yet. It is for callers that drive probes themselves with
// DisableBackgroundProbes, such as simulations in virtual time (Refresh
// probes every region at once instead); NextProbe tells when to call it.
func (c *Client) RefreshDue(ctx context.Context) error {
	if err := c.Err(); err != nil {
		return err
	}
	now := c.opts.Clock.Now()
	for _, t := range c.probeTargets() {
		due, _ := dueRegions(t, len(c.opts.Regions), now)
		if err := c.probeRegions(ctx, t, due); err != nil {
			return err
		}
	}
	return nil
}

// NextProbe returns when RefreshDue next has a probe to run. A call's
// outcome can bring it forward (an ejection, a latency jump), so ask again
// after feeding calls. Zero when nothing is scheduled (a closed Client).
func (c *Client) NextProbe() time.Time {
	if c.Err() != nil {
		return time.Time{}
	}
	var next time.Time
	for _, t := range c.probeTargets() {
		due, at := dueRegions(t, len(c.opts.Regions), time.Time{})
		if due != 0 { // never probed: due at once
			return c.opts.Clock.Now()
		}
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// probeTargets lists the network view and every open store with a prober.
func (c *Client) probeTargets() []probeTarget {
	targets := []probeTarget{c.networkTarget()}
	for _, s := range *c.list.Load() {
		if s.prober != nil && s.Err() == nil {
			targets = append(targets, s.target())
		}
	}
	return targets
}

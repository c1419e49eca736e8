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

// probeLoop probes region i now and then every ProbeInterval until ctx ends.
func (c *Client) probeLoop(ctx context.Context, t probeTarget, i int, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		c.probeOnce(ctx, t, i)
		tm := c.opts.Clock.NewTimer(c.opts.ProbeInterval)
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
	results := make([]probeResult, 0, len(c.opts.Regions))
	for i := range c.opts.Regions {
		if t.rt.set.Has(i) {
			results = append(results, probeResult{i: i})
		}
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

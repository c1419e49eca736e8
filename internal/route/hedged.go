package route

import (
	"context"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/telemetry"
)

// HedgeMode turns hedging on or off for one call (multiregion.HedgeMode).
type HedgeMode = multiregion.HedgeMode

// The modes, as multiregion names them.
const (
	HedgeDefault = multiregion.HedgeDefault
	HedgeOn      = multiregion.HedgeOn
	HedgeOff     = multiregion.HedgeOff
)

// hedgeResult is one attempt of a hedged first try.
type hedgeResult struct {
	region multiregion.Region
	try    int
	f      *failure
}

// hedgerFor is the Hedger of call c, or nil when it is not hedged. Only
// reads are hedged: a hedged write would run twice at once, which in a
// multi-writer store (DynamoDB MREC) is two concurrent writes of the same
// item in two regions, a last-writer-wins conflict the call made itself;
// a single-writer store has one region for writes, so nothing to hedge to.
// A pinned call has one region too.
func (l *Loop) hedgerFor(c *Call) *Hedger {
	if c.Kind != Read || c.Pin != "" || c.Hedge == HedgeOff {
		return nil
	}
	if l.Hedge != nil || c.Hedge != HedgeOn {
		return l.Hedge
	}
	l.defaultHedgeOnce.Do(func() { l.defaultHedge = NewHedger(Hedge{}) })
	return l.defaultHedge
}

// hedged runs the first attempt of a hedged read in r1 and, if it has not
// answered after the hedger's delay and the budget allows, the same call
// in the next-ranked region. The first success wins and the other attempt
// is cancelled and waited for: its cancellation is no region failure (the
// loop classifies an attempt whose context was cancelled as Canceled,
// which is never observed). It returns the winner, or every failure in
// the order they ended.
//
// The call does not wait for the loser: it is cancelled, and a driver
// that ignores cancellation of a read in flight (go-redis does) would
// otherwise hold the winner's answer back. The loser's goroutine ends when
// its driver returns; its result goes into the buffered channel and is
// dropped, and its value slot is not the winner's (RunValue).
//
// The call is taken by value: the attempts' goroutines get their own copy,
// so that the unhedged path keeps its Call on the stack.
func (l *Loop) hedged(ctx context.Context, call Call, r1 multiregion.Region, allowed multiregion.RegionSet, h *Hedger, fn AttemptFunc, rec *telemetry.Call) (*hedgeResult, []hedgeResult) {
	c := &call
	delay, ok := h.Delay()
	if !ok {
		return l.single(ctx, c, r1, h, fn, rec)
	}
	results := make(chan hedgeResult, 2) // both fit: a dropped loser never blocks
	start := func(r multiregion.Region, try int) context.CancelFunc {
		actx, cancel := context.WithCancel(ctx)
		go func() {
			t0 := time.Now()
			f := l.attempt(actx, c, r, try, fn)
			if f == nil {
				h.Observe(time.Since(t0))
			}
			results <- hedgeResult{region: r, try: try, f: f}
		}()
		return cancel
	}
	cancel1 := start(r1, 0)
	defer cancel1()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case res := <-results:
		return l.settled(ctx, rec, res)
	case <-timer.C:
	case <-ctx.Done():
		return l.settled(ctx, rec, <-results)
	}
	var r2 multiregion.Region
	if i := l.index(r1); i >= 0 {
		r2 = l.next(c, allowed&^(1<<i))
	}
	if r2 == "" || !h.Spend() {
		return l.settled(ctx, rec, <-results)
	}
	l.hedges.Add(1)
	if rec != nil {
		rec.Hedge(ctx, string(r1), string(r2))
	}
	cancel2 := start(r2, 1)
	defer cancel2()
	first := <-results
	if rec != nil {
		rec.Attempt(ctx, string(first.region), first.f.outcome())
	}
	if first.f == nil {
		// The loser is cancelled by the deferred cancels; its attempt is
		// not reported: it did not end the call.
		return &first, nil
	}
	second := <-results
	if rec != nil {
		rec.Attempt(ctx, string(second.region), second.f.outcome())
	}
	if second.f == nil {
		return &second, nil
	}
	return nil, []hedgeResult{first, second}
}

// single runs the first attempt unhedged (no delay known yet), feeding the
// hedger its latency.
func (l *Loop) single(ctx context.Context, c *Call, r multiregion.Region, h *Hedger, fn AttemptFunc, rec *telemetry.Call) (*hedgeResult, []hedgeResult) {
	t0 := time.Now()
	f := l.attempt(ctx, c, r, 0, fn)
	if f == nil {
		h.Observe(time.Since(t0))
	}
	return l.settled(ctx, rec, hedgeResult{region: r, f: f})
}

// settled reports a lone attempt's result.
func (l *Loop) settled(ctx context.Context, rec *telemetry.Call, res hedgeResult) (*hedgeResult, []hedgeResult) {
	if rec != nil {
		rec.Attempt(ctx, string(res.region), res.f.outcome())
	}
	if res.f == nil {
		return &res, nil
	}
	return nil, []hedgeResult{res}
}

// Hedged reports whether c would be hedged: an adapter takes its cheaper
// unhedged path (Run, with a closure that writes its result) when not.
func (l *Loop) Hedged(c Call) bool { return l.hedgerFor(&c) != nil }

// Hedges returns how many hedged attempts the loop has sent.
func (l *Loop) Hedges() uint64 { return l.hedges.Load() }

// runHedged runs a hedged read: a hedged first try, then, if both of its
// attempts failed, the usual failover from the later one.
func (l *Loop) runHedged(ctx context.Context, c *Call, h *Hedger, fn AttemptFunc, rec *telemetry.Call) (multiregion.Region, int, error) {
	st, r, err := l.begin(ctx, c)
	if err != nil {
		return "", 0, err
	}
	won, failed := l.hedged(ctx, *c, r, st.allowed, h, fn, rec)
	if won != nil {
		return won.region, won.try, nil
	}
	for _, hf := range failed[:len(failed)-1] {
		if done, err := st.settle(ctx, l, c, hf.region, hf.f); done {
			return hf.region, hf.try, err
		}
	}
	last := failed[len(failed)-1]
	return l.loop(ctx, c, &st, last.region, len(failed)-1, last.f, fn, rec)
}

// RunValue is Run for a call whose attempts return a value: the value of
// the attempt that ended the call. It is the one that hedges reads
// (Loop.Hedge, Call.Hedge): two attempts may then run at once, each with
// its own result, so fn must not write shared state without
// synchronization (the Store it observes into is safe). Unhedged, it costs
// what Run costs: no allocation of its own.
func RunValue[T any](ctx context.Context, l *Loop, c Call, fn func(ctx context.Context, a *Attempt) (T, error)) (T, multiregion.Region, error) {
	tel := l.recorder()
	var rec *telemetry.Call
	if tel != nil {
		ctx, rec = tel.StartCall(ctx, l.Store.Name(), c.Op)
	}
	var (
		out T
		r   multiregion.Region
		err error
	)
	if h := l.hedgerFor(&c); h == nil {
		// Its own closure, handed only to run, which keeps its AttemptFunc
		// on the caller's stack: out stays there too.
		r, _, err = l.run(ctx, &c, func(ctx context.Context, a *Attempt) error {
			v, err := fn(ctx, a)
			if err == nil {
				out = v
			}
			return err
		}, rec)
	} else {
		var vals [2]T // one per concurrent attempt of the hedged first try; later tries use 0
		var try int
		r, try, err = l.runHedged(ctx, &c, h, func(ctx context.Context, a *Attempt) error {
			v, err := fn(ctx, a)
			if err == nil {
				vals[slot(a.Try)] = v
			}
			return err
		}, rec)
		out = vals[slot(try)]
	}
	if rec != nil {
		rec.End(ctx, string(r), callOutcome(err, rec), err)
	}
	if err != nil {
		var zero T
		return zero, r, err
	}
	return out, r, nil
}

// slot maps an attempt's Try to its value slot: only Try 0 and 1 can run at
// once (a hedged first try); later attempts run alone, after both ended.
func slot(try int) int {
	if try == 1 {
		return 1
	}
	return 0
}

package route

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion/internal/telemetry"

	"github.com/regionkit/multiregion"
)

// Kind says how far a failed call may travel.
type Kind int

const (
	// Read moves to the next region after any regional failure, and tries
	// ejected regions last.
	Read Kind = iota
	// IdempotentWrite is a write whose replay sets the same state (a put of
	// a whole item, a delete): it moves on after any regional failure, even
	// one whose outcome is unknown, to healthy regions only.
	IdempotentWrite
	// Write is a write whose replay could act twice or on other data (an
	// increment, a conditional update): it moves on only when the region
	// surely did not apply it.
	Write
)

// Call describes one routed call.
type Call struct {
	// Op names the operation in errors and logs, e.g. "dynamo.Get".
	Op   string
	Kind Kind
	// Allowed is the store's rule for this call (the writer only, the
	// replicas within MaxLag); 0 means every region of the store.
	Allowed multiregion.RegionSet
	// Pin, when set, is the only region tried.
	Pin multiregion.Region
	// Prefer, when set and allowed, is tried first (read-your-writes).
	Prefer multiregion.Region
	// Exclude removes regions from this call only.
	Exclude multiregion.RegionSet
	// AttemptTimeout bounds each attempt; an attempt that hits it is a
	// regional failure of unknown outcome. 0: only the caller's context.
	AttemptTimeout time.Duration
	// NoLatency reports successes without a latency sample (scans, batches).
	NoLatency bool
	// Hedge turns hedging on or off for this call (reads only).
	Hedge HedgeMode
	// WriterMoved, when set, replaces Loop.WriterMoved for this call (a
	// single-writer store binds the topology generation the call started
	// with, so that a refresh someone else ran meanwhile is not repeated).
	WriterMoved func(ctx context.Context, op string) (multiregion.RegionSet, error)
}

// Loop runs calls for one store. Set its fields once, before the first Run.
type Loop struct {
	// Store is the routing state the calls are picked from and observed into.
	Store *multiregion.Store
	// Classifier sorts the store's errors. default: every error is Unknown
	Classifier Classifier
	// WriterMoved is called when an attempt was refused as read-only. It
	// refreshes the store's topology and returns the regions writes may use
	// now; the call is then retried once, on the nearest of them.
	// default: nil (a read-only refusal is a not-applied regional failure)
	WriterMoved func(ctx context.Context, op string) (multiregion.RegionSet, error)
	// Final turns a terminal error that is not a regional failure (Caller,
	// Canceled, Skip in every region) into what the caller sees.
	// default: Caller errors as they are, others as *multiregion.RegionError
	Final func(op string, r multiregion.Region, c Class, err error) error
	// Logger receives failovers at Debug. default: discard
	Logger *slog.Logger

	// Hedge, when set, hedges the store's reads (Call.Hedge can turn it off
	// per call). default: nil (no hedging unless a call asks, HedgeOn)
	Hedge *Hedger

	telOnce sync.Once
	tel     *telemetry.Recorder // from the Client's providers; nil: off

	defaultHedgeOnce sync.Once
	defaultHedge     *Hedger // for HedgeOn calls of a loop without Hedge
	hedges           atomic.Uint64
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// Run runs fn in the nearest healthy allowed region of the store and fails
// over in rank order as c.Kind allows. It returns the region whose attempt
// ended the call, and nil, the final error of a non-regional failure, a
// *multiregion.RegionError with OutcomeUnknown for a Write that may have
// been applied, or a *multiregion.NoHealthyRegionError with every attempt
// when no allowed region could serve it.
func (l *Loop) Run(ctx context.Context, c Call, fn AttemptFunc) (multiregion.Region, error) {
	tel := l.recorder()
	if tel == nil {
		r, _, err := l.run(ctx, &c, fn, nil)
		return r, err
	}
	ctx, rec := tel.StartCall(ctx, l.Store.Name(), c.Op)
	r, _, err := l.run(ctx, &c, fn, rec)
	rec.End(ctx, string(r), callOutcome(err, rec), err)
	return r, err
}

// run runs a call without hedging (Run never hedges: two attempts at once
// need an AttemptFunc without shared state, which RunValue provides). rec
// (nil when telemetry is off) is told of every attempt and failover. It
// also returns the Try of the attempt that ended the call.
func (l *Loop) run(ctx context.Context, c *Call, fn AttemptFunc, rec *telemetry.Call) (multiregion.Region, int, error) {
	st, r, err := l.begin(ctx, c)
	if err != nil {
		return "", 0, err
	}
	return l.loop(ctx, c, &st, r, 0, nil, fn, rec)
}

// begin checks the call can start and picks its first region.
func (l *Loop) begin(ctx context.Context, c *Call) (callState, multiregion.Region, error) {
	if err := l.Store.Err(); err != nil {
		return callState{}, "", err
	}
	if err := ctx.Err(); err != nil {
		return callState{}, "", err
	}
	allowed, err := l.allowed(c)
	if err != nil {
		return callState{}, "", err
	}
	r, err := l.first(c, allowed)
	if err != nil {
		return callState{}, "", err
	}
	return callState{allowed: allowed}, r, nil
}

// loop tries the call in r (from attempt number try) and fails over in
// rank order. A non-nil f is the failure of an attempt in r that already
// ran (a hedged first try): it is settled first.
func (l *Loop) loop(ctx context.Context, c *Call, st *callState, r multiregion.Region, try int, f *failure, fn AttemptFunc, rec *telemetry.Call) (multiregion.Region, int, error) {
	for ; ; try++ {
		if f == nil {
			f = l.attempt(ctx, c, r, try, fn)
			if rec != nil {
				rec.Attempt(ctx, string(r), f.outcome())
			}
			if f == nil {
				return r, try, nil
			}
		}
		if done, err := st.settle(ctx, l, c, r, f); done {
			return r, try, err
		}
		next := l.next(c, st.allowed&^st.tried)
		if next == "" {
			if st.skipped != nil && st.failed == 0 {
				return r, try, l.final(c.Op, r, st.skipped)
			}
			return r, try, l.Store.NoHealthy(c.Op, st.allowed, st.attempts)
		}
		l.logger().Debug("route: failing over", "store", l.Store.Name(), "op", c.Op, "region", string(r), "to", string(next), "class", f.class.String(), "error", f.err)
		if rec != nil {
			rec.Failover(ctx, string(r), string(next), f.class.outcome())
		}
		r, f = next, nil
	}
}

// callState is what a call has learned from its failed attempts. It holds
// no pointer to the Call: escape analysis is per variable, and the attempts
// slice goes to the heap (in the error), which would take the Call along.
type callState struct {
	allowed  multiregion.RegionSet
	attempts []multiregion.Attempt
	tried    multiregion.RegionSet
	skipped  *failure
	failed   int // regional failures and read-only refusals among attempts
	moved    bool
}

// settle records the failure f of the attempt in r. It reports whether the
// call ends here, and with which error.
func (st *callState) settle(ctx context.Context, l *Loop, c *Call, r multiregion.Region, f *failure) (bool, error) {
	st.tried = st.tried.With(l.index(r))
	switch {
	case f.class == Caller || f.class == Canceled:
		return true, l.final(c.Op, r, f)
	case f.class == WriterMoved && !st.moved && l.writerMoved(c) != nil && c.Kind != Read:
		st.moved = true
		st.failed++
		st.attempts = append(st.attempts, multiregion.Attempt{Region: r, Err: regionErr(c.Op, f)})
		next, err := l.writerMoved(c)(ctx, c.Op)
		if err != nil {
			return true, &multiregion.RegionError{Region: r, Op: c.Op, Err: errors.Join(f.err, err)}
		}
		st.allowed, st.tried = next&^c.Exclude, 0 // the new writer may be a region tried before
		if c.Pin != "" {
			st.allowed &= 1 << l.index(c.Pin)
		}
	case f.class == Skip:
		st.skipped = f
		st.attempts = append(st.attempts, multiregion.Attempt{Region: r, Err: f.err})
	default: // regional, or a second read-only refusal
		re := regionErr(c.Op, f)
		if c.Kind == Write && f.outcomeUnknown() {
			return true, re
		}
		st.failed++
		st.attempts = append(st.attempts, multiregion.Attempt{Region: r, Err: re})
	}
	return false, nil
}

// allowed is the set the call may use: the store's rule, less the call's
// exclusions, narrowed to the pinned region.
func (l *Loop) allowed(c *Call) (multiregion.RegionSet, error) {
	allowed := c.Allowed
	if allowed == 0 {
		allowed = l.Store.Set()
	}
	allowed &^= c.Exclude
	if c.Pin != "" {
		pin, err := l.Store.Client().Set(c.Pin)
		if err != nil {
			return 0, err
		}
		allowed &= pin
	}
	return allowed, nil
}

// first is the region of the first attempt: the preferred one if allowed,
// else the store's pick.
func (l *Loop) first(c *Call, allowed multiregion.RegionSet) (multiregion.Region, error) {
	if c.Prefer != "" && c.Pin == "" {
		// Preferred only while healthy and not drained: read-your-writes
		// is a preference, never a reason to call a region left on purpose.
		if i := l.index(c.Prefer); i >= 0 && allowed.Has(i) && l.Store.Healthy(c.Prefer) {
			return c.Prefer, nil
		}
	}
	r, err := l.Store.Pick(allowed)
	if err != nil {
		if errors.Is(err, multiregion.ErrNoHealthyRegion) {
			return "", l.Store.NoHealthy(c.Op, allowed, nil)
		}
		return "", err
	}
	return r, nil
}

// next is the next region to try among remaining, in the store's rank
// order: any region for reads (ejected ones come last), healthy ones for
// writes.
func (l *Loop) next(c *Call, remaining multiregion.RegionSet) multiregion.Region {
	if remaining == 0 {
		return ""
	}
	var buf [8]multiregion.Region
	for _, r := range l.Store.Rank(remaining, buf[:0]) {
		if c.Kind == Read || l.Store.Healthy(r) {
			return r
		}
	}
	return ""
}

// attempt runs fn once in r and returns nil or its classified failure. An
// error the function did not report through Attempt.Observe is classified
// and observed here, with the attempt's whole time as the sample.
func (l *Loop) attempt(ctx context.Context, c *Call, r multiregion.Region, try int, fn AttemptFunc) *failure {
	actx := ctx
	if c.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeoutCause(ctx, c.AttemptTimeout, ErrAttemptTimeout)
		defer cancel()
	}
	ac := &attemptCtx{Context: actx, a: Attempt{Region: r, Try: try, loop: l, op: c.Op, kind: c.Kind, noLatency: c.NoLatency}}
	actx, a := ac, &ac.a
	start := time.Now()
	err := fn(actx, a)
	if err == nil {
		if !a.observed {
			_ = a.Observe(actx, start, nil)
		}
		return nil
	}
	var f *failure
	if errors.As(err, &f) && f.region == r {
		return f
	}
	if !a.observed {
		err = a.observe(actx, start, err, c.Kind != Read)
		_ = errors.As(err, &f)
		return f
	}
	// The function reported its calls and then failed on what it got
	// back (a stale version, a decode error): classify without observing.
	return &failure{region: r, class: classify(actx, l.Classifier, err), write: c.Kind != Read && a.failure != nil && a.failure.write, err: err}
}

// writerMoved is the call's hook, or the loop's.
func (l *Loop) writerMoved(c *Call) func(context.Context, string) (multiregion.RegionSet, error) {
	if c.WriterMoved != nil {
		return c.WriterMoved
	}
	return l.WriterMoved
}

func (l *Loop) final(op string, r multiregion.Region, f *failure) error {
	if l.Final != nil {
		return l.Final(op, r, f.class, f.err)
	}
	if f.class == Caller {
		return f.err
	}
	return &multiregion.RegionError{Region: r, Op: op, Err: f.err}
}

func (l *Loop) index(r multiregion.Region) int {
	i, err := l.Store.Client().Index(r)
	if err != nil {
		return -1
	}
	return i
}

func (l *Loop) logger() *slog.Logger {
	if l.Logger != nil {
		return l.Logger
	}
	return discard
}

// regionErr is the *multiregion.RegionError of a regional failure.
func regionErr(op string, f *failure) *multiregion.RegionError {
	return &multiregion.RegionError{Region: f.region, Op: op, OutcomeUnknown: f.outcomeUnknown(), Err: f.err}
}

// recorder is the loop's telemetry, built once from the Client's
// providers: every adapter's loop records without wiring of its own.
func (l *Loop) recorder() *telemetry.Recorder {
	l.telOnce.Do(func() {
		o := l.Store.Client().Options()
		l.tel = telemetry.New(o.MeterProvider, o.TracerProvider)
	})
	return l.tel
}

// callOutcome is the telemetry outcome of a call: "ok"; "no_healthy_region"
// when no allowed region could serve it; "canceled" when the caller gave
// up; else the class of its last attempt ("caller", "unknown", ...).
func callOutcome(err error, rec *telemetry.Call) string {
	switch {
	case err == nil:
		return telemetry.OutcomeOK
	case errors.Is(err, multiregion.ErrNoHealthyRegion):
		return "no_healthy_region"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Canceled.outcome()
	}
	if last := rec.LastOutcome(); last != "" {
		return last
	}
	return "error"
}

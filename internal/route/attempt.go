package route

import (
	"context"
	"errors"
	"time"

	"github.com/regionkit/multiregion/internal/telemetry"

	"github.com/regionkit/multiregion"
)

// Attempt is one try of a call in one region, handed to the AttemptFunc.
// It is used by one goroutine, for the length of the AttemptFunc only.
type Attempt struct {
	// Region is the region this attempt runs in.
	Region multiregion.Region
	// Try counts the attempts of this call, from 0.
	Try int

	loop      *Loop
	op        string // the Call's, copied so that the Call stays on the caller's stack
	kind      Kind
	noLatency bool
	observed  bool
	failure   *failure // the first classified failure reported by Observe
}

// AttemptFunc runs a call once in a.Region. Return nil on success, or the
// error of the driver: the loop classifies and observes it, unless the
// function already reported its network calls with Attempt.Observe.
type AttemptFunc func(ctx context.Context, a *Attempt) error

// failure is a classified attempt error. It is the error an AttemptFunc
// returns from Observe, so the loop knows it was classified already.
type failure struct {
	region multiregion.Region
	class  Class
	write  bool // the failed request was a write that may have been sent
	err    error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// outcome names the attempt's outcome for telemetry: "ok" for nil, else
// the failure's class.
func (f *failure) outcome() string {
	if f == nil {
		return telemetry.OutcomeOK
	}
	return f.class.outcome()
}

// outcomeUnknown: a write was sent and nobody knows whether it applied.
func (f *failure) outcomeUnknown() bool { return f.write && f.class == Unknown }

// Observe reports one network call of the attempt that started at start
// (a zero start: no latency sample, e.g. for a scan whose time says more
// about its size than the network) and ended with err, to the store: a
// latency sample on success and on answers that are the caller's fault, a
// failure on regional errors, nothing when the caller gave up. It returns
// nil, or err classified (return it from the AttemptFunc as it is; the
// driver's error stays reachable with errors.Is / errors.As).
//
// The call counts as a write when the Call's Kind is a write; use
// ObserveRead for a read inside a write (a version check before it).
func (a *Attempt) Observe(ctx context.Context, start time.Time, err error) error {
	return a.observe(ctx, start, err, a.kind != Read)
}

// ObserveRead is Observe for a read request inside a write call: its
// unknown outcome does not make the write's outcome unknown.
func (a *Attempt) ObserveRead(ctx context.Context, start time.Time, err error) error {
	return a.observe(ctx, start, err, false)
}

func (a *Attempt) observe(ctx context.Context, start time.Time, err error, write bool) error {
	a.observed = true
	f := observe(ctx, a.loop.Store, a.loop.Classifier, a.op, a.Region, start, a.noLatency, err, write)
	if f == nil {
		return nil
	}
	if a.failure == nil {
		a.failure = f
	}
	return f
}

// attemptKey carries the running *Attempt in the attempt's context, so
// that Report, called deep inside an adapter's helpers that only have the
// context, counts as the attempt's own Observe.
type attemptKey struct{}

// attemptCtx is the attempt's context: the Attempt and the context node
// that carries it in one allocation (context.WithValue would take a
// second), on a path every routed call takes.
type attemptCtx struct {
	context.Context
	a Attempt
}

// Value returns the attempt for attemptKey, and the parent's values.
func (c *attemptCtx) Value(key any) any {
	if key == (attemptKey{}) {
		return &c.a
	}
	return c.Context.Value(key)
}

// Report is Attempt.Observe for code that holds only the context and the
// region: inside a Loop's attempt in r it is that attempt's Observe;
// elsewhere (discovery before the store exists, a stream reader) it feeds
// store directly, or only classifies when store is nil.
func Report(ctx context.Context, store *multiregion.Store, cl Classifier, op string, r multiregion.Region, start time.Time, err error, write bool) error {
	if a, ok := ctx.Value(attemptKey{}).(*Attempt); ok && a.Region == r {
		return a.observe(ctx, start, err, write)
	}
	if f := observe(ctx, store, cl, op, r, start, false, err, write); f != nil {
		return f
	}
	return nil
}

// ClassOf returns the class of an error that Observe or Report classified.
func ClassOf(err error) (Class, bool) {
	var f *failure
	if errors.As(err, &f) {
		return f.class, true
	}
	return 0, false
}

// Cause returns the driver's error under a classified one (err itself
// when it was not classified).
func Cause(err error) error {
	if f, ok := err.(*failure); ok {
		return f.err
	}
	return err
}

// observe classifies err and feeds the outcome of one call to r into store
// (which may be nil). It returns nil on success.
func observe(ctx context.Context, store *multiregion.Store, cl Classifier, op string, r multiregion.Region, start time.Time, noLatency bool, err error, write bool) *failure {
	var rtt time.Duration
	if !start.IsZero() && !noLatency {
		rtt = time.Since(start)
	}
	if err == nil {
		if store != nil {
			store.Observe(r, rtt, nil)
		}
		return nil
	}
	c := classify(ctx, cl, err)
	if store != nil {
		switch {
		case c == Canceled:
		case c.regional():
			store.Observe(r, 0, &multiregion.RegionError{Region: r, Op: op, Err: err})
		case c == WriterMoved:
			store.Observe(r, 0, nil) // it answered; it is just not the writer
		default:
			store.Observe(r, rtt, nil)
		}
	}
	return &failure{region: r, class: c, write: write, err: err}
}

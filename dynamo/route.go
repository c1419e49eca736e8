package dynamo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/regionkit/multiregion"
)

// opKind says how far a failed operation may travel.
type opKind int

const (
	// opRead moves to the next region on any regional failure.
	opRead opKind = iota
	// opIdempotent is a write whose replay sets the same state (Put,
	// Delete, BatchWrite): it moves on after any regional failure, even
	// one whose outcome is unknown.
	opIdempotent
	// opConditional is a write whose replay could act twice or on other
	// data (Update, PutIfVersion, conditional Delete, TransactWrite): it
	// moves on only when the region surely did not apply it; an unknown
	// outcome is returned as *multiregion.RegionError{OutcomeUnknown: true}.
	opConditional
)

// attemptFunc runs an operation once in region r. Each SDK call inside it
// goes through Table.report, which feeds the router and classifies.
type attemptFunc func(ctx context.Context, r multiregion.Region, api API) error

// route runs fn in the nearest healthy replica region and fails over in
// Rank order as kind allows. pin, when set, is the only region tried
// (CallOptions.Region); prefer, when set, is tried first (read-your-writes).
// It returns the region whose attempt ended the call.
func (t *Table[T]) route(ctx context.Context, op string, kind opKind, pin, prefer multiregion.Region, fn attemptFunc) (multiregion.Region, error) {
	if err := t.checkOpen(ctx); err != nil {
		return "", err
	}
	first := pin
	if first == "" {
		first = prefer
	}
	if first == "" {
		r, err := t.mr.Pick(t.set)
		if err != nil {
			return "", t.mr.NoHealthy(op, t.set)
		}
		first = r
	}
	err := t.attempt(ctx, op, first, fn)
	if err == nil {
		return first, nil
	}
	ae, next := t.decide(kind, err)
	if !next || pin != "" {
		return first, t.finalError(op, first, err, ae)
	}
	var buf [8]multiregion.Region
	last, lastErr, lastAE := first, err, ae
	for _, r := range t.mr.Rank(t.set, buf[:0]) {
		if r == first || (kind != opRead && !t.mr.Healthy(r)) {
			continue
		}
		t.opts.Logger.Debug("dynamo: failing over", "op", op, "from", string(last), "to", string(r), "error", lastErr)
		err := t.attempt(ctx, op, r, fn)
		if err == nil {
			return r, nil
		}
		last, lastErr = r, err
		lastAE, next = t.decide(kind, err)
		if !next {
			break
		}
	}
	return last, t.finalError(op, last, lastErr, lastAE)
}

// attempt runs fn once in r, retrying MRSC replicated write conflicts in
// place with exponential backoff and full jitter.
func (t *Table[T]) attempt(ctx context.Context, op string, r multiregion.Region, fn attemptFunc) error {
	api := t.clients[r]
	for try := 0; ; try++ {
		actx, cancel := ctx, context.CancelFunc(nil)
		if t.opts.AttemptTimeout > 0 {
			actx, cancel = context.WithTimeoutCause(ctx, t.opts.AttemptTimeout, errAttemptTimeout)
		}
		err := fn(actx, r, api)
		if cancel != nil {
			cancel()
		}
		ae, ok := err.(*attemptError)
		if !ok || ae.class != classReplicatedConflict {
			return err
		}
		if try >= t.opts.ConflictRetries {
			return &ConflictError{Op: op, Region: r, Attempts: try + 1, Err: ae.err}
		}
		d := min(t.opts.ConflictBackoff<<try, time.Second)
		if err := sleep(ctx, rand.N(d)+1); err != nil {
			return &OpError{Op: op, Region: r, Err: err}
		}
	}
}

// decide reports whether err lets an operation of kind move to another region.
func (t *Table[T]) decide(kind opKind, err error) (*attemptError, bool) {
	ae, ok := err.(*attemptError)
	if !ok {
		return nil, false // a typed answer: version mismatch, condition failed, ...
	}
	switch {
	case ae.class == classStale:
		return ae, true
	case !ae.class.isRegional():
		return ae, false
	case kind == opConditional && ae.outcomeUnknown():
		return ae, false
	}
	return ae, true
}

// finalError turns the last attempt's failure into the error the caller sees.
func (t *Table[T]) finalError(op string, r multiregion.Region, err error, ae *attemptError) error {
	if ae == nil {
		return err
	}
	switch ae.class {
	case classNotApplied, classUnknown:
		return &multiregion.RegionError{Region: r, Op: op, OutcomeUnknown: ae.outcomeUnknown(), Err: ae.err}
	case classStale:
		return ae.err // a *StaleReadError
	case classNoReplica:
		return &NoReplicaError{Table: t.name, Region: r, Replicas: t.Replicas(), Err: ae.err}
	}
	return &OpError{Op: op, Region: r, Err: ae.err}
}

// report classifies the outcome of one SDK call to r that started at start
// and feeds it to the router: a latency sample on success and on answers
// that are the caller's fault, a failure on regional errors, nothing when
// the caller's context ended the call. write says the call was a write
// request. A zero start reports success without a latency sample (Query,
// batches: their time says more about their size than the network).
// It returns nil or an *attemptError.
func (t *Table[T]) report(ctx context.Context, r multiregion.Region, start time.Time, err error, write bool) error {
	var rtt time.Duration
	if !start.IsZero() {
		rtt = time.Since(start)
	}
	if err == nil {
		t.mr.Observe(r, rtt, nil)
		return nil
	}
	c := classify(ctx, err)
	switch {
	case c == classCanceled:
	case c.isRegional():
		t.mr.Observe(r, 0, &multiregion.RegionError{Region: r, Op: "dynamo", Err: err})
	default:
		t.mr.Observe(r, rtt, nil)
	}
	return &attemptError{region: r, class: c, write: write, err: err}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// opKind says how far a failed operation may travel (route.Kind).
type opKind = route.Kind

const (
	// opRead moves to the next region on any regional failure.
	opRead = route.Read
	// opIdempotent is a write whose replay sets the same state (Put,
	// Delete, BatchWrite): it moves on after any regional failure, even
	// one whose outcome is unknown.
	opIdempotent = route.IdempotentWrite
	// opConditional is a write whose replay could act twice or on other
	// data (Update, PutIfVersion, conditional Delete, TransactWrite): it
	// moves on only when the region surely did not apply it; an unknown
	// outcome is returned as *multiregion.RegionError{OutcomeUnknown: true}.
	opConditional = route.Write
)

// attemptFunc runs an operation once in region r. Each SDK call inside it
// goes through Table.report, which feeds the table's Store and classifies.
type attemptFunc func(ctx context.Context, r multiregion.Region, api API) error

// route runs fn through the shared call loop (internal/route): the nearest
// healthy replica region of this table's Store first, then the others in
// its rank order as kind allows. co.Region, when set, is the only region
// tried; co.Exclude leaves regions out of this call; prefer, when set, is
// tried first (read-your-writes). It returns the region whose attempt
// ended the call.
func (t *Table[T]) route(ctx context.Context, op string, kind opKind, co CallOptions, prefer multiregion.Region, fn attemptFunc) (multiregion.Region, error) {
	if err := t.checkOpen(ctx); err != nil {
		return "", err
	}
	for {
		tp := t.topology()
		r, err := tp.loop.Run(ctx, t.call(op, kind, co, prefer), func(ctx context.Context, a *route.Attempt) error {
			return t.attempt(ctx, op, tp, a.Region, fn)
		})
		if err != nil && t.topology() != tp && t.swapped(err) {
			continue // the replica set changed under the call (topology.go)
		}
		return r, t.finish(r, err)
	}
}

// finish is the error a call returns: ErrClosed when the Table closed, a
// *TableNotFoundError when every region tried answered
// ResourceNotFoundException (which fails calls over: a removed replica).
func (t *Table[T]) finish(r multiregion.Region, err error) error {
	err = t.closedErr(err)
	var rnf *types.ResourceNotFoundException
	if err != nil && errors.As(err, &rnf) && !isTyped(err) {
		return t.notFound(r, err)
	}
	return err
}

// call is the loop's Call of one operation.
func (t *Table[T]) call(op string, kind opKind, co CallOptions, prefer multiregion.Region) route.Call {
	if prefer == "" {
		prefer = co.Prefer
	}
	return route.Call{Op: op, Kind: kind, Pin: co.Region, Prefer: prefer, Exclude: co.exclude,
		AttemptTimeout: t.opts.AttemptTimeout, Hedge: co.Hedge}
}

// closedErr is ErrClosed when the Table (not only its Client) closed.
func (t *Table[T]) closedErr(err error) error {
	if errors.Is(err, multiregion.ErrClosed) && t.closed.Load() {
		return ErrClosed
	}
	return err
}

// routeRead is route for a read that may be hedged (Options.Hedge,
// CallOptions.Hedge): each attempt returns its own value, the one of the
// attempt that ended the call is returned.
func routeRead[T, V any](ctx context.Context, t *Table[T], op string, co CallOptions, prefer multiregion.Region, fn func(ctx context.Context, r multiregion.Region, api API) (V, error)) (V, multiregion.Region, error) {
	if err := t.checkOpen(ctx); err != nil {
		var zero V
		return zero, "", err
	}
	for {
		tp := t.topology()
		v, r, err := route.RunValue(ctx, tp.loop, t.call(op, opRead, co, prefer), func(ctx context.Context, a *route.Attempt) (V, error) {
			var out V
			err := t.attempt(ctx, op, tp, a.Region, func(ctx context.Context, r multiregion.Region, api API) error {
				var err error
				out, err = fn(ctx, r, api)
				return err
			})
			return out, err
		})
		if err != nil && t.topology() != tp && t.swapped(err) {
			continue
		}
		return v, r, t.finish(r, err)
	}
}

// attempt runs fn once in r, retrying MRSC replicated write conflicts in
// place with exponential backoff and full jitter: AWS documents them as
// retry-safe, and the conflicting write is in flight in this very region.
func (t *Table[T]) attempt(ctx context.Context, op string, tp *topology, r multiregion.Region, fn attemptFunc) error {
	api := tp.clients[r]
	for try := 0; ; try++ {
		err := fn(ctx, r, api)
		if err == nil {
			return nil
		}
		var rwc *types.ReplicatedWriteConflictException
		if !errors.As(err, &rwc) {
			return err
		}
		if try >= t.opts.ConflictRetries {
			return &ConflictError{Op: op, Region: r, Attempts: try + 1, Err: rwc}
		}
		d := min(t.opts.ConflictBackoff<<try, time.Second)
		if err := t.pause(ctx, rand.N(d)+1); err != nil {
			return err
		}
	}
}

// final turns the loop's terminal errors that are not regional failures
// into the typed errors callers see.
func (t *Table[T]) final(op string, r multiregion.Region, c route.Class, err error) error {
	var rnf *types.ResourceNotFoundException
	switch {
	case c == route.Skip:
		return err // a *StaleReadError
	case errors.As(err, &rnf):
		return t.notFound(r, err)
	case isTyped(err):
		return err
	}
	return &OpError{Op: op, Region: r, Err: err}
}

// notFound is the error of a ResourceNotFoundException in r: the table is
// missing there (ErrTableNotFound), or, when r is not a replica region of
// the table, there is no replica (ErrNoReplica).
func (t *Table[T]) notFound(r multiregion.Region, err error) error {
	if t.hasReplica(r) || len(t.topology().replicas) == 0 {
		return &TableNotFoundError{Table: t.name, Region: r, Err: err}
	}
	return &NoReplicaError{Table: t.name, Region: r, Replicas: t.Replicas(), Err: err}
}

// report classifies the outcome of one SDK call to r that started at start
// and feeds it to the table's Store: a latency sample on success and on
// answers that are the caller's fault, a failure on regional errors,
// nothing when the caller's context ended the call. write says the call
// was a write request. A zero start reports success without a latency
// sample (Query, batches: their time says more about their size than the
// network). It returns nil or the classified error (route.Report).
func (t *Table[T]) report(ctx context.Context, r multiregion.Region, start time.Time, err error, write bool) error {
	if err != nil && isNotFound(err) {
		t.kickTopology() // a removed replica? (topology.go)
	}
	var st *multiregion.Store // none yet while New describes the table
	if tp := t.topology(); tp != nil {
		st = tp.store
	}
	return route.Report(ctx, st, classifier, t.reportOp, r, start, err, write)
}

package dynamo

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/regionkit/multiregion"
)

// CallOptions adjust one call, as the AWS SDK's per-operation optFns do.
// The zero value means the Table's defaults.
type CallOptions struct {
	// Region pins the call to one replica region: it runs there or fails,
	// with no failover. A region without a replica is an ErrNoReplica error
	// before any network call.
	// default: "" (nearest healthy replica, failover in Rank order)
	Region multiregion.Region

	// ConsistentRead asks for a strongly consistent read in the region
	// that serves it (Get, Query, BatchGet).
	// default: Options.ConsistentRead
	ConsistentRead bool

	// Condition is the caller's condition for Update and Delete. Such a
	// write is conditional: an unknown outcome is never replayed elsewhere.
	// default: none
	Condition *expression.ConditionBuilder

	// Exclude leaves replica regions out of this call only (say, a region
	// an operator is draining, or one a hedged twin of the call already
	// tried). Excluding a region without a replica, or the pinned Region,
	// is an *InputError before any network call.
	// default: none
	Exclude []multiregion.Region

	// Prefer is tried first when it is healthy and not excluded, then the
	// call routes as usual (a preference, unlike Region). Read-your-writes
	// (Options.ReadYourWrites) prefers the region of the write over it.
	// default: "" (the nearest)
	Prefer multiregion.Region

	// Hedge turns hedging of this read on or off over Options.Hedge
	// (Get only; writes are never hedged).
	// default: multiregion.HedgeDefault
	Hedge multiregion.HedgeMode

	exclude multiregion.RegionSet // Exclude, resolved by callOptions
}

// PreferRegion sets CallOptions.Prefer.
func PreferRegion(r multiregion.Region) func(*CallOptions) {
	return func(o *CallOptions) { o.Prefer = r }
}

// WithHedge sets CallOptions.Hedge.
func WithHedge(m multiregion.HedgeMode) func(*CallOptions) {
	return func(o *CallOptions) { o.Hedge = m }
}

// InRegion pins a call to region r (no failover).
func InRegion(r multiregion.Region) func(*CallOptions) {
	return func(o *CallOptions) { o.Region = r }
}

// WithConsistentRead sets CallOptions.ConsistentRead.
func WithConsistentRead(on bool) func(*CallOptions) {
	return func(o *CallOptions) { o.ConsistentRead = on }
}

// ExcludeRegions leaves regions out of one call (CallOptions.Exclude).
func ExcludeRegions(regions ...multiregion.Region) func(*CallOptions) {
	return func(o *CallOptions) { o.Exclude = append(o.Exclude, regions...) }
}

// WithCondition sets CallOptions.Condition.
func WithCondition(c expression.ConditionBuilder) func(*CallOptions) {
	return func(o *CallOptions) { o.Condition = &c }
}

// callOptions applies fns over the Table's defaults and checks the pin.
func (t *Table[T]) callOptions(op string, fns []func(*CallOptions)) (CallOptions, error) {
	co := CallOptions{ConsistentRead: t.opts.ConsistentRead}
	for _, fn := range fns {
		if fn != nil {
			fn(&co)
		}
	}
	if err := t.pinned(op, co.Region); err != nil {
		return co, err
	}
	set := t.topology().set
	for _, r := range co.Exclude {
		i, err := t.mr.Index(r)
		switch {
		case err != nil || !set.Has(i):
			return co, &InputError{Op: op, Reason: fmt.Sprintf("excluded region %s has no replica of table %s routed to", r, t.name), Err: err}
		case r == co.Region:
			return co, &InputError{Op: op, Reason: fmt.Sprintf("region %s is both pinned and excluded", r)}
		}
		co.exclude = co.exclude.With(i)
	}
	if co.exclude != 0 && co.exclude&set == set {
		return co, &InputError{Op: op, Reason: fmt.Sprintf("every replica region of table %s is excluded: nowhere to send the call", t.name)}
	}
	if co.Prefer != "" {
		if i, err := t.mr.Index(co.Prefer); err != nil || !set.Has(i) {
			return co, &InputError{Op: op, Reason: fmt.Sprintf("preferred region %s has no replica of table %s routed to", co.Prefer, t.name), Err: err}
		}
	}
	return co, nil
}

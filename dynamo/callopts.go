package dynamo

import (
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
}

// InRegion pins a call to region r (no failover).
func InRegion(r multiregion.Region) func(*CallOptions) {
	return func(o *CallOptions) { o.Region = r }
}

// WithConsistentRead sets CallOptions.ConsistentRead.
func WithConsistentRead(on bool) func(*CallOptions) {
	return func(o *CallOptions) { o.ConsistentRead = on }
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
	return co, t.pinned(op, co.Region)
}

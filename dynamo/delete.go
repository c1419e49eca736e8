package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/regionkit/multiregion"
)

// Delete removes the item with key in the nearest healthy replica and
// returns the version it removed ("" if there was none or it carried no
// metadata). Without a condition it is idempotent and fails over like Put;
// with CallOptions.Condition it is a conditional write (an unknown outcome
// is never replayed elsewhere) and a failed condition matches
// ErrConditionFailed.
//
// A delete carries no metadata (a stream REMOVE record has no new image),
// so a concurrent write lost to a delete under last writer wins is not
// surfaced; a delete lost to a concurrent write is not either.
func (t *Table[T]) Delete(ctx context.Context, key any, optFns ...func(*CallOptions)) (string, error) {
	const op = "dynamo.Delete"
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return "", err
	}
	k, err := t.keyFrom(op, key)
	if err != nil {
		return "", err
	}
	in := &dynamodb.DeleteItemInput{TableName: &t.name, Key: k, ReturnValues: types.ReturnValueAllOld}
	kind := opIdempotent
	if co.Condition != nil {
		expr, err := expression.NewBuilder().WithCondition(*co.Condition).Build()
		if err != nil {
			return "", &InputError{Op: op, Reason: "bad condition expression", Err: err}
		}
		in.ConditionExpression = expr.Condition()
		in.ExpressionAttributeNames = expr.Names()
		in.ExpressionAttributeValues = expr.Values()
		kind = opConditional
	}
	var old Meta
	r, err := t.route(ctx, op, kind, co.Region, "", func(ctx context.Context, r multiregion.Region, api API) error {
		start := time.Now()
		out, err := api.DeleteItem(ctx, in)
		if err = t.report(ctx, r, start, err, true); err != nil {
			if isConditionFailed(err) {
				return &ConditionFailedError{Op: op, Region: r, Err: cause(err)}
			}
			return err
		}
		old = t.meta.parse(out.Attributes)
		return nil
	})
	if err != nil {
		return "", err
	}
	if t.ryw != nil {
		t.ryw.recordEntry(t.keys.keyString(k), rywEntry{region: r, version: old.Version, deleted: true, gone: old.Lineage, at: t.opts.Clock.Now()})
	}
	return old.Version, nil
}

package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// MREC: a Delete writes a tombstone version (see tombstone.go), so a write
// lost to a concurrent delete, and a delete lost to a concurrent write,
// are surfaced like any lost write. The tombstone is a PutItem conditioned
// on the version this Table last saw of the item (1 WCU for the small
// tombstone, replicated to every other replica): one round trip after a
// Get or a write of the key by this Table. For a key it has not seen live,
// Delete reads the version first (one strongly consistent read of the
// projected metadata): deleting an item that is absent or already deleted
// writes nothing, and a guess must not decide that.
// MRSC: a plain DeleteItem.
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
	kind := opIdempotent
	var cond *expression.Expression
	if co.Condition != nil {
		expr, err := expression.NewBuilder().WithCondition(*co.Condition).Build()
		if err != nil {
			return "", &InputError{Op: op, Reason: "bad condition expression", Err: err}
		}
		if err := t.checkExpr(op, &expr); err != nil {
			return "", err
		}
		cond, kind = &expr, opConditional
	}
	var old, tomb Meta
	r, err := t.route(ctx, op, kind, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		var err error
		if t.mode == MRSC {
			old, err = t.plainDelete(ctx, op, r, api, k, cond)
		} else {
			old, tomb, err = t.versionedDelete(ctx, op, r, api, k, cond)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if t.ryw != nil {
		e := rywEntry{region: r, version: old.Version, deleted: true, gone: old.Lineage, at: t.opts.Clock.Now()}
		if tomb.Version != "" {
			// The tombstone or a later version: anything that descends from it.
			e = rywEntry{region: r, version: tomb.Version, at: e.at}
		}
		t.ryw.recordEntry(t.keys.keyString(k), e)
	}
	return old.Version, nil
}

// plainDelete is DeleteItem (MRSC: no silent conflicts to surface).
func (t *Table[T]) plainDelete(ctx context.Context, op string, r multiregion.Region, api API, key map[string]types.AttributeValue, cond *expression.Expression) (Meta, error) {
	in := &dynamodb.DeleteItemInput{TableName: &t.name, Key: key, ReturnValues: types.ReturnValueAllOld}
	if cond != nil {
		in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = cond.Condition(), cond.Names(), cond.Values()
	}
	start := time.Now()
	out, err := api.DeleteItem(ctx, in)
	if err = t.report(ctx, r, start, err, true); err != nil {
		if isConditionFailed(err) {
			return Meta{}, &ConditionFailedError{Op: op, Region: r, Err: cause(err)}
		}
		return Meta{}, err
	}
	return t.meta.parse(out.Attributes), nil
}

// versionedDelete writes a tombstone over the version current in r,
// conditioned on it (and on cond), through runVersioned. It returns the
// version deleted and the tombstone. With no item to delete it writes
// nothing; a caller's condition is then still evaluated (checkAbsent).
func (t *Table[T]) versionedDelete(ctx context.Context, op string, r multiregion.Region, api API, key map[string]types.AttributeValue, cond *expression.Expression) (old, tomb Meta, err error) {
	w := versionedWrite{op: op, r: r, api: api, key: key, ks: t.keys.keyString(key), userCond: cond != nil, needLive: true}
	seen, tomb, err := t.runVersioned(ctx, w, func(ctx context.Context, seen current) (Meta, error) {
		if !seen.live() {
			if cond == nil {
				return Meta{}, nil
			}
			return Meta{}, t.checkAbsent(ctx, op, r, api, key, seen, cond)
		}
		p := t.tombstoneOver(r, key, seen, cond)
		in := &dynamodb.PutItemInput{TableName: &t.name, Item: p.item, ConditionExpression: &p.cond,
			ExpressionAttributeNames: p.names, ExpressionAttributeValues: p.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
		start := time.Now()
		_, err := api.PutItem(ctx, in)
		return p.m, t.report(ctx, r, start, err, true)
	})
	if err != nil || tomb.Version == "" {
		return Meta{}, Meta{}, err
	}
	return seen.Meta, tomb, nil
}

// checkAbsent evaluates the caller's condition of a Delete of an item that
// is absent or a tombstone, writing nothing: a one-item TransactWriteItems
// ConditionCheck (MREC allows transactions), with the version check so a
// write racing in the region is retried. The cancellation is read by
// reason code (transactWrite): a failed check is returned as a
// *types.ConditionalCheckFailedException carrying the item (ALL_OLD), for
// runVersioned to tell the caller's condition from the version check; a
// TransactionConflict is retried in place; throttling is a
// *TransactionCanceledError (ErrThrottled: not applied).
func (t *Table[T]) checkAbsent(ctx context.Context, op string, r multiregion.Region, api API, key map[string]types.AttributeValue, seen current, cond *expression.Expression) error {
	check := t.absentCheck(key, seen, cond)
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{ConditionCheck: check}}}
	err := t.transactWrite(ctx, op, r, api, in, []string{"check"})
	var te *TransactionCanceledError
	if errors.As(err, &te) {
		for _, reason := range te.Reasons {
			if reason.Code == ReasonConditionalCheckFailed {
				return &types.ConditionalCheckFailedException{Message: aws.String(reason.Message), Item: reason.item}
			}
		}
	}
	return err
}

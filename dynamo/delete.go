package dynamo

import (
	"context"
	"errors"
	"fmt"
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
// are surfaced like any lost write. Like Put it reads the current version
// first (one strongly consistent read of the projected metadata) and then
// writes the tombstone with a PutItem conditioned on that version (1 WCU
// for the small tombstone, replicated to every other replica): the same
// cost as a Put of a small item, in place of a DeleteItem. Deleting an
// item that is absent or already deleted writes nothing (the read only).
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
// conditioned on it (and on cond), retrying locally when only the version
// check lost a race. It returns the version deleted and the tombstone.
// With no item to delete it writes nothing; a caller's condition is then
// still evaluated (checkAbsent).
func (t *Table[T]) versionedDelete(ctx context.Context, op string, r multiregion.Region, api API, key map[string]types.AttributeValue, cond *expression.Expression) (old, tomb Meta, err error) {
	for try := 0; ; try++ {
		seen, err := t.readCurrent(ctx, r, api, key)
		if err != nil {
			return Meta{}, Meta{}, err
		}
		var failed error
		if !seen.live() {
			if cond == nil {
				return Meta{}, Meta{}, nil
			}
			failed = t.checkAbsent(ctx, r, api, key, seen, cond)
		} else {
			item, m := t.tombstone(r, key, seen.Meta)
			c, names, values := t.versionCondition(seen.Version)
			in := &dynamodb.PutItemInput{TableName: &t.name, Item: item, ConditionExpression: &c,
				ExpressionAttributeNames: names, ExpressionAttributeValues: values}
			if cond != nil {
				in.ConditionExpression = aws.String("(" + aws.ToString(cond.Condition()) + ") AND (" + c + ")")
				in.ExpressionAttributeNames = mergeMaps(names, cond.Names())
				in.ExpressionAttributeValues = mergeMaps(values, cond.Values())
			}
			start := time.Now()
			_, failed = api.PutItem(ctx, in)
			failed = t.report(ctx, r, start, failed, true)
			if failed == nil {
				return seen.Meta, m, nil
			}
		}
		if failed == nil {
			return Meta{}, Meta{}, nil
		}
		if !isConditionFailed(failed) {
			return Meta{}, Meta{}, failed
		}
		if cond != nil {
			// Which half failed? If the version is unchanged, the caller's.
			again, rerr := t.readCurrent(ctx, r, api, key)
			if rerr == nil && again.Version == seen.Version && again.exists == seen.exists {
				return Meta{}, Meta{}, &ConditionFailedError{Op: op, Region: r, Err: cause(failed)}
			}
		}
		if try >= t.opts.VersionRetries {
			return Meta{}, Meta{}, &OpError{Op: op, Region: r, Err: fmt.Errorf("item changed under %d consecutive writes in this region: %w", try+1, cause(failed))}
		}
	}
}

// checkAbsent evaluates the caller's condition of a Delete of an item that
// is absent or a tombstone, writing nothing: a one-item TransactWriteItems
// ConditionCheck (MREC allows transactions), with the version check so a
// write racing in the region is retried. A failed check is returned as a
// *types.ConditionalCheckFailedException (isConditionFailed).
func (t *Table[T]) checkAbsent(ctx context.Context, r multiregion.Region, api API, key map[string]types.AttributeValue, seen current, cond *expression.Expression) error {
	c, names, values := t.versionCondition(seen.Version)
	userNames := cond.Names()
	if seen.Deleted {
		userNames = t.absentKeyNames(userNames, "")
	}
	check := &types.ConditionCheck{TableName: &t.name, Key: key,
		ConditionExpression:       aws.String("(" + aws.ToString(cond.Condition()) + ") AND (" + c + ")"),
		ExpressionAttributeNames:  mergeMaps(names, userNames),
		ExpressionAttributeValues: mergeMaps(values, cond.Values()),
	}
	start := time.Now()
	_, err := api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{ConditionCheck: check}}})
	err = t.report(ctx, r, start, err, false)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return &types.ConditionalCheckFailedException{Message: tce.Message}
	}
	return err
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// TxOp is one operation of a TransactWrite, built by TxPut, TxUpdate,
// TxDelete or TxCheck. A plain value.
type TxOp struct {
	kind txKind
	item map[string]types.AttributeValue // put
	key  map[string]types.AttributeValue
	expr *expression.Expression // update, check; delete with a condition
	err  error                  // a construction error, reported by TransactWrite
}

type txKind int

const (
	txPut txKind = iota + 1
	txUpdate
	txDelete
	txCheck
)

// versioned reports whether the op carries the Table's version check.
func (o TxOp) versioned() bool { return o.kind == txPut || o.kind == txUpdate }

// TxPut puts item in a transaction, versioned like Put.
func (t *Table[T]) TxPut(item T) TxOp {
	av, key, err := t.marshalWithKey("dynamo.TxPut", item)
	return TxOp{kind: txPut, item: av, key: key, err: err}
}

// TxUpdate applies upd to the item with key in a transaction, like Update.
func (t *Table[T]) TxUpdate(key any, upd expression.UpdateBuilder) TxOp {
	k, err := t.keyFrom("dynamo.TxUpdate", key)
	op := TxOp{kind: txUpdate, key: k, err: err}
	if err == nil {
		op.expr, op.err = buildExpr("dynamo.TxUpdate", expression.NewBuilder().WithUpdate(upd))
	}
	return op
}

// TxDelete deletes the item with key in a transaction, if cond (optional)
// holds. Unlike Delete it is a plain DeleteItem, not a tombstone: a write
// lost to it, or it lost to a write in another region, is not surfaced.
func (t *Table[T]) TxDelete(key any, cond ...expression.ConditionBuilder) TxOp {
	k, err := t.keyFrom("dynamo.TxDelete", key)
	op := TxOp{kind: txDelete, key: k, err: err}
	if err == nil && len(cond) > 0 {
		op.expr, op.err = buildExpr("dynamo.TxDelete", expression.NewBuilder().WithCondition(cond[0]))
	}
	return op
}

// TxCheck makes the transaction fail unless cond holds for the item with key.
func (t *Table[T]) TxCheck(key any, cond expression.ConditionBuilder) TxOp {
	k, err := t.keyFrom("dynamo.TxCheck", key)
	op := TxOp{kind: txCheck, key: k, err: err}
	if err == nil {
		op.expr, op.err = buildExpr("dynamo.TxCheck", expression.NewBuilder().WithCondition(cond))
	}
	return op
}

func buildExpr(op string, b expression.Builder) (*expression.Expression, error) {
	e, err := b.Build()
	if err != nil {
		return nil, &InputError{Op: op, Reason: "bad expression", Err: err}
	}
	return &e, nil
}

// TransactResult says where a transaction ran.
type TransactResult struct {
	// Region is the one region where the transaction ran and was atomic.
	// It is not isolated from writes in other regions: they replicate in
	// item by item and may overwrite part of it (last writer wins).
	Region multiregion.Region
	// Versions holds the version written by each put and update, in op
	// order (zero for deletes and checks).
	Versions []Meta
}

// TransactWrite runs ops atomically in one region (MREC), the nearest
// healthy one; TransactResult.Region names it. In MREC a transaction is
// atomic only in that region, not isolated from writes in other regions
// (capability table). On an MRSC table it returns a
// *TransactionsUnsupportedError before any network call: AWS rejects
// transactions there.
//
// Puts and updates are versioned (the current versions are read first and
// the transaction is conditioned on them; a race in the region is retried
// locally). A failed TxCheck or TxDelete condition matches
// ErrConditionFailed. It is a conditional write: an unknown outcome is a
// *multiregion.RegionError{OutcomeUnknown: true}, never replayed elsewhere.
func (t *Table[T]) TransactWrite(ctx context.Context, ops []TxOp, optFns ...func(*CallOptions)) (*TransactResult, error) {
	const op = "dynamo.TransactWrite"
	if err := t.transactionsAllowed(op); err != nil {
		return nil, err
	}
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 || len(ops) > 100 {
		return nil, &InputError{Op: op, Reason: fmt.Sprintf("a transaction takes 1 to 100 operations, got %d", len(ops))}
	}
	for _, o := range ops {
		if o.err != nil {
			return nil, o.err
		}
		if o.kind == 0 {
			return nil, &InputError{Op: op, Reason: "zero TxOp (build ops with TxPut, TxUpdate, TxDelete, TxCheck)"}
		}
	}
	res := &TransactResult{Versions: make([]Meta, len(ops))}
	r, err := t.route(ctx, op, opConditional, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		return t.transactIn(ctx, op, r, api, ops, res.Versions)
	})
	if err != nil {
		return nil, err
	}
	res.Region = r
	return res, nil
}

// transactionsAllowed applies the capability table's transaction rule.
func (t *Table[T]) transactionsAllowed(op string) error {
	c, _ := multiregion.Capability(t.mode.kind())
	if c.TransactionsRejected {
		return &TransactionsUnsupportedError{Op: op, Kind: c.Kind, Note: c.TransactionNote}
	}
	return nil
}

// transactIn reads the versions of the versioned ops in r and runs the
// transaction conditioned on them, retrying when only those checks failed.
func (t *Table[T]) transactIn(ctx context.Context, op string, r multiregion.Region, api API, ops []TxOp, metas []Meta) error {
	var keys []map[string]types.AttributeValue
	for _, o := range ops {
		if o.versioned() {
			keys = append(keys, o.key)
		}
	}
	for try := 0; ; try++ {
		seen := map[string]Meta{}
		if len(keys) > 0 {
			items, _, err := t.batchGetIn(ctx, r, api, keys, true, t.metaProjection())
			if err != nil {
				return err
			}
			for _, it := range items {
				seen[t.keys.keyString(it)] = t.meta.parse(it)
			}
		}
		in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(newVersionID())}
		for i, o := range ops {
			in.TransactItems = append(in.TransactItems, t.txItem(o, r, seen[t.keys.keyString(o.key)], &metas[i]))
		}
		start := time.Now()
		_, err := api.TransactWriteItems(ctx, in)
		if err = t.report(ctx, r, start, err, true); err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return err
		}
		if !onlyVersionChecksFailed(ops, tce) {
			return &ConditionFailedError{Op: op, Region: r, Err: tce}
		}
		if try >= t.opts.VersionRetries {
			return &OpError{Op: op, Region: r, Err: fmt.Errorf("items changed under %d consecutive attempts: %w", try+1, tce)}
		}
	}
}

// txItem renders one op for region r over the version seen.
func (t *Table[T]) txItem(o TxOp, r multiregion.Region, seen Meta, meta *Meta) types.TransactWriteItem {
	switch o.kind {
	case txPut:
		m := t.nextMeta(r, seen)
		*meta = m
		item := maps.Clone(o.item)
		t.meta.stamp(item, m)
		cond, names, values := t.versionCondition(seen.Version)
		return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item,
			ConditionExpression: &cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	case txUpdate:
		m := t.nextMeta(r, seen)
		*meta = m
		u := t.updateInput(o.key, *o.expr, seen, m)
		return types.TransactWriteItem{Update: &types.Update{TableName: &t.name, Key: o.key,
			UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues}}
	case txDelete:
		d := &types.Delete{TableName: &t.name, Key: o.key}
		if o.expr != nil {
			d.ConditionExpression, d.ExpressionAttributeNames, d.ExpressionAttributeValues = o.expr.Condition(), o.expr.Names(), o.expr.Values()
		}
		return types.TransactWriteItem{Delete: d}
	default:
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &t.name, Key: o.key,
			ConditionExpression: o.expr.Condition(), ExpressionAttributeNames: o.expr.Names(), ExpressionAttributeValues: o.expr.Values()}}
	}
}

// onlyVersionChecksFailed reads the cancellation reasons (one per op, in
// order, "None" for those that were fine).
func onlyVersionChecksFailed(ops []TxOp, tce *types.TransactionCanceledException) bool {
	if len(tce.CancellationReasons) != len(ops) {
		return false
	}
	versionFailed := false
	for i, reason := range tce.CancellationReasons {
		switch code := aws.ToString(reason.Code); {
		case code == "" || code == "None":
		case code == "ConditionalCheckFailed" && ops[i].versioned():
			versionFailed = true
		default:
			return false
		}
	}
	return versionFailed
}

// TransactGet reads the items with keys atomically in one region (MREC);
// missing items are nil. On an MRSC table it returns a
// *TransactionsUnsupportedError before any network call.
func (t *Table[T]) TransactGet(ctx context.Context, keys []any, optFns ...func(*CallOptions)) ([]*Item[T], error) {
	const op = "dynamo.TransactGet"
	if err := t.transactionsAllowed(op); err != nil {
		return nil, err
	}
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 || len(keys) > 100 {
		return nil, &InputError{Op: op, Reason: fmt.Sprintf("a transaction takes 1 to 100 keys, got %d", len(keys))}
	}
	in := &dynamodb.TransactGetItemsInput{}
	for _, k := range keys {
		key, err := t.keyFrom(op, k)
		if err != nil {
			return nil, err
		}
		in.TransactItems = append(in.TransactItems, types.TransactGetItem{Get: &types.Get{TableName: &t.name, Key: key}})
	}
	var out *dynamodb.TransactGetItemsOutput
	r, err := t.route(ctx, op, opRead, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		start := time.Now()
		res, err := api.TransactGetItems(ctx, in)
		if err = t.report(ctx, r, start, err, false); err == nil {
			out = res
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	items := make([]*Item[T], len(keys))
	for i, resp := range out.Responses {
		if i >= len(items) || resp.Item == nil || t.meta.isTombstone(resp.Item) {
			continue // absent or deleted
		}
		it, err := t.decodeItem(op, r, resp.Item)
		if err != nil {
			return nil, err
		}
		items[i] = &it
	}
	return items, nil
}

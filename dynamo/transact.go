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
func (o TxOp) versioned() bool { return o.kind != txCheck }

// name is the op's kind as TxReason.Op names it.
func (o TxOp) name() string {
	return [...]string{txPut: "put", txUpdate: "update", txDelete: "delete", txCheck: "check"}[o.kind]
}

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
		op.expr, op.err = t.buildExpr("dynamo.TxUpdate", expression.NewBuilder().WithUpdate(upd))
	}
	return op
}

// TxDelete deletes the item with key in a transaction, if cond (optional)
// holds. Like Delete it writes a tombstone version over the version
// current in the region (so a loss involving it is surfaced), and writes
// nothing but a check over an item that is absent or already deleted.
func (t *Table[T]) TxDelete(key any, cond ...expression.ConditionBuilder) TxOp {
	k, err := t.keyFrom("dynamo.TxDelete", key)
	op := TxOp{kind: txDelete, key: k, err: err}
	if err == nil && len(cond) > 0 {
		op.expr, op.err = t.buildExpr("dynamo.TxDelete", expression.NewBuilder().WithCondition(cond[0]))
	}
	return op
}

// TxCheck makes the transaction fail unless cond holds for the item with key.
func (t *Table[T]) TxCheck(key any, cond expression.ConditionBuilder) TxOp {
	k, err := t.keyFrom("dynamo.TxCheck", key)
	op := TxOp{kind: txCheck, key: k, err: err}
	if err == nil {
		op.expr, op.err = t.buildExpr("dynamo.TxCheck", expression.NewBuilder().WithCondition(cond))
	}
	return op
}

func (t *Table[T]) buildExpr(op string, b expression.Builder) (*expression.Expression, error) {
	e, err := b.Build()
	if err != nil {
		return nil, &InputError{Op: op, Reason: "bad expression", Err: err}
	}
	if err := t.checkExpr(op, &e); err != nil {
		return nil, err
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
// Puts, updates and deletes are versioned like Put, Update and Delete:
// conditioned on the version this Table last saw of each item (deletes of
// keys not seen live read it first), a race in the region retried with the
// versions the cancellation returned. A cancellation is read by reason
// code: a failed TxCheck or TxDelete condition is a
// *TransactionCanceledError matching ErrConditionFailed and naming the
// items by index; TransactionConflict is retried in place with backoff
// (Options.ConflictRetries); throttling matches ErrThrottled (not applied:
// the call moves to the next region). It is a conditional write: an
// unknown outcome is a *multiregion.RegionError{OutcomeUnknown: true},
// never replayed elsewhere.
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

// transactIn runs the transaction in r over the versions it assumes
// (txVersions), retrying with the versions learned when only version
// checks failed.
func (t *Table[T]) transactIn(ctx context.Context, op string, r multiregion.Region, api API, ops []TxOp, metas []Meta) error {
	kinds := make([]string, len(ops))
	for i, o := range ops {
		kinds[i] = o.name()
	}
	v := newTxVersions(t, ops)
	for try := 0; ; try++ {
		if err := v.refresh(ctx, r, api); err != nil {
			return err
		}
		in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(newVersionID())}
		for i, o := range ops {
			in.TransactItems = append(in.TransactItems, t.txItem(o, r, v.seen[i], &metas[i]))
		}
		err := t.transactWrite(ctx, op, r, api, in, kinds)
		if err == nil {
			v.wrote(metas)
			return nil
		}
		var te *TransactionCanceledError
		if !errors.As(err, &te) || !v.learn(te) {
			return err
		}
		if try >= t.opts.VersionRetries {
			return &OpError{Op: op, Region: r, Err: fmt.Errorf("items changed under %d consecutive attempts: %w", try+1, te)}
		}
	}
}

// txItem renders one op for region r over the version seen.
func (t *Table[T]) txItem(o TxOp, r multiregion.Region, seen current, meta *Meta) types.TransactWriteItem {
	all := types.ReturnValuesOnConditionCheckFailureAllOld
	switch o.kind {
	case txPut:
		p := t.putOver(r, o.item, seen)
		*meta = p.m
		return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: p.item, ConditionExpression: &p.cond,
			ExpressionAttributeNames: p.names, ExpressionAttributeValues: p.values, ReturnValuesOnConditionCheckFailure: all}}
	case txUpdate:
		m := t.nextMeta(r, seen.Meta)
		*meta = m
		u := t.updateInput(o.key, *o.expr, seen.Meta, m)
		return types.TransactWriteItem{Update: &types.Update{TableName: &t.name, Key: o.key,
			UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: all}}
	case txDelete:
		if !seen.live() { // nothing to delete: check it stays so (and the caller's condition)
			*meta = Meta{}
			c := t.absentCheck(o.key, seen, o.expr)
			return types.TransactWriteItem{ConditionCheck: c}
		}
		p := t.tombstoneOver(r, o.key, seen, o.expr)
		*meta = p.m
		return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: p.item, ConditionExpression: &p.cond,
			ExpressionAttributeNames: p.names, ExpressionAttributeValues: p.values, ReturnValuesOnConditionCheckFailure: all}}
	default:
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &t.name, Key: o.key,
			ConditionExpression: o.expr.Condition(), ExpressionAttributeNames: o.expr.Names(), ExpressionAttributeValues: o.expr.Values()}}
	}
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

package dynamo

import (
	"context"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Update applies upd to the item with key (creating it if absent, as
// UpdateItem does) in the nearest healthy replica and returns the item as
// it is after the update. A CallOptions.Condition is ANDed with the
// Table's version check; when it fails the error matches ErrConditionFailed.
//
// Like Put, Update is conditioned on the version this Table last saw of
// the key (one round trip after a Get or a write of it; see versioned.go),
// and learns the current version from a failed condition. Update is treated as
// non-idempotent (SET n = n + 1 must not run twice): a regional failure
// with an unknown outcome is returned as
// *multiregion.RegionError{OutcomeUnknown: true}, never replayed elsewhere.
func (t *Table[T]) Update(ctx context.Context, key any, upd expression.UpdateBuilder, optFns ...func(*CallOptions)) (Item[T], error) {
	const op = "dynamo.Update"
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return Item[T]{}, err
	}
	k, err := t.keyFrom(op, key)
	if err != nil {
		return Item[T]{}, err
	}
	b := expression.NewBuilder().WithUpdate(upd)
	if co.Condition != nil {
		b = b.WithCondition(*co.Condition)
	}
	expr, err := b.Build()
	if err != nil {
		return Item[T]{}, &InputError{Op: op, Reason: "bad update or condition expression", Err: err}
	}
	if err := t.checkExpr(op, &expr); err != nil {
		return Item[T]{}, err
	}
	var raw map[string]types.AttributeValue
	var meta Meta
	r, err := t.route(ctx, op, opConditional, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		var err error
		raw, meta, err = t.versionedUpdate(ctx, op, r, api, k, expr)
		return err
	})
	if err != nil {
		return Item[T]{}, err
	}
	if t.ryw != nil {
		t.ryw.record(t.keys.keyString(k), r, meta.Version, false, t.opts.Clock.Now())
	}
	return t.decodeItem(op, r, raw)
}

// versionedUpdate runs one UpdateItem in r conditioned on the version
// current there (runVersioned).
func (t *Table[T]) versionedUpdate(ctx context.Context, op string, r multiregion.Region, api API, key map[string]types.AttributeValue, expr expression.Expression) (map[string]types.AttributeValue, Meta, error) {
	var attrs map[string]types.AttributeValue
	w := versionedWrite{op: op, r: r, api: api, key: key, ks: t.keys.keyString(key), userCond: expr.Condition() != nil}
	_, m, err := t.runVersioned(ctx, w, func(ctx context.Context, seen current) (Meta, error) {
		m := t.nextMeta(r, seen.Meta)
		in := t.updateInput(key, expr, seen.Meta, m)
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		start := time.Now()
		out, err := api.UpdateItem(ctx, in)
		if err = t.report(ctx, r, start, err, true); err == nil {
			attrs = out.Attributes
		}
		return m, err
	})
	return attrs, m, err
}

// updateInput merges the caller's expression with the metadata stamp and
// the version condition. The builder's placeholders are #0.. and :0..;
// the Table's are #mr_* and :mr_*, so they cannot collide. Over a
// tombstone the update starts from no item: the tombstone's del and exp
// attributes are removed, and the caller's condition sees no key
// attributes (absentKeyNames).
func (t *Table[T]) updateInput(key map[string]types.AttributeValue, expr expression.Expression, seen Meta, m Meta) *dynamodb.UpdateItemInput {
	cond, names, values := t.versionCondition(seen.Version)
	userNames := expr.Names()
	if seen.Deleted && expr.Condition() != nil {
		userNames = t.absentKeyNames(userNames, aws.ToString(expr.Update()))
	}
	names = mergeMaps(names, userNames)
	values = mergeMaps(values, expr.Values())
	names["#mr_o"], names["#mr_h"] = t.meta.origin, t.meta.hlc
	values[":mr_v"] = &types.AttributeValueMemberS{Value: m.Version}
	values[":mr_o"] = &types.AttributeValueMemberS{Value: string(m.Origin)}
	values[":mr_h"] = &types.AttributeValueMemberS{Value: m.HLC.String()}
	set := "#mr_v = :mr_v, #mr_o = :mr_o, #mr_h = :mr_h"
	if m.Prev != "" {
		names["#mr_p"], names["#mr_l"] = t.meta.prev, t.meta.lin
		values[":mr_p"] = &types.AttributeValueMemberS{Value: m.Prev}
		values[":mr_l"] = &types.AttributeValueMemberS{Value: strings.Join(m.Lineage, ",")}
		set += ", #mr_p = :mr_p, #mr_l = :mr_l"
	}
	if c := expr.Condition(); c != nil {
		cond = "(" + *c + ") AND (" + cond + ")"
	}
	update := mergeSet(aws.ToString(expr.Update()), set)
	if seen.Deleted {
		names["#mr_d"], names["#mr_x"] = t.meta.del, t.meta.exp
		update = mergeClause(update, "REMOVE", "#mr_d, #mr_x")
	}
	return &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key,
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	}
}

// mergeSet adds assignments to the SET clause of an update expression as
// the expression package renders it ("SET a, b\nREMOVE c\n"): a clause
// keyword may appear only once.
func mergeSet(update, assignments string) string {
	lines := strings.Split(strings.TrimSpace(update), "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "SET "); ok {
			lines[i] = "SET " + assignments + ", " + rest
			return strings.Join(lines, " ")
		}
	}
	return "SET " + assignments + " " + strings.Join(lines, " ")
}

// mergeClause adds items to clause (SET, REMOVE, ...) of a one-line
// update expression, or appends the clause.
func mergeClause(update, clause, items string) string {
	kw := clause + " "
	if i := strings.Index(update, kw); i == 0 || (i > 0 && update[i-1] == ' ') {
		return update[:i] + kw + items + ", " + update[i+len(kw):]
	}
	return update + " " + kw + items
}

func mergeMaps[V any](dst, src map[string]V) map[string]V {
	if dst == nil {
		dst = make(map[string]V, len(src)+6)
	}
	maps.Copy(dst, src)
	return dst
}

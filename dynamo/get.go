package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Get reads the item with key from the nearest healthy replica, failing
// over to the next one on a regional failure. key is a T with its key
// fields set, any value that marshals to a map holding the key attributes,
// or a map[string]types.AttributeValue. A missing or deleted item is an
// error that matches ErrNotFound.
//
// MREC reads may be stale until replication catches up (usually under a
// second, no SLA); with Options.ReadYourWrites a key this Table wrote
// recently is read where it was written (see ryw.go).
func (t *Table[T]) Get(ctx context.Context, key any, optFns ...func(*CallOptions)) (Item[T], error) {
	const op = "dynamo.Get"
	var out Item[T]
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return out, err
	}
	k, err := t.keyFrom(op, key)
	if err != nil {
		return out, err
	}
	in := &dynamodb.GetItemInput{TableName: &t.name, Key: k}
	if co.ConsistentRead {
		in.ConsistentRead = aws.Bool(true)
	}
	var want *rywEntry
	var prefer multiregion.Region
	if t.ryw != nil && co.Region == "" {
		if e, ok := t.ryw.lookup(t.keys.keyString(k), t.opts.Clock.Now()); ok {
			want, prefer = &e, e.region
			in.ConsistentRead = aws.Bool(true) // the latest in the region of the write
		}
	}
	get := func(ctx context.Context, r multiregion.Region, api API) (map[string]types.AttributeValue, error) {
		start := time.Now()
		res, err := api.GetItem(ctx, in)
		if err := t.report(ctx, r, start, err, false); err != nil {
			return nil, err
		}
		if want != nil {
			if err := t.rywCheck(r, *want, res.Item); err != nil {
				return nil, err
			}
		}
		return res.Item, nil
	}
	var raw map[string]types.AttributeValue
	var r multiregion.Region
	if t.topology().loop.Hedged(t.call(op, opRead, co, prefer)) {
		raw, r, err = routeRead(ctx, t, op, co, prefer, get)
	} else {
		// Unhedged: one attempt at a time, so the closure may write the
		// result (the cheaper path: no value plumbing).
		r, err = t.route(ctx, op, opRead, co, prefer, func(ctx context.Context, r multiregion.Region, api API) error {
			var err error
			raw, err = get(ctx, r, api)
			return err
		})
	}
	if err != nil {
		return out, err
	}
	t.seeItem(t.keys.keyString(k), raw)        // the next write of the key conditions on it (versioned.go)
	if raw == nil || t.meta.isTombstone(raw) { // a deleted item (tombstone.go)
		return out, &OpError{Op: op, Region: r, Err: ErrNotFound}
	}
	return t.decodeItem(op, r, raw)
}

// decoder is shared: a Decoder without per-call options keeps no state
// (attributevalue.UnmarshalMap builds a new one per call).
var decoder = attributevalue.NewDecoder()

// decodeItem unmarshals raw into an Item and witnesses its HLC stamp.
func (t *Table[T]) decodeItem(op string, r multiregion.Region, raw map[string]types.AttributeValue) (Item[T], error) {
	out := Item[T]{Region: r, Meta: t.meta.parse(raw)}
	if err := decoder.Decode(&types.AttributeValueMemberM{Value: raw}, &out.Value); err != nil {
		return out, &MarshalError{Op: op, Type: typeName(out.Value), Err: err}
	}
	if !out.Meta.HLC.IsZero() {
		t.hlc.Witness(out.Meta.HLC)
	}
	return out, nil
}

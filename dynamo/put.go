package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Put writes item (replacing the whole item) in the nearest healthy
// replica and returns the version it created.
//
// Conflict detection needs to know which version a write replaces, so
// Put is conditioned on the version this Table last saw of the key (its
// own Gets and writes, Options.VersionCacheSize keys), or on no item for
// a key it never saw: one PutItem in the common cases. When the item has
// changed since, the failed condition returns the current item
// (ReturnValuesOnConditionCheckFailure=ALL_OLD) and Put retries once over
// it: a blind overwrite of an item this Table never saw costs two round
// trips (see versioned.go).
//
// A Put is idempotent (replaying it sets the same item), so after a
// regional failure it moves to the next region, even when the first
// region's outcome is unknown; if both applied, the detector reports the
// first copy as a lost write of the same value.
func (t *Table[T]) Put(ctx context.Context, item T, optFns ...func(*CallOptions)) (Meta, error) {
	return t.put(ctx, "dynamo.Put", item, nil, opIdempotent, optFns)
}

// PutIfVersion writes item only if the item's current version in the
// region that takes the write is version (from Item.Meta.Version of a
// previous read; "" means the item must not exist). On a mismatch it
// returns a *VersionMismatchError (errors.Is ErrVersionMismatch) and writes
// nothing. It is a conditional write: a regional failure with an unknown
// outcome is returned as *multiregion.RegionError{OutcomeUnknown: true},
// never replayed in another region. One round trip when version is what
// this Table last read or wrote of the item; otherwise the version is read
// first.
//
// In MREC the check runs against the replica that takes the write: a
// concurrent write in another region that has not replicated yet is not
// seen, and may then win or lose by last writer wins (the detector reports it).
func (t *Table[T]) PutIfVersion(ctx context.Context, item T, version string, optFns ...func(*CallOptions)) (Meta, error) {
	return t.put(ctx, "dynamo.PutIfVersion", item, &version, opConditional, optFns)
}

func (t *Table[T]) put(ctx context.Context, op string, item T, expect *string, kind opKind, optFns []func(*CallOptions)) (Meta, error) {
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return Meta{}, err
	}
	av, key, err := t.marshalWithKey(op, item)
	if err != nil {
		return Meta{}, err
	}
	var meta Meta
	r, err := t.route(ctx, op, kind, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		m, err := t.versionedPut(ctx, op, r, api, av, key, expect)
		meta = m
		return err
	})
	if err != nil {
		return Meta{}, err
	}
	if t.ryw != nil {
		t.ryw.record(t.keys.keyString(key), r, meta.Version, false, t.opts.Clock.Now())
	}
	return meta, nil
}

// marshalWithKey marshals item, checks it (no metadata attribute, within
// 400 KB once stamped) and extracts its key.
func (t *Table[T]) marshalWithKey(op string, item T) (av, key map[string]types.AttributeValue, err error) {
	if av, err = marshalItem(op, item); err != nil {
		return nil, nil, err
	}
	if err = t.checkItem(op, av); err != nil {
		return nil, nil, err
	}
	if err = t.checkSize(op, av); err != nil {
		return nil, nil, err
	}
	if key, err = t.keys.extract(op, av); err != nil {
		return nil, nil, err
	}
	return av, key, nil
}

// versionedPut writes av in r over the version current there
// (runVersioned). With expect set, the version must be *expect. A
// tombstone counts as no item ("") and is overwritten, its id becoming the
// new version's Prev.
func (t *Table[T]) versionedPut(ctx context.Context, op string, r multiregion.Region, api API, av, key map[string]types.AttributeValue, expect *string) (Meta, error) {
	w := versionedWrite{op: op, r: r, api: api, key: key, ks: t.keys.keyString(key), expect: expect}
	_, m, err := t.runVersioned(ctx, w, func(ctx context.Context, seen current) (Meta, error) {
		p := t.putOver(r, av, seen)
		in := &dynamodb.PutItemInput{
			TableName: &t.name, Item: p.item,
			ConditionExpression:                 &p.cond,
			ExpressionAttributeNames:            p.names,
			ExpressionAttributeValues:           p.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}
		start := time.Now()
		_, err := api.PutItem(ctx, in)
		return p.m, t.report(ctx, r, start, err, true)
	})
	return m, err
}

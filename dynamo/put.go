package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Put writes item (replacing the whole item) in the nearest healthy
// replica and returns the version it created.
//
// To learn precisely which version it replaces (what conflict detection
// needs), Put first reads the item's current version in the target region
// (a strongly consistent GetItem projecting two attributes), then writes
// with PutItem conditioned on that version still being current, and
// repeats both locally if another write got in between (up to
// Options.VersionRetries). Cost: one extra strongly consistent read (1 RCU
// for the projected attributes) and one extra round trip per Put.
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
// never replayed in another region.
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

// marshalWithKey marshals item and extracts its key. Attributes carrying
// the metadata prefix are the Table's: the caller's values are replaced.
func (t *Table[T]) marshalWithKey(op string, item T) (av, key map[string]types.AttributeValue, err error) {
	if av, err = marshalItem(op, item); err != nil {
		return nil, nil, err
	}
	if key, err = t.keys.extract(op, av); err != nil {
		return nil, nil, err
	}
	return av, key, nil
}

// versionedPut reads the version in r and writes av over it, conditioned
// on it. With expect set, the version must be *expect and a race is a
// mismatch; without, a race is retried locally. A tombstone counts as no
// item ("") and is overwritten, its id becoming the new version's Prev.
func (t *Table[T]) versionedPut(ctx context.Context, op string, r multiregion.Region, api API, av, key map[string]types.AttributeValue, expect *string) (Meta, error) {
	for try := 0; ; try++ {
		seen, err := t.readCurrent(ctx, r, api, key)
		if err != nil {
			return Meta{}, err
		}
		if expect != nil && seen.visibleVersion() != *expect {
			return Meta{}, &VersionMismatchError{Table: t.name, Region: r, Expected: *expect, Actual: seen.visibleVersion()}
		}
		m := t.nextMeta(r, seen.Meta)
		item := maps.Clone(av)
		t.meta.stamp(item, m)
		cond, names, values := t.versionCondition(seen.Version)
		in := &dynamodb.PutItemInput{
			TableName: &t.name, Item: item,
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}
		start := time.Now()
		_, err = api.PutItem(ctx, in)
		if err = t.report(ctx, r, start, err, true); err == nil {
			return m, nil
		}
		if !isConditionFailed(err) {
			return Meta{}, err
		}
		if expect != nil {
			actual, _ := t.readCurrent(ctx, r, api, key) // best effort, for the error
			return Meta{}, &VersionMismatchError{Table: t.name, Region: r, Expected: *expect, Actual: actual.visibleVersion()}
		}
		if try >= t.opts.VersionRetries {
			return Meta{}, &OpError{Op: op, Region: r, Err: fmt.Errorf("item changed under %d consecutive writes in this region: %w", try+1, cause(err))}
		}
	}
}

// versionCondition is "the item is still at seen" (a tombstone included;
// or still absent / has no version, for seen == "").
func (t *Table[T]) versionCondition(seen string) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#mr_v": t.meta.ver}
	if seen == "" {
		return "attribute_not_exists(#mr_v)", names, nil
	}
	return "#mr_v = :mr_seen", names, map[string]types.AttributeValue{":mr_seen": &types.AttributeValueMemberS{Value: seen}}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

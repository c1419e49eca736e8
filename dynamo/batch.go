package dynamo

import (
	"context"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// DynamoDB's batch limits, and how often unprocessed requests are retried
// (with exponential backoff, as AWS recommends) before the region counts
// as throttled and the batch moves on.
const (
	batchGetMax      = 100
	batchWriteMax    = 25
	unprocessedTries = 6
	unprocessedPause = 10 * time.Millisecond
)

// BatchGet reads the items with the given keys (see Get for the key
// forms; duplicates are read once), 100 per BatchGetItem, each batch from
// the nearest healthy replica with failover. Missing items are simply
// absent from the result, whose order is unspecified.
func (t *Table[T]) BatchGet(ctx context.Context, keys []any, optFns ...func(*CallOptions)) ([]Item[T], error) {
	const op = "dynamo.BatchGet"
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return nil, err
	}
	var all []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, k := range keys {
		key, err := t.keyFrom(op, k)
		if err != nil {
			return nil, err
		}
		if s := t.keys.keyString(key); !seen[s] {
			seen[s] = true
			all = append(all, key)
		}
	}
	var out []Item[T]
	for len(all) > 0 {
		n := min(len(all), batchGetMax)
		pending := all[:n]
		all = all[n:]
		var got []map[string]types.AttributeValue
		r, err := t.route(ctx, op, opRead, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
			items, rest, err := t.batchGetIn(ctx, r, api, pending, co.ConsistentRead, nil)
			got, pending = append(got, items...), rest
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, raw := range got {
			t.seeItem(t.keys.keyString(raw), raw) // writes of these keys condition on it (versioned.go)
		}
		for _, raw := range t.meta.visible(got) { // deleted items are absent
			it, err := t.decodeItem(op, r, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, it)
		}
	}
	return out, nil
}

// batchGetIn reads keys in r, retrying unprocessed keys with backoff. It
// returns what it read and the keys still pending. projection, when set,
// names the attributes to read (as #-placeholders of the metadata names).
func (t *Table[T]) batchGetIn(ctx context.Context, r multiregion.Region, api API, keys []map[string]types.AttributeValue, consistent bool, projection *metaProjection) (items, pending []map[string]types.AttributeValue, err error) {
	pending = keys
	for try := 0; len(pending) > 0; try++ {
		ka := types.KeysAndAttributes{Keys: pending}
		if consistent {
			ka.ConsistentRead = aws.Bool(true)
		}
		if projection != nil {
			ka.ProjectionExpression = aws.String(projection.expr)
			ka.ExpressionAttributeNames = projection.names
		}
		out, err := api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{t.name: ka}})
		if err = t.report(ctx, r, time.Time{}, err, false); err != nil {
			return items, pending, err
		}
		items = append(items, out.Responses[t.name]...)
		pending = out.UnprocessedKeys[t.name].Keys
		if len(pending) > 0 {
			if try+1 >= unprocessedTries {
				return items, pending, t.unprocessed(r, len(pending))
			}
			if err := t.pause(ctx, unprocessedPause<<try); err != nil {
				return items, pending, err
			}
		}
	}
	return items, nil, nil
}

// metaProjection reads the key and the version metadata of items.
type metaProjection struct {
	expr  string
	names map[string]string
}

func (t *Table[T]) metaProjection() *metaProjection {
	p := &metaProjection{expr: "#pk, #v, #l, #d", names: map[string]string{"#v": t.meta.ver, "#l": t.meta.lin, "#d": t.meta.del, "#pk": t.keys.pk}}
	if t.keys.sk != "" {
		p.expr += ", #sk"
		p.names["#sk"] = t.keys.sk
	}
	return p
}

// unprocessed is the error for requests DynamoDB kept returning as
// unprocessed: throttling that outlived our retries, a regional failure
// of a request that surely did not apply.
func (t *Table[T]) unprocessed(r multiregion.Region, n int) error {
	return &unprocessedError{n: n, tries: unprocessedTries}
}

// BatchWrite puts and deletes items, 25 requests per BatchWriteItem, each
// batch in the nearest healthy replica with failover (a batch is
// idempotent: replaying a put or a delete sets the same state; requests a
// region already applied are not replayed). It returns the version
// metadata of each put, in order. A key may appear once per call.
//
// BatchWriteItem takes no conditions: each batch first reads the current
// versions (a strongly consistent BatchGetItem of the metadata) to stamp
// Prev, but a write racing the batch in the same region is overwritten
// unseen, and the detector then reports it, rightly, as a lost write.
func (t *Table[T]) BatchWrite(ctx context.Context, puts []T, deletes []any, optFns ...func(*CallOptions)) ([]Meta, error) {
	const op = "dynamo.BatchWrite"
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return nil, err
	}
	reqs, err := t.batchRequests(op, puts, deletes)
	if err != nil {
		return nil, err
	}
	metas := make([]Meta, len(puts))
	for len(reqs) > 0 {
		n := min(len(reqs), batchWriteMax)
		pending := reqs[:n]
		reqs = reqs[n:]
		_, err := t.route(ctx, op, opIdempotent, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
			var err error
			pending, err = t.batchWriteIn(ctx, r, api, pending, metas)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return metas, nil
}

// writeReq is one request of a BatchWrite: a put (index into puts) or a delete.
type writeReq struct {
	put  int // index of the put, or -1 for a delete
	item map[string]types.AttributeValue
	key  map[string]types.AttributeValue
}

func (t *Table[T]) batchRequests(op string, puts []T, deletes []any) ([]writeReq, error) {
	reqs := make([]writeReq, 0, len(puts)+len(deletes))
	seen := map[string]bool{}
	add := func(w writeReq) error {
		s := t.keys.keyString(w.key)
		if seen[s] {
			return &InputError{Op: op, Reason: "a key appears twice in one batch (DynamoDB rejects it)"}
		}
		seen[s] = true
		reqs = append(reqs, w)
		return nil
	}
	for i, p := range puts {
		av, key, err := t.marshalWithKey(op, p)
		if err == nil {
			err = add(writeReq{put: i, item: av, key: key})
		}
		if err != nil {
			return nil, err
		}
	}
	for _, d := range deletes {
		key, err := t.keyFrom(op, d)
		if err == nil {
			err = add(writeReq{put: -1, key: key})
		}
		if err != nil {
			return nil, err
		}
	}
	return reqs, nil
}

// batchWriteIn stamps and writes reqs in r and returns the requests not
// yet applied (all of them after a failed call). In MREC a delete is a
// tombstone put (tombstone.go), or nothing if the item is absent or
// already deleted; in MRSC a DeleteRequest.
func (t *Table[T]) batchWriteIn(ctx context.Context, r multiregion.Region, api API, reqs []writeReq, metas []Meta) ([]writeReq, error) {
	var readKeys []map[string]types.AttributeValue
	for _, w := range reqs {
		if w.put >= 0 || t.mode != MRSC {
			readKeys = append(readKeys, w.key)
		}
	}
	seen := map[string]Meta{}
	if len(readKeys) > 0 {
		items, _, err := t.batchGetIn(ctx, r, api, readKeys, true, t.metaProjection())
		if err != nil {
			return reqs, err
		}
		for _, it := range items {
			seen[t.keys.keyString(it)] = t.meta.parse(it)
		}
	}
	byReq := map[string]writeReq{}
	var wrs []types.WriteRequest
	for _, w := range reqs {
		ks := t.keys.keyString(w.key)
		byReq[ks] = w
		switch cur, exists := seen[ks]; {
		case w.put < 0 && t.mode == MRSC:
			wrs = append(wrs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: w.key}})
		case w.put < 0 && (!exists || cur.Deleted):
			// nothing to delete
		case w.put < 0:
			item, _ := t.tombstone(r, w.key, cur)
			wrs = append(wrs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		default:
			m := t.nextMeta(r, cur)
			item := maps.Clone(w.item)
			t.meta.stamp(item, m)
			metas[w.put] = m
			wrs = append(wrs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
	}
	for try := 0; len(wrs) > 0; try++ {
		out, err := api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{t.name: wrs}})
		if err = t.report(ctx, r, time.Time{}, err, true); err != nil {
			return pendingOf(t, wrs, byReq), err
		}
		wrs = out.UnprocessedItems[t.name]
		if len(wrs) == 0 {
			break
		}
		if try+1 >= unprocessedTries {
			return pendingOf(t, wrs, byReq), t.unprocessed(r, len(wrs))
		}
		if err := t.pause(ctx, unprocessedPause<<try); err != nil {
			return pendingOf(t, wrs, byReq), err
		}
	}
	return nil, nil
}

// pendingOf maps write requests back to the BatchWrite requests they came from.
func pendingOf[T any](t *Table[T], wrs []types.WriteRequest, byReq map[string]writeReq) []writeReq {
	out := make([]writeReq, 0, len(wrs))
	for _, w := range wrs {
		var key map[string]types.AttributeValue
		switch {
		case w.PutRequest != nil:
			key = w.PutRequest.Item
		case w.DeleteRequest != nil:
			key = w.DeleteRequest.Key
		}
		k, err := t.keys.extract("dynamo.BatchWrite", key)
		if err != nil {
			continue
		}
		out = append(out, byReq[t.keys.keyString(k)])
	}
	return out
}

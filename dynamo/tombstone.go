package dynamo

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Tombstones (MREC).
//
// Why a Delete writes a version instead of removing the item: last writer
// wins compares a delete like any write, but a REMOVE stream record has no
// new image, so nothing says which delete removed a version or whether
// that delete had seen it, and once the item is gone the next write
// arrives as an INSERT with no old image either. A delete that lost, or a
// write lost to a delete, would then leave no trace in any stream. So in
// MREC a Delete is a conditional PutItem of a tombstone: the key, the
// metadata of a new version (Prev = the version deleted, Lineage, origin,
// HLC) and <prefix>del = true. Every loss involving a delete is then a
// MODIFY record like any other (tombstone over a write it never saw, or a
// write over a tombstone it never saw), judged by the same rule, and a
// write after a delete names the tombstone as its Prev.
//
// The Table hides tombstones: Get answers ErrNotFound, BatchGet and
// TransactGet skip them, Query filters them out on the server. Put,
// Update and PutIfVersion(item, "") treat one as no item and replace it.
// A caller's condition on a tombstone sees an absent item: its key
// attributes are renamed to <prefix>none, which no item has (see
// absentKeyNames). The tombstone stays until something overwrites it, or,
// with Options.TombstoneTTL, until DynamoDB TTL on <prefix>exp removes it.
// MRSC has no silent conflicts: there a Delete is a plain DeleteItem.

// isTombstone reports whether raw is a tombstone the Table wrote.
func (n metaNames) isTombstone(raw map[string]types.AttributeValue) bool {
	b, ok := raw[n.del].(*types.AttributeValueMemberBOOL)
	return ok && b.Value
}

// visible drops tombstones from items, in place.
func (n metaNames) visible(items []map[string]types.AttributeValue) []map[string]types.AttributeValue {
	out := items[:0]
	for _, it := range items {
		if !n.isTombstone(it) {
			out = append(out, it)
		}
	}
	return out
}

// tombstone is the item a Delete writes over seen in region r.
func (t *Table[T]) tombstone(r multiregion.Region, key map[string]types.AttributeValue, seen Meta) (map[string]types.AttributeValue, Meta) {
	m := t.nextMeta(r, seen)
	m.Deleted = true
	item := maps.Clone(key)
	t.meta.stamp(item, m)
	if ttl := t.opts.TombstoneTTL; ttl > 0 {
		at := t.opts.Clock.Now().Add(ttl).Unix()
		item[t.meta.exp] = &types.AttributeValueMemberN{Value: strconv.FormatInt(at, 10)}
	}
	return item, m
}

// current is what a versioned write needs to know of the item in a region.
type current struct {
	Meta
	exists bool // an item (tombstones included) is stored under the key
}

// live reports whether an item the caller can see is there.
func (c current) live() bool { return c.exists && !c.Deleted }

// visibleVersion is the version a caller sees: "" for no item or a tombstone.
func (c current) visibleVersion() string {
	if c.live() {
		return c.Version
	}
	return ""
}

// readCurrent reads the metadata of the item at key in r, strongly
// consistent, projecting only the key, the version, its lineage and the
// tombstone flag.
func (t *Table[T]) readCurrent(ctx context.Context, r multiregion.Region, api API, key map[string]types.AttributeValue) (current, error) {
	in := &dynamodb.GetItemInput{
		TableName: &t.name, Key: key, ConsistentRead: aws.Bool(true),
		ProjectionExpression:     aws.String("#k, #v, #l, #d"),
		ExpressionAttributeNames: map[string]string{"#k": t.keys.pk, "#v": t.meta.ver, "#l": t.meta.lin, "#d": t.meta.del},
	}
	start := time.Now()
	out, err := api.GetItem(ctx, in)
	if err = t.report(ctx, r, start, err, false); err != nil {
		return current{}, err
	}
	return current{Meta: t.meta.parse(out.Item), exists: out.Item != nil}, nil
}

// absentKeyNames returns the caller's expression attribute names with
// every placeholder that names a key attribute renamed to <prefix>none,
// when the item is a tombstone: DynamoDB then evaluates the caller's
// condition as on an absent item (attribute_exists(pk) is false,
// attribute_not_exists(pk) true), which is what the caller sees. A
// placeholder also used by the update expression is left alone (an update
// cannot set a key attribute, so only a read of one there is affected).
func (t *Table[T]) absentKeyNames(names map[string]string, update string) map[string]string {
	var out map[string]string
	for ph, name := range names {
		if (name != t.keys.pk && (t.keys.sk == "" || name != t.keys.sk)) || usesPlaceholder(update, ph) {
			continue
		}
		if out == nil {
			out = maps.Clone(names)
		}
		out[ph] = t.meta.none
	}
	if out == nil {
		return names
	}
	return out
}

// usesPlaceholder reports whether expr contains the placeholder ph as a
// whole token (#1 is not in #10).
func usesPlaceholder(expr, ph string) bool {
	for i := 0; ; {
		j := strings.Index(expr[i:], ph)
		if j < 0 {
			return false
		}
		end := i + j + len(ph)
		if end == len(expr) || !isNameChar(expr[end]) {
			return true
		}
		i = end
	}
}

func isNameChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

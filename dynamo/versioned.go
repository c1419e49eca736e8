package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// A versioned write (Put, PutIfVersion, Delete, Update, and each put and
// delete of a TransactWrite) replaces a version it names: the write is
// conditioned on the item still being at that version, and the new
// version records it as Prev. That is what lets the detector tell a write
// that saw its predecessor from one that overwrote it unseen.
//
// One round trip in the common cases: the version assumed is the one this
// Table last saw of the key (versionCache, fed by its Gets and writes),
// or "no item" for a key it never saw. When the assumption is wrong the
// condition fails and, with ReturnValuesOnConditionCheckFailure=ALL_OLD,
// DynamoDB returns the item as it is: the write learns the version from
// the failure and retries once with it. Only a blind overwrite of an item
// this Table never saw costs two round trips. A store that does not
// return the item (no ALL_OLD support, or no item stored) costs a read.

// versionedWrite is what runVersioned needs to know of one write.
type versionedWrite struct {
	op  string
	r   multiregion.Region
	api API
	key map[string]types.AttributeValue
	ks  string // keySchema.keyString(key)
	// expect, when set, is the version the caller requires (PutIfVersion;
	// "" = no visible item): a mismatch is a *VersionMismatchError.
	expect *string
	// userCond says the request ANDs a caller's condition with the version
	// check: a failure at an unchanged version is then the caller's.
	userCond bool
	// needLive reads the version first unless the cache holds a live item:
	// Delete decides from it whether there is anything to write, which a
	// guess must not decide.
	needLive bool
}

// sendFunc issues the write over seen. It returns the version written,
// with a zero Version when it wrote nothing (a Delete of no item), or the
// SDK error (a condition failure as a *types.ConditionalCheckFailedException,
// with the item when DynamoDB returned it).
type sendFunc func(ctx context.Context, seen current) (Meta, error)

// runVersioned runs w in its region: it assumes a version, sends, and on a
// condition failure learns the current version and sends again (at most
// Options.VersionRetries more times). It returns the version the
// successful write replaced and the one it wrote.
func (t *Table[T]) runVersioned(ctx context.Context, w versionedWrite, send sendFunc) (seen current, m Meta, err error) {
	seen, ok := t.versions.get(w.ks)
	if !ok && !w.needLive && w.expect == nil {
		seen = current{} // never seen: assume no item
	}
	if (w.needLive && !seen.live()) || (w.expect != nil && seen.visibleVersion() != *w.expect) {
		if seen, err = t.readCurrent(ctx, w.r, w.api, w.key); err != nil {
			return current{}, Meta{}, err
		}
		t.versions.put(w.ks, seen)
	}
	for try := 0; ; try++ {
		if w.expect != nil && seen.visibleVersion() != *w.expect {
			return current{}, Meta{}, &VersionMismatchError{Table: t.name, Region: w.r, Expected: *w.expect, Actual: seen.visibleVersion()}
		}
		m, err := send(ctx, seen)
		if err == nil {
			if m.Version != "" {
				t.versions.put(w.ks, current{Meta: m, exists: true})
			}
			return seen, m, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return current{}, Meta{}, err
		}
		now, known := t.failedAt(ccf)
		if !known {
			if now, err = t.readCurrent(ctx, w.r, w.api, w.key); err != nil {
				return current{}, Meta{}, err
			}
		}
		t.versions.put(w.ks, now)
		if w.userCond && now.Version == seen.Version && now.exists == seen.exists {
			return current{}, Meta{}, &ConditionFailedError{Op: w.op, Region: w.r, Err: ccf}
		}
		if try >= t.opts.VersionRetries {
			return current{}, Meta{}, &OpError{Op: w.op, Region: w.r, Err: fmt.Errorf("item changed under %d consecutive writes in this region: %w", try+1, ccf)}
		}
		seen = now
	}
}

// failedAt is the item a condition failure returned (ALL_OLD): known is
// false when it carries none (no item stored, or a store that ignores
// ReturnValuesOnConditionCheckFailure), which only a read can tell apart.
func (t *Table[T]) failedAt(ccf *types.ConditionalCheckFailedException) (current, bool) {
	if ccf.Item == nil {
		return current{}, false
	}
	return current{Meta: t.meta.parse(ccf.Item), exists: true}, true
}

// seeItem records what a read returned of key (raw nil: no item).
func (t *Table[T]) seeItem(ks string, raw map[string]types.AttributeValue) {
	if t.versions != nil {
		t.versions.put(ks, current{Meta: t.meta.parse(raw), exists: raw != nil})
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

package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// txVersions is what a TransactWrite assumes of the versions of its
// versioned items (puts, updates, deletes), from the Table's version
// cache as the single-item writes do (versioned.go), and what it learns
// from a cancellation. A delete decides from liveness whether it writes a
// tombstone or only a check, so a delete of a key not seen live is read
// first. Used by one call: not synchronized.
type txVersions[T any] struct {
	t     *Table[T]
	ops   []TxOp
	ks    []string
	seen  []current
	stale []bool // read (strongly consistent) before the next send
	// ambiguous marks a delete with a caller's condition whose failure came
	// without the item: if the read finds the version unchanged, the
	// failure was the caller's condition, and pending is the answer.
	ambiguous []bool
	pending   error
}

func newTxVersions[T any](t *Table[T], ops []TxOp) *txVersions[T] {
	n := len(ops)
	v := &txVersions[T]{t: t, ops: ops, ks: make([]string, n), seen: make([]current, n), stale: make([]bool, n), ambiguous: make([]bool, n)}
	for i, o := range ops {
		if !o.versioned() {
			continue
		}
		v.ks[i] = t.keys.keyString(o.key)
		v.seen[i], _ = t.versions.get(v.ks[i])
		v.stale[i] = o.kind == txDelete && !v.seen[i].live()
	}
	return v
}

// refresh reads the stale versions in r, in one strongly consistent
// BatchGetItem of the metadata.
func (v *txVersions[T]) refresh(ctx context.Context, r multiregion.Region, api API) error {
	var want []int
	for i, s := range v.stale {
		if s {
			want = append(want, i)
		}
	}
	if len(want) == 0 {
		return nil
	}
	t := v.t
	batch := make([]map[string]types.AttributeValue, len(want))
	for j, i := range want {
		batch[j] = v.ops[i].key
	}
	items, _, err := t.batchGetIn(ctx, r, api, batch, true, t.metaProjection())
	if err != nil {
		return err
	}
	found := make(map[string]map[string]types.AttributeValue, len(items))
	for _, it := range items {
		found[t.keys.keyString(it)] = it
	}
	for _, i := range want {
		it := found[v.ks[i]]
		now := current{Meta: t.meta.parse(it), exists: it != nil}
		if v.ambiguous[i] && now.Version == v.seen[i].Version && now.exists == v.seen[i].exists {
			return v.pending
		}
		v.seen[i], v.stale[i], v.ambiguous[i] = now, false, false
		t.versions.put(v.ks[i], now)
	}
	return nil
}

// wrote records the versions a successful transaction wrote.
func (v *txVersions[T]) wrote(metas []Meta) {
	for i, m := range metas {
		if v.ops[i].versioned() && m.Version != "" {
			v.t.versions.put(v.ks[i], current{Meta: m, exists: true})
		}
	}
}

// learn reads a cancellation: it reports true when only version checks
// failed, having taken the current versions from the items returned
// (ALL_OLD) or marked them to be read; false when the cancellation is the
// caller's answer (a condition of theirs failed, throttling, conflicts
// that outlived the retries, a validation reason).
func (v *txVersions[T]) learn(te *TransactionCanceledError) bool {
	if len(te.Reasons) == 0 {
		return false
	}
	for _, reason := range te.Reasons {
		i := reason.Index
		if reason.Code != ReasonConditionalCheckFailed || i >= len(v.ops) || !v.ops[i].versioned() {
			return false
		}
	}
	for _, reason := range te.Reasons {
		i := reason.Index
		userCond := v.ops[i].kind == txDelete && v.ops[i].expr != nil
		if reason.item == nil { // no item stored, or no ALL_OLD support: read it
			v.stale[i], v.ambiguous[i] = true, userCond
			v.pending = te
			continue
		}
		now := current{Meta: v.t.meta.parse(reason.item), exists: true}
		if userCond && now.Version == v.seen[i].Version && now.exists == v.seen[i].exists {
			return false // the version held: the caller's condition failed
		}
		v.seen[i] = now
		v.t.versions.put(v.ks[i], now)
	}
	return true
}

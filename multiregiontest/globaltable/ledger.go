package globaltable

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// WriteKind says which API produced a write.
type WriteKind string

// Write kinds; BatchWriteItem and TransactWriteItems report per item.
const (
	WritePut    WriteKind = "put"
	WriteUpdate WriteKind = "update"
	WriteDelete WriteKind = "delete"
)

// WriteRecord is the ground truth about one accepted client write. Tests use
// it; an adapter under test never sees it (AWS logs nothing about conflicts).
// A plain value: Writes and LostWrites return copies the caller owns.
type WriteRecord struct {
	Region string // region whose endpoint accepted the write
	Table  string
	Key    string // canonical JSON of the key attributes, e.g. {"pk":{"S":"a"}}
	ID     string // internal id of the version this write created
	// Timestamp is the internal hybrid timestamp (Unix nanoseconds, bumped so
	// every write gets a unique, increasing value) that last writer wins uses.
	Timestamp int64
	// Replaced is the ID of the version current in Region when the write was
	// applied there ("" if the key had never been written in that region).
	Replaced string
	Kind     WriteKind

	incarnation uint64 // table generation, so a recreated table starts afresh
}

// ledger hands out internal ids and timestamps and remembers every write.
// Safe for concurrent use; its mutex is a leaf (nothing else is locked under it).
type ledger struct {
	mu     sync.Mutex
	last   int64
	seq    uint64
	writes []WriteRecord
}

// record assigns the next id and timestamp in one critical section, so id
// order and timestamp order agree, and stores the record.
func (l *ledger) record(rec WriteRecord) WriteRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now().UnixNano()
	if now <= l.last {
		now = l.last + 1 // hybrid clock: wall time, but never equal or backwards
	}
	l.last = now
	l.seq++
	rec.Timestamp = now
	rec.ID = fmt.Sprintf("w%08d", l.seq)
	l.writes = append(l.writes, rec)
	return rec
}

func (l *ledger) all() []WriteRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.writes)
}

// lost computes, per key of table, the writes not on the ancestor chain of
// the winning version. After every write has replicated, the winner is the
// write with the greatest timestamp: it beats every other version wherever
// it is applied, and it is applied everywhere.
func (l *ledger) lost(table string) []WriteRecord {
	type groupKey struct {
		incarnation uint64
		key         string
	}
	groups := map[groupKey][]WriteRecord{}
	for _, w := range l.all() {
		if w.Table == table {
			g := groupKey{w.incarnation, w.Key}
			groups[g] = append(groups[g], w)
		}
	}
	var out []WriteRecord
	for _, ws := range groups {
		byID := make(map[string]WriteRecord, len(ws))
		winner := ws[0]
		for _, w := range ws {
			byID[w.ID] = w
			if w.Timestamp > winner.Timestamp {
				winner = w
			}
		}
		onChain := map[string]bool{}
		for cur, ok := winner, true; ok && !onChain[cur.ID]; cur, ok = byID[cur.Replaced] {
			onChain[cur.ID] = true
		}
		for _, w := range ws {
			if !onChain[w.ID] {
				out = append(out, w)
			}
		}
	}
	slices.SortFunc(out, func(a, b WriteRecord) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return out
}

package dynamo

import (
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Read-your-writes (Options.ReadYourWrites).
//
// The choice: route, don't wait. After this Table writes a key in region A,
// a Get of that key within PropagationWindow goes to A first, strongly
// consistent, which returns that write or a newer one. If A fails, the Get
// fails over as usual, but a replica's answer is accepted only if it holds
// the written version or a descendant of it (Meta.Lineage); otherwise the
// next region is tried, and if none qualifies the Get returns a
// *StaleReadError rather than an older version. Waiting for replication
// instead would add up to a propagation delay (no SLA) to every such read.
//
// Only this Table handle's writes are tracked (other handles, processes
// and hosts are not), only for Get, and for at most RYWTrackedKeys keys.

// rywEntry is the last write of one key through this Table.
type rywEntry struct {
	region  multiregion.Region
	version string // the version written, or the version deleted
	deleted bool
	gone    []string // with deleted: the lineage of the deleted version
	at      time.Time
}

// rywTracker remembers recent writes per key. Safe for concurrent use.
type rywTracker struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	m      map[string]rywEntry
}

func newRYWTracker(max int, window time.Duration) *rywTracker {
	return &rywTracker{max: max, window: window, m: map[string]rywEntry{}}
}

// record notes a write of key in r. A nil tracker records nothing.
func (rt *rywTracker) record(key string, r multiregion.Region, version string, deleted bool, now time.Time) {
	rt.recordEntry(key, rywEntry{region: r, version: version, deleted: deleted, at: now})
}

// recordEntry notes a write. A nil tracker records nothing.
func (rt *rywTracker) recordEntry(key string, e rywEntry) {
	if rt == nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.m) >= rt.max {
		rt.pruneLocked(e.at)
	}
	if len(rt.m) >= rt.max {
		return // every tracked write is recent: this one is not tracked
	}
	rt.m[key] = e
}

// pruneLocked drops entries older than the window.
func (rt *rywTracker) pruneLocked(now time.Time) {
	for k, e := range rt.m {
		if now.Sub(e.at) > rt.window {
			delete(rt.m, k)
		}
	}
}

// lookup returns the write of key if it is within the window.
func (rt *rywTracker) lookup(key string, now time.Time) (rywEntry, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	e, ok := rt.m[key]
	if !ok {
		return e, false
	}
	if now.Sub(e.at) > rt.window {
		delete(rt.m, key)
		return e, false
	}
	return e, true
}

// rywCheck accepts what region r returned for a key last written as
// want, or returns a *StaleReadError (route.Skip: try the next region). The region of the write
// itself is trusted: its strongly consistent read is current there.
func (t *Table[T]) rywCheck(r multiregion.Region, want rywEntry, raw map[string]types.AttributeValue) error {
	if r == want.region {
		return nil
	}
	var ok bool
	switch m := t.meta.parse(raw); {
	case raw == nil:
		ok = want.deleted
	case want.deleted:
		// Any version but the deleted one and its ancestors: a later write.
		ok = m.Version != want.version && !slices.Contains(want.gone, m.Version)
	default:
		ok = m.descendsFrom(want.version)
	}
	if ok {
		return nil
	}
	return &StaleReadError{Table: t.name, WriteRegion: want.region, Want: want.version, Err: errNotReplicated}
}

const errNotReplicated = constError("replica does not hold the write yet")

package docdb

import (
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// rywTracker remembers the _id values this Cluster wrote, per collection,
// for Options.ReadYourWritesWindow. A read whose filter is {_id: v} for a
// remembered v goes to the primary region. It is safe for concurrent use.
type rywTracker struct {
	window time.Duration
	mu     sync.Mutex
	seen   map[string]time.Time
	adds   int
}

// rywMaxKeys bounds the tracker: beyond it, expired keys are dropped, and
// if none has expired the oldest half goes (those reads may then be
// served by a secondary).
const rywMaxKeys = 1 << 16

func newRYWTracker(window time.Duration) *rywTracker {
	return &rywTracker{window: window, seen: map[string]time.Time{}}
}

func rywKey(db, coll string, id bson.RawValue) string {
	return db + "\x00" + coll + "\x00" + string(rune(id.Type)) + string(id.Value)
}

func (t *rywTracker) wrote(key string) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen[key] = now
	t.adds++
	if len(t.seen) > rywMaxKeys || t.adds%4096 == 0 {
		for k, at := range t.seen {
			if now.Sub(at) > t.window {
				delete(t.seen, k)
			}
		}
		if len(t.seen) > rywMaxKeys {
			cut := now.Add(-t.window / 2)
			for k, at := range t.seen {
				if at.Before(cut) {
					delete(t.seen, k)
				}
			}
		}
	}
}

func (t *rywTracker) recent(key string) bool {
	t.mu.Lock()
	at, ok := t.seen[key]
	t.mu.Unlock()
	return ok && time.Since(at) <= t.window
}

package s3mesh

import (
	"sync"
	"time"

	"github.com/regionkit/multiregion"
)

// Read-your-writes (Options.ReadYourWrites): route, don't wait. A Put is
// in the region that took it at once and elsewhere only once replicated,
// so a Get of that key within the window goes first to that region (while
// it is healthy). Only this Mesh's own Puts are tracked.

// rywTracker remembers the region of each key's last Put. Safe for
// concurrent use.
type rywTracker struct {
	mu     sync.Mutex
	window time.Duration
	m      map[string]rywEntry
	puts   int // since the last prune
}

type rywEntry struct {
	region multiregion.Region
	at     time.Time
}

func newRYWTracker(window time.Duration) *rywTracker {
	return &rywTracker{window: window, m: map[string]rywEntry{}}
}

// record notes a Put of key in r. A nil tracker records nothing.
func (t *rywTracker) record(key string, r multiregion.Region, now time.Time) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[key] = rywEntry{region: r, at: now}
	// Prune once per len(m) puts: amortized O(1), and the map holds at
	// most about twice the keys written within a window.
	if t.puts++; t.puts >= len(t.m) {
		t.puts = 0
		for k, e := range t.m {
			if now.Sub(e.at) > t.window {
				delete(t.m, k)
			}
		}
	}
}

// prefer is the region to read key from first: "" when this Mesh did not
// Put it within the window.
func (t *rywTracker) prefer(key string, now time.Time) multiregion.Region {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok || now.Sub(e.at) > t.window {
		return ""
	}
	return e.region
}

package dynamo

import "sync"

// versionCache remembers, per key, the version this Table last saw of the
// item (from its own Gets, BatchGets and writes), so that a versioned
// write can be conditioned on it at once instead of reading the version
// first. It is
// a hint, never trusted: every write is conditioned on the version it
// assumes, and a miss (another writer got in, or the entry is stale)
// returns the current item with the ConditionalCheckFailedException
// (ReturnValuesOnConditionCheckFailure=ALL_OLD), so the write learns it
// and retries once. Bounded: the oldest key inserted is forgotten first
// (a ring, as the detector's dedup set). Safe for concurrent use.
type versionCache struct {
	mu   sync.Mutex
	m    map[string]current
	ring []string // keys in insertion order, at most limit; next is the oldest once full
	next int
	lim  int
}

// newVersionCache returns a cache of n keys, or nil (no caching) for n < 0.
func newVersionCache(n int) *versionCache {
	if n <= 0 {
		return nil
	}
	return &versionCache{m: make(map[string]current, min(n, 1024)), lim: n}
}

// get returns what was last seen of key; ok is false for a key never seen
// (or forgotten).
func (c *versionCache) get(key string) (cur current, ok bool) {
	if c == nil {
		return current{}, false
	}
	c.mu.Lock()
	cur, ok = c.m[key]
	c.mu.Unlock()
	return cur, ok
}

// put records cur as the version of key.
func (c *versionCache) put(key string, cur current) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		c.m[key] = cur
		return
	}
	if len(c.ring) < c.lim {
		c.ring = append(c.ring, key)
	} else {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = key
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[key] = cur
}

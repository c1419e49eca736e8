package detect

import "sync"

// Seen remembers the last capacity version ids, first in first out:
// bounded memory (about 100 bytes per id), exact as long as the sightings
// of one loss in several regions are less than capacity losses apart.
// Not synchronized: its owner guards it (see Once for a guarded use).
type Seen struct {
	ids  map[string]struct{}
	ring []string
	next int
}

// NewSeen returns an empty set remembering up to capacity ids (at least 1).
func NewSeen(capacity int) *Seen {
	capacity = max(capacity, 1)
	return &Seen{ids: make(map[string]struct{}, min(capacity, 1024)), ring: make([]string, capacity)}
}

// Has reports whether id is remembered.
func (d *Seen) Has(id string) bool {
	_, ok := d.ids[id]
	return ok
}

// Len is how many ids are remembered.
func (d *Seen) Len() int { return len(d.ids) }

// Remove forgets id (its ring slot is reused in turn).
func (d *Seen) Remove(id string) { delete(d.ids, id) }

// Add reports whether id is new, and remembers it.
func (d *Seen) Add(id string) bool {
	if _, ok := d.ids[id]; ok {
		return false
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.ids, old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	d.ids[id] = struct{}{}
	return true
}

// Once lets each lost version id through once, as a Lost or as one of
// LostAncestors: a loss seen in several regions is reported once. Safe
// for concurrent use.
type Once struct {
	mu   sync.Mutex
	seen *Seen
}

// NewOnce returns a Once remembering up to capacity ids.
func NewOnce(capacity int) *Once { return &Once{seen: NewSeen(capacity)} }

// Filter returns l with the ancestors already reported removed, and false
// if l.Lost itself was reported already (l is then resolved: nothing of it
// remains to deliver).
func (o *Once) Filter(l Loss) (Loss, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.seen.Add(l.Lost) {
		l.Resolve()
		return l, false
	}
	var kept []string
	for _, a := range l.LostAncestors {
		if o.seen.Add(a) {
			kept = append(kept, a)
		}
	}
	l.LostAncestors = kept
	return l, true
}

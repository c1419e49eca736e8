package dynamo

import (
	"slices"
	"sync"
	"time"
)

// settler holds each lost-write claim for a settle window before it is
// delivered, and drops the claims that turn out wrong.
//
// Why: with three or more replicas, version X can be overwritten in a
// third region by a concurrent write W (the stream there shows X replaced
// by a non-descendant) while X's own successor X2, written in X's region
// before W arrived there, later wins everywhere. X is then not lost: X2
// carries it. The evidence is a version that has X in its lineage and is
// not itself claimed lost, seen in any replica's stream. A claim for X is
// delivered only if no such carrier is known when it settles; if X's line
// loses later after all, the loss of its descendant reports X among its
// LostAncestors. The window must cover the replication delay (a successor
// that saves X is written before W reaches X's region).
//
// Memory is bounded: the last capacity versions seen are remembered as
// carriers, the last capacity claimed ids as claimed. Safe for concurrent use.
type settler struct {
	mu      sync.Mutex
	window  time.Duration
	pending map[string]Conflict // by lost version id
	due     map[string]time.Time
	tickets map[string]*ticket // of the record that claimed it (checkpoint.go)

	carriers map[string][]string // ancestor id -> versions seen whose lineage holds it
	seen     map[string][]string // version seen -> its lineage (ring-bounded)
	ring     []string
	next     int
	claimed  *dedupSet // ids claimed lost (primary or ancestor), not dropped
}

func newSettler(window time.Duration, capacity int) *settler {
	return &settler{
		window: window, pending: map[string]Conflict{}, due: map[string]time.Time{}, tickets: map[string]*ticket{},
		carriers: map[string][]string{}, seen: map[string][]string{},
		ring: make([]string, capacity), claimed: newDedupSet(capacity),
	}
}

// witness records version m, seen in some replica's stream.
func (s *settler) witness(m Meta) {
	if m.Version == "" || len(m.Lineage) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[m.Version]; dup {
		return // the same version replicated into another region
	}
	if old := s.ring[s.next]; old != "" {
		for _, a := range s.seen[old] {
			s.carriers[a] = slices.DeleteFunc(s.carriers[a], func(v string) bool { return v == old })
			if len(s.carriers[a]) == 0 {
				delete(s.carriers, a)
			}
		}
		delete(s.seen, old)
	}
	s.ring[s.next] = m.Version
	s.next = (s.next + 1) % len(s.ring)
	s.seen[m.Version] = m.Lineage
	for _, a := range m.Lineage {
		s.carriers[a] = append(s.carriers[a], m.Version)
	}
}

// claim holds c until its window ends, and tk until c is resolved. A
// second claim of a pending loss is ignored (false): the first claimer's
// record is replayed if it is never delivered.
func (s *settler) claim(c Conflict, now time.Time, tk *ticket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[c.Lost.Version]; ok {
		return false
	}
	s.pending[c.Lost.Version] = c
	s.due[c.Lost.Version] = now.Add(s.window)
	s.tickets[c.Lost.Version] = tk
	s.claimed.add(c.Lost.Version)
	for _, a := range c.LostAncestors {
		s.claimed.add(a)
	}
	return true
}

// settled is a claim that stood, with its ticket, to resolve once delivered.
type settled struct {
	c  Conflict
	tk *ticket
}

// carried reports whether a version not claimed lost descends from id.
func (s *settler) carried(id string) bool {
	for _, v := range s.carriers[id] {
		if !s.claimed.has(v) {
			return true
		}
	}
	return false
}

// settle returns the claims due at now (all of them with force) that
// still stand, oldest detection first; ancestors still carried are dropped.
// The tickets of dropped claims are resolved here.
func (s *settler) settle(now time.Time, force bool) []settled {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []settled
	for id, c := range s.pending {
		if !force && now.Before(s.due[id]) {
			continue
		}
		tk := s.tickets[id]
		delete(s.pending, id)
		delete(s.due, id)
		delete(s.tickets, id)
		if s.carried(id) {
			s.claimed.remove(id) // not lost: its line lives on
			if tk != nil {
				tk.done.Store(true)
			}
			continue
		}
		c.LostAncestors = slices.DeleteFunc(slices.Clone(c.LostAncestors), s.carried)
		out = append(out, settled{c, tk})
	}
	slices.SortFunc(out, func(a, b settled) int { return a.c.DetectedAt.Compare(b.c.DetectedAt) })
	return out
}

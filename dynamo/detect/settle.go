package detect

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
	pending map[string]Loss // by lost version id
	due     map[string]time.Time

	carriers map[string][]string // ancestor id -> versions seen whose lineage holds it
	seen     map[string][]string // version seen -> its lineage (ring-bounded)
	ring     []string
	next     int
	claimed  *Seen // ids claimed lost (primary or ancestor), not dropped
}

func newSettler(window time.Duration, capacity int) *settler {
	return &settler{
		window: window, pending: map[string]Loss{}, due: map[string]time.Time{},
		carriers: map[string][]string{}, seen: map[string][]string{},
		ring: make([]string, capacity), claimed: NewSeen(capacity),
	}
}

// witness records version v with its lineage, seen in some replica's stream.
func (s *settler) witness(v string, lineage []string) {
	if v == "" || len(lineage) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[v]; dup {
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
	s.ring[s.next] = v
	s.next = (s.next + 1) % len(s.ring)
	s.seen[v] = lineage
	for _, a := range lineage {
		s.carriers[a] = append(s.carriers[a], v)
	}
}

// claim holds l (and its ticket) until its window ends. A second claim
// of a pending loss is ignored (false): the first claimer's record is
// replayed if it is never delivered.
func (s *settler) claim(l Loss, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[l.Lost]; ok {
		return false
	}
	s.pending[l.Lost] = l
	s.due[l.Lost] = now.Add(s.window)
	s.claimed.Add(l.Lost)
	for _, a := range l.LostAncestors {
		s.claimed.Add(a)
	}
	return true
}

// carried reports whether a version not claimed lost descends from id.
func (s *settler) carried(id string) bool {
	for _, v := range s.carriers[id] {
		if !s.claimed.Has(v) {
			return true
		}
	}
	return false
}

// settle returns the claims due at now (all of them with force) that
// still stand, oldest detection first; ancestors still carried are dropped.
// The tickets of dropped claims are resolved here.
func (s *settler) settle(now time.Time, force bool) []Loss {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Loss
	for id, l := range s.pending {
		if !force && now.Before(s.due[id]) {
			continue
		}
		delete(s.pending, id)
		delete(s.due, id)
		if s.carried(id) {
			s.claimed.Remove(id) // not lost: its line lives on
			l.Resolve()
			continue
		}
		l.LostAncestors = slices.DeleteFunc(slices.Clone(l.LostAncestors), s.carried)
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Loss) int { return a.DetectedAt.Compare(b.DetectedAt) })
	return out
}

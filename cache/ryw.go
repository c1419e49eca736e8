package cache

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// rywState is read-your-writes (Options.ReadYourWrites): the time of the
// Store's last routed write and the primary it went to. A replica may
// serve a read only once its replication offset has passed the primary's
// offset sampled after that write (the lag measurement samples both, every
// LagInterval: no WAIT, no extra round trip per write); until a sample
// proves it, reads go to the primary. Safe for concurrent use.
type rywState struct {
	mu     sync.Mutex
	at     time.Time          // the last write's end; zero: no write yet
	writer multiregion.Region // where it went
}

func (w *rywState) wrote(r multiregion.Region, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if at.After(w.at) {
		w.at, w.writer = at, r
	}
}

func (w *rywState) last() (time.Time, multiregion.Region) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at, w.writer
}

// caughtUp returns, of the replicas in candidates, those whose last
// measured offset has passed the primary's first offset sampled at or
// after the write at `at`. ok is false when no such primary sample exists yet.
func (t *lagTracker) caughtUp(at time.Time, candidates []multiregion.Region) (out []multiregion.Region, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	target := int64(-1)
	for _, s := range t.hist {
		if !s.at.Before(at) {
			target = s.off
			break
		}
	}
	if target < 0 {
		return nil, false
	}
	for _, r := range candidates {
		if o, ok := t.offsets[r]; ok && !o.at.Before(at) && o.off >= target {
			out = append(out, r)
		}
	}
	return out, true
}

// rywAllowed is the read candidates under read-your-writes: every reader
// when there was no write (or the primary moved since), else the primary
// and the replicas that caught up with the last write.
func (s *Store) rywAllowed() multiregion.RegionSet {
	readers := s.kit.Readers()
	at, writer := s.ryw.last()
	topo := s.kit.Topology()
	if at.IsZero() || writer != topo.Writer {
		return readers
	}
	var reps []multiregion.Region
	for _, m := range topo.Members {
		if m.Role != singlewriter.RoleWriter {
			reps = append(reps, m.Region)
		}
	}
	allowed := s.kit.WriterSet()
	if s.lag == nil {
		return allowed
	}
	ok, _ := s.lag.caughtUp(at, reps)
	for _, r := range ok {
		if i, err := s.mr.Index(r); err == nil && readers.Has(i) {
			allowed = allowed.With(i)
		}
	}
	return allowed
}

// rywRead runs a routed read within rywAllowed through the shared call loop.
func (s *Store) rywRead(ctx context.Context, op string, fn singlewriter.AttemptFunc[redis.UniversalClient]) (multiregion.Region, error) {
	return s.loop.Run(ctx, route.Call{Op: op, Kind: route.Read, Allowed: s.rywAllowed()}, func(ctx context.Context, a *route.Attempt) error {
		c, err := s.kit.Client(ctx, a.Region)
		if err != nil {
			return err
		}
		return fn(ctx, a.Region, c)
	})
}

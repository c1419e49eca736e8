package singlewriter

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/regionkit/multiregion"
)

// load is one call of the Source, shared by every caller that asked for a
// refresh while it ran. err is written under Kit.mu before done closes.
type load struct {
	done chan struct{}
	err  error
	seq  uint64 // the loads started before it, plus one (Kit.started)
}

// Refresh loads the topology now. Concurrent calls coalesce: a call that
// arrives while a load runs waits for that load instead of starting
// another, so N callers cost one control-plane call. The load runs with
// its own context (Options.RefreshTimeout, ended by Close) and ctx's
// values: a caller whose ctx ends returns ctx.Err() at once and the load
// goes on for the others.
//
// A failed load, or one that returned an invalid topology, keeps the last
// good topology; Refresh returns its error (a *SourceError or a
// *TopologyError) and Status records it. A successful load that changed
// anything publishes a new Topology with the next Generation.
func (k *Kit[C]) Refresh(ctx context.Context) error {
	if ctx == nil {
		return &InputError{Op: "singlewriter.Refresh", Arg: "ctx", Reason: "nil context"}
	}
	return k.refresh(ctx, "Refresh")
}

func (k *Kit[C]) refresh(ctx context.Context, op string) error {
	return k.refreshAfter(ctx, op, 0)
}

// refreshAfter is refresh by a load that started after the first `after`
// loads did: joining a load that began earlier, it waits for that one and
// then runs (or joins) another. A caller that saw the writer fail needs
// this: a load already running when it failed may have read the control
// plane before the writer moved (a lag round's reload after a promotion,
// say), and its answer would send the next writes to the old writer again.
// At most two loads: any load running after the first ends began after it.
func (k *Kit[C]) refreshAfter(ctx context.Context, op string, after uint64) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l, err := k.startLoad(ctx, op)
		if err != nil {
			return err
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return ctx.Err()
		case <-k.base.Done():
			return closedError(k.opts.Store, op)
		}
		if l.seq > after {
			return l.err
		}
	}
}

// loadsStarted is how many loads have started: a later refreshAfter with
// it runs on a load that begins from now on.
func (k *Kit[C]) loadsStarted() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.started
}

// WriterMoved is the hook for a write the server refused as read-only: the
// writer has probably moved. seenGeneration is the Generation of the
// topology the write was routed by. If the writer has changed since that
// generation (another caller refreshed already), WriterMoved returns the
// current topology without a load; otherwise it refreshes (coalesced, as
// Refresh) and returns the topology then current.
//
// moved reports whether the returned topology's writer became the writer
// after seenGeneration: only then is the refused write worth retrying,
// once, on t.Writer (a refused write was not applied). err is non-nil only
// when the writer is not known to have moved and the refresh failed. t is
// never nil.
//
// Only a change of writer since seenGeneration skips the load: lag-only
// changes bump the generation too, and must not hide a switchover. The
// load is one that starts after WriterMoved was called: a load already
// running then may have read the control plane from just before the
// switchover, so WriterMoved waits for it and runs one more.
func (k *Kit[C]) WriterMoved(ctx context.Context, seenGeneration uint64) (t *Topology, moved bool, err error) {
	const op = "WriterMoved"
	if ctx == nil {
		return k.Topology(), false, &InputError{Op: "singlewriter." + op, Arg: "ctx", Reason: "nil context"}
	}
	if k.closed.Load() {
		return k.Topology(), false, closedError(k.opts.Store, op)
	}
	after := k.loadsStarted()
	if s := k.snap.Load(); s.writerSince > seenGeneration {
		return &s.topo, true, nil
	}
	err = k.refreshAfter(ctx, op, after)
	s := k.snap.Load()
	if s.writerSince > seenGeneration {
		return &s.topo, true, nil
	}
	return &s.topo, false, err
}

// startLoad joins the running load or starts one.
func (k *Kit[C]) startLoad(ctx context.Context, op string) (*load, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed.Load() { // checked under mu: no wg.Add after Close's Wait began
		return nil, closedError(k.opts.Store, op)
	}
	if k.inflight != nil {
		return k.inflight, nil
	}
	k.started++
	l := &load{done: make(chan struct{}), seq: k.started}
	k.inflight = l
	lctx, cancel := k.detach(ctx, k.opts.RefreshTimeout)
	k.wg.Add(1)
	go k.runLoad(lctx, cancel, l)
	return l, nil
}

// runLoad is the goroutine of one load.
func (k *Kit[C]) runLoad(ctx context.Context, cancel context.CancelFunc, l *load) {
	defer k.wg.Done()
	t, err := k.callSource(ctx)
	cancel()
	retired := k.finishLoad(l, t, err)
	close(l.done)
	k.retire(retired)
}

// finishLoad records the outcome of load l and publishes a changed
// topology. It returns the clients the change made stale.
func (k *Kit[C]) finishLoad(l *load, t Topology, err error) []retiree[C] {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.inflight = nil
	if k.closed.Load() {
		l.err = closedError(k.opts.Store, "Refresh")
		return nil
	}
	now := k.opts.Clock.Now()
	k.status.LastAttempt = now
	if err != nil {
		err = &SourceError{Store: k.opts.Store, Err: err}
	} else {
		prev := k.snap.Load()
		var next *snapshot
		var leftOut []Member
		if next, leftOut, err = k.prepare(t, prev, now); err == nil {
			k.logLeftOut(k.status.LeftOut, leftOut)
			k.tel.Refresh(k.opts.Store, nil)
			if k.status.ConsecutiveFailures > 0 {
				k.opts.Logger.Info("singlewriter: topology refresh recovered", "store", k.opts.Store,
					"failures", k.status.ConsecutiveFailures)
			}
			k.status.LastSuccess, k.status.LastError, k.status.ConsecutiveFailures, k.status.LeftOut = now, nil, 0, leftOut
			if next == nil {
				return nil
			}
			k.snap.Store(next)
			k.logChange(prev, next)
			return k.invalidate(next)
		}
	}
	k.status.LastError = err
	k.status.ConsecutiveFailures++
	l.err = err
	k.tel.Refresh(k.opts.Store, err)
	// Warn once per streak of failures (a control plane down for an hour
	// is one event, not one per refresh interval); the rest at Debug, and
	// the recovery at Info.
	level := slog.LevelDebug
	if k.status.ConsecutiveFailures == 1 {
		level = slog.LevelWarn
	}
	k.opts.Logger.Log(context.Background(), level, "singlewriter: topology refresh failed; keeping the last good topology",
		"store", k.opts.Store, "generation", k.snap.Load().topo.Generation,
		"consecutive_failures", k.status.ConsecutiveFailures, "error", err)
	return nil
}

// prepare validates a loaded topology and builds its snapshot: a deep copy
// holding the members inside the Client's regions, in the Client's order,
// so that the order a control plane lists them in does not count as a
// change. It returns a nil snapshot when nothing changed since prev, and
// the members left out.
func (k *Kit[C]) prepare(t Topology, prev *snapshot, now time.Time) (*snapshot, []Member, error) {
	t = t.Clone()
	outIdx, err := check(&t, k.opts.Kind, k.opts.Store, k.inClient, k.opts.AllowPartial)
	if err != nil {
		return nil, nil, err
	}
	var kept, leftOut []Member
	for i, m := range t.Members {
		if slices.Contains(outIdx, i) {
			leftOut = append(leftOut, m)
		} else {
			kept = append(kept, m)
		}
	}
	slices.SortFunc(kept, func(a, b Member) int { return cmp.Compare(k.idx[a.Region], k.idx[b.Region]) })
	cand := Topology{Writer: t.Writer, Members: kept, Attributes: t.Attributes}
	if len(cand.Attributes) == 0 {
		cand.Attributes = nil
	}
	if prev != nil && sameContent(&prev.topo, &cand) {
		return nil, leftOut, nil
	}
	s := &snapshot{topo: cand, writerSince: 1}
	s.topo.Generation, s.topo.LoadedAt = 1, now
	if prev != nil {
		s.topo.Generation = prev.topo.Generation + 1
		s.writerSince = prev.writerSince
		if prev.topo.Writer != cand.Writer {
			s.writerSince = s.topo.Generation
		}
	}
	for _, m := range kept {
		i := k.idx[m.Region]
		if m.Role == RoleWriter {
			s.writers = s.writers.With(i)
		}
		if m.Role == RoleWriter || !m.LagKnown || k.opts.MaxLag == 0 || m.Lag <= k.opts.MaxLag {
			s.readers = s.readers.With(i)
		}
	}
	return s, leftOut, nil
}

// logChange logs a published change: Info when the writer moved.
func (k *Kit[C]) logChange(prev, next *snapshot) {
	if prev.topo.Writer != next.topo.Writer {
		k.tel.WriterMoved(k.opts.Store, string(next.topo.Writer))
		k.opts.Logger.Info("singlewriter: writer moved", "store", k.opts.Store,
			"from", string(prev.topo.Writer), "to", string(next.topo.Writer), "generation", next.topo.Generation)
		return
	}
	k.opts.Logger.Debug("singlewriter: topology changed", "store", k.opts.Store, "generation", next.topo.Generation)
}

// run is the refresh loop: one load every RefreshInterval (measured from
// the end of the last one, so a slow control plane is not called more
// often), and the watch of Options.Done.
func (k *Kit[C]) run() {
	defer k.wg.Done()
	for {
		var tick <-chan time.Time
		var t multiregion.Timer
		if k.opts.RefreshInterval > 0 {
			t = k.opts.Clock.NewTimer(k.opts.RefreshInterval)
			tick = t.C()
		}
		select {
		case <-k.base.Done():
			stopTimer(t)
			return
		case <-k.opts.Done:
			stopTimer(t)
			k.closeFromDone()
			return
		case <-tick:
		}
		l, err := k.startLoad(k.base, "refresh")
		if err != nil {
			return
		}
		select {
		case <-l.done:
		case <-k.base.Done():
			return
		case <-k.opts.Done:
			k.closeFromDone()
			return
		}
	}
}

func (k *Kit[C]) closeFromDone() {
	if err := k.shutdown(); err != nil {
		k.opts.Logger.Warn("singlewriter: closing clients", "store", k.opts.Store, "error", err)
	}
}

func stopTimer(t multiregion.Timer) {
	if t != nil {
		t.Stop()
	}
}

// detach returns a context for work that several callers share: it keeps
// ctx's values but not its cancellation, and ends after d or at Close.
func (k *Kit[C]) detach(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	stop := context.AfterFunc(k.base, cancel)
	return c, func() { stop(); cancel() }
}

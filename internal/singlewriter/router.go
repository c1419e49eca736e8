package singlewriter

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Router runs a single-writer store's calls through the shared call loop
// (internal/route): reads on the nearest healthy region among the writer
// and the replicas within MaxLag, writes on the writer only. A write
// pinned to another region is a *multiregion.WriteRegionError before any
// network traffic; a write the server refused as read-only (class
// route.WriterMoved) refreshes the topology (WriterMoved, from the
// generation the call started with) and is retried once, on the new
// writer. A Router is safe for concurrent use.
type Router[C any] struct {
	kit  *Kit[C]
	loop *route.Loop

	// mu guards the reloads regional write failures trigger: running is
	// the running one's done channel (nil when none runs), lastAt when
	// the last one ended.
	mu      sync.Mutex
	running chan struct{}
	lastAt  time.Time

	// liveLag, when set (SetLiveLag), answers a read's own MaxLag from the
	// adapter's latest measurement instead of the topology's, which is only
	// refreshed when a replica crosses the store's MaxLag.
	liveLag func(multiregion.Region) (time.Duration, bool)
}

// SetLiveLag gives per-call MaxLag bounds a fresher source of lag than the
// topology. Call it once, before the first read.
func (rt *Router[C]) SetLiveLag(f func(multiregion.Region) (time.Duration, bool)) { rt.liveLag = f }

// readersWithin is the read set of a call bounded by maxLag (0: the store's).
func (rt *Router[C]) readersWithin(maxLag time.Duration) multiregion.RegionSet {
	if maxLag <= 0 || rt.liveLag == nil {
		return rt.kit.ReadersWithin(maxLag)
	}
	set := rt.kit.Readers()
	for _, m := range rt.kit.Topology().Members {
		if m.Role == RoleWriter {
			continue
		}
		if lag, ok := rt.liveLag(m.Region); ok && lag > maxLag {
			set &^= 1 << rt.kit.idx[m.Region]
		}
	}
	return set | rt.kit.WriterSet()
}

// NewRouter wires k to the store's routing state st with the adapter's
// classifier; final, when non-nil, shapes the errors that are not
// regional failures (route.Loop.Final). st's Status then shows k's
// topology if st was registered with TopologyStatusFunc(k).
func NewRouter[C any](k *Kit[C], st *multiregion.Store, cl route.Classifier, final func(op string, r multiregion.Region, c route.Class, err error) error) *Router[C] {
	return &Router[C]{kit: k, loop: &route.Loop{Store: st, Classifier: cl, Final: final, Logger: k.opts.Logger}}
}

// TopologyStatusFunc is StoreOptions.Topology for k: Status then shows the
// writer, the generation and how the last refresh went.
func TopologyStatusFunc[C any](k *Kit[C]) func() multiregion.TopologyStatus {
	return func() multiregion.TopologyStatus {
		s := k.Status()
		t := k.Topology()
		return multiregion.TopologyStatus{Writer: s.Writer, Generation: s.Generation, LoadedAt: t.LoadedAt,
			LastAttempt: s.LastAttempt, LastError: s.LastError, ConsecutiveFailures: s.ConsecutiveFailures}
	}
}

// AttemptFunc runs a call once in r with that region's client.
type AttemptFunc[C any] func(ctx context.Context, r multiregion.Region, client C) error

// Read runs fn on the nearest healthy reader (the writer counts as one),
// failing over in rank order; pin, when set, is the only region tried.
func (rt *Router[C]) Read(ctx context.Context, op string, pin multiregion.Region, fn AttemptFunc[C]) (multiregion.Region, error) {
	if err := rt.kit.Err(); err != nil {
		return "", err
	}
	return rt.loop.Run(ctx, route.Call{Op: op, Kind: route.Read, Allowed: rt.kit.Readers(), Pin: pin}, rt.attempt(fn))
}

// ReadWith is Read bounded and steered by ro (a handle's read options):
// readers within ro.MaxLag, less ro.Exclude, ro.Prefer first.
func (rt *Router[C]) ReadWith(ctx context.Context, op string, pin multiregion.Region, ro multiregion.ResolvedRead, fn AttemptFunc[C]) (multiregion.Region, error) {
	if err := rt.kit.Err(); err != nil {
		return "", err
	}
	return rt.loop.Run(ctx, rt.readCall(op, pin, ro), rt.attempt(fn))
}

func (rt *Router[C]) readCall(op string, pin multiregion.Region, ro multiregion.ResolvedRead) route.Call {
	return route.Call{Op: op, Kind: route.Read, Allowed: rt.readersWithin(ro.MaxLag), Pin: pin,
		Exclude: ro.Exclude, Prefer: ro.Prefer, Hedge: ro.Hedge}
}

// PickRead returns the nearest healthy reader within ro and its client,
// without running a call: for adapters that hand out a region's client
// (aurora's Reader). A client that cannot be built fails over as a read
// does; no latency sample is taken, since nothing went over the network.
func (rt *Router[C]) PickRead(ctx context.Context, op string, pin multiregion.Region, ro multiregion.ResolvedRead) (multiregion.Region, C, error) {
	var c C
	if err := rt.kit.Err(); err != nil {
		return "", c, err
	}
	call := rt.readCall(op, pin, ro)
	call.NoLatency, call.Hedge = true, multiregion.HedgeOff
	r, err := rt.loop.Run(ctx, call, func(ctx context.Context, a *route.Attempt) error {
		var err error
		c, err = rt.kit.Client(ctx, a.Region)
		return err
	})
	return r, c, err
}

// Hedged reports whether a read with mode would be hedged (ReadValue).
func (rt *Router[C]) Hedged(mode multiregion.HedgeMode) bool {
	return rt.loop.Hedged(route.Call{Kind: route.Read, Hedge: mode})
}

// SetHedge hedges the router's point reads (ReadValue) with h. Call it
// once, before the first read.
func (rt *Router[C]) SetHedge(h multiregion.Hedge) { rt.loop.Hedge = route.NewHedger(h) }

// ReadValue is ReadWith for a read that returns a value, and the one that
// may be hedged (route.RunValue): fn may run twice at once, in two regions,
// and must keep its result in its return value only.
func ReadValue[C, T any](ctx context.Context, rt *Router[C], op string, pin multiregion.Region, ro multiregion.ResolvedRead, fn func(ctx context.Context, r multiregion.Region, client C) (T, error)) (T, multiregion.Region, error) {
	if err := rt.kit.Err(); err != nil {
		var zero T
		return zero, "", err
	}
	return route.RunValue(ctx, rt.loop, rt.readCall(op, pin, ro), func(ctx context.Context, a *route.Attempt) (T, error) {
		c, err := rt.kit.Client(ctx, a.Region)
		if err != nil {
			var zero T
			return zero, err
		}
		return fn(ctx, a.Region, c)
	})
}

// Write runs fn on the writer. kind is route.IdempotentWrite or
// route.Write (a write whose outcome is unknown is then never replayed).
// pin, when set, must be the writer.
//
// A failover or switchover also cuts the old writer's connections before
// any server refuses a write as read-only, and the store may then eject
// the old writer: a write that failed in the writer region for a regional
// reason (a cut connection, no healthy region) therefore reloads the
// topology too (coalesced, at most once per MinMovedRefresh unless a load
// ran during the call) and, when the writer moved, runs once more on the
// new one, unless it is a route.Write whose outcome is unknown.
func (rt *Router[C]) Write(ctx context.Context, op string, kind route.Kind, pin multiregion.Region, fn AttemptFunc[C]) (multiregion.Region, error) {
	if err := rt.kit.Err(); err != nil {
		return "", err
	}
	if pin != "" {
		if err := rt.kit.CheckWrite(op, pin); err != nil {
			return "", err
		}
	}
	if kind == route.Read {
		kind = route.Write
	}
	topo := rt.kit.Topology()
	r, refreshed, err := rt.write(ctx, op, kind, pin, topo.Generation, fn)
	if err == nil || pin != "" || !rt.writerMayHaveMoved(ctx, err, kind, topo.Generation, refreshed) {
		return r, err
	}
	if rt.kit.Topology().Writer == topo.Writer {
		return r, err
	}
	r, _, err = rt.write(ctx, op, kind, "", rt.kit.Topology().Generation, fn)
	return r, err
}

// write is one routed write on the writer of generation seen. refreshed
// says whether the call reloaded the topology (a read-only refusal).
func (rt *Router[C]) write(ctx context.Context, op string, kind route.Kind, pin multiregion.Region, seen uint64, fn AttemptFunc[C]) (r multiregion.Region, refreshed bool, err error) {
	call := route.Call{Op: op, Kind: kind, Allowed: rt.kit.WriterSet(), Pin: pin,
		WriterMoved: func(ctx context.Context, _ string) (multiregion.RegionSet, error) {
			refreshed = true
			_, _, err := rt.kit.WriterMoved(ctx, seen)
			return rt.kit.WriterSet(), err
		}}
	r, err = rt.loop.Run(ctx, call, rt.attempt(fn))
	return r, refreshed, err
}

// MinMovedRefresh bounds the topology reloads that regional write failures
// trigger, so that a writer region that stays down does not turn every
// failed write into a control-plane call.
const MinMovedRefresh = time.Second

// writerMayHaveMoved reloads the topology after a write failed for a
// regional reason, unless the call reloaded it already (a read-only
// refusal), the topology changed since the call began, or a reload for a
// failed write ended less than MinMovedRefresh ago, and reports whether
// the write may run once more if the writer moved.
func (rt *Router[C]) writerMayHaveMoved(ctx context.Context, err error, kind route.Kind, seen uint64, refreshed bool) bool {
	var re *multiregion.RegionError
	if !errors.Is(err, multiregion.ErrNoHealthyRegion) && !errors.As(err, &re) {
		return false
	}
	if ctx.Err() != nil || rt.kit.Err() != nil {
		return false
	}
	if !refreshed && rt.kit.Topology().Generation == seen {
		rt.failureRefresh(ctx, seen)
	}
	return kind != route.Write || !errors.Is(err, multiregion.ErrOutcomeUnknown)
}

// failureRefresh runs WriterMoved for a failed write: it waits for one
// already running (so that concurrent failed writes all see its result),
// skips one when the last ended less than MinMovedRefresh ago, and else
// runs one.
func (rt *Router[C]) failureRefresh(ctx context.Context, seen uint64) {
	rt.mu.Lock()
	if done := rt.running; done != nil {
		rt.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
		}
		return
	}
	if !rt.lastAt.IsZero() && time.Since(rt.lastAt) < MinMovedRefresh {
		rt.mu.Unlock()
		return
	}
	done := make(chan struct{})
	rt.running = done
	rt.mu.Unlock()
	_, _, _ = rt.kit.WriterMoved(ctx, seen)
	rt.mu.Lock()
	rt.running, rt.lastAt = nil, time.Now()
	rt.mu.Unlock()
	close(done)
}

// attempt hands fn the region's client. A client that cannot be built
// fails the attempt with the kit's error (a *multiregion.RegionError),
// which the adapter's classifier sorts like any connection failure.
func (rt *Router[C]) attempt(fn AttemptFunc[C]) route.AttemptFunc {
	return func(ctx context.Context, a *route.Attempt) error {
		c, err := rt.kit.Client(ctx, a.Region)
		if err != nil {
			return err
		}
		return fn(ctx, a.Region, c)
	}
}

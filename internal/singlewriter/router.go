package singlewriter

import (
	"context"

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

// Write runs fn on the writer. kind is route.IdempotentWrite or
// route.Write (a write whose outcome is unknown is then never replayed).
// pin, when set, must be the writer.
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
	seen := rt.kit.Topology().Generation
	call := route.Call{Op: op, Kind: kind, Allowed: rt.kit.WriterSet(), Pin: pin,
		WriterMoved: func(ctx context.Context, _ string) (multiregion.RegionSet, error) {
			_, _, err := rt.kit.WriterMoved(ctx, seen)
			return rt.kit.WriterSet(), err
		}}
	return rt.loop.Run(ctx, call, rt.attempt(fn))
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

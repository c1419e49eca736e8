package singlewriter

import "context"

// Source loads the current topology of a store, usually from its control
// plane (DescribeGlobalClusters, DescribeGlobalReplicationGroups, ...) or
// from the data plane (aurora_global_db_status(), INFO replication).
//
// A Kit never calls LoadTopology concurrently with itself: refreshes are
// coalesced into one load at a time. ctx ends after Options.RefreshTimeout
// or when the kit closes; a Source must honor it, since Close waits for a
// running load. The kit copies what LoadTopology returns, so a Source may
// reuse its slices and maps afterwards, and it assigns Generation and
// LoadedAt itself.
type Source interface {
	LoadTopology(ctx context.Context) (Topology, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) (Topology, error)

// LoadTopology calls f.
func (f SourceFunc) LoadTopology(ctx context.Context) (Topology, error) { return f(ctx) }

// Static returns a Source that always returns (a copy of) t: a store whose
// writer never moves without a redeploy, or tests. It is safe for
// concurrent use. t is copied now, so changing it afterwards has no effect.
func Static(t Topology) Source { return staticSource{t: t.Clone()} }

type staticSource struct{ t Topology }

func (s staticSource) LoadTopology(ctx context.Context) (Topology, error) {
	if err := ctx.Err(); err != nil {
		return Topology{}, err
	}
	return s.t.Clone(), nil
}

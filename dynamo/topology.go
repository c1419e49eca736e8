package dynamo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Topology refresh. A global table's replicas change: one is added (it
// serves once ACTIVE), one is removed (its table is gone: every call there
// answers ResourceNotFoundException). The Table re-describes the table
// every Options.TopologyRefresh, and at once when a call meets a
// ResourceNotFoundException (which also fails that call over, reads
// included). A change builds a new topology: the routed replicas, their
// clients, and a new Store and call loop over them (a Store's regions are
// fixed), published atomically; calls that started on the old one and
// find its Store closed run again on the new one. A static replica list
// (Options.Replicas) is never refreshed.
//
// The detector learns of changes through Table.currentReplicas (a
// snapshot) and Table.onReplicasChanged (a hook called after each change,
// outside locks, from the refresh goroutine); Table.client gives the SDK
// client of a region added since New.

// topology is one replica set of the Table and what routes to it.
// Immutable once published.
type topology struct {
	replicas []multiregion.Region // routed to
	all      []multiregion.Region // every replica, witness excluded
	left     []multiregion.Region // replicas in regions the Client does not list
	set      multiregion.RegionSet
	clients  map[multiregion.Region]API
	store    *multiregion.Store
	loop     *route.Loop
}

// topologyState is the Table's live topology and its refresher.
type topologyState struct {
	mu      sync.Mutex // serializes changes; held while the Store is swapped
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	onRepl  func(added, removed []multiregion.Region) // the detector's hook, or nil
	started bool
}

// topology returns the current topology.
func (t *Table[T]) topology() *topology { return t.topo.Load() }

// currentReplicas returns the replica regions routed to now (the
// detector's snapshot: one stream reader per region it returns).
func (t *Table[T]) currentReplicas() []multiregion.Region {
	return slices.Clone(t.topology().replicas)
}

// onReplicasChanged sets the hook called after each replica change with
// the routed regions added and removed, from the refresh goroutine,
// outside locks. The hook may call Table methods except Close, which
// waits for the refresh goroutine (hand it to another goroutine).
func (t *Table[T]) onReplicasChanged(fn func(added, removed []multiregion.Region)) {
	t.ts.mu.Lock()
	t.ts.onRepl = fn
	t.ts.mu.Unlock()
}

// client is the SDK client of r in the current topology (the New-time
// map before the first topology is published: a probe may run first).
func (t *Table[T]) client(r multiregion.Region) API {
	if tp := t.topo.Load(); tp != nil {
		return tp.clients[r]
	}
	return t.clients[r]
}

// startTopology starts the refresher unless the replica list is static or
// the refresh is off.
func (t *Table[T]) startTopology() {
	t.ts.kick = make(chan struct{}, 1)
	if len(t.opts.Replicas) > 0 || t.opts.TopologyRefresh < 0 {
		return
	}
	t.ts.stop, t.ts.done, t.ts.started = make(chan struct{}), make(chan struct{}), true
	go t.refreshLoop()
}

// stopTopology stops the refresher and waits for it.
func (t *Table[T]) stopTopology() {
	if t.ts.started {
		close(t.ts.stop)
		<-t.ts.done
	}
}

// kickTopology asks for a refresh now (a ResourceNotFoundException).
func (t *Table[T]) kickTopology() {
	select {
	case t.ts.kick <- struct{}{}:
	default:
	}
}

func (t *Table[T]) refreshLoop() {
	defer close(t.ts.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-t.ts.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		tm := t.opts.Clock.NewTimer(t.opts.TopologyRefresh)
		select {
		case <-t.ts.stop:
			tm.Stop()
			return
		case <-tm.C():
		case <-t.ts.kick:
			tm.Stop()
		}
		if err := t.refreshTopology(ctx); err != nil && ctx.Err() == nil {
			t.opts.Logger.Warn("dynamo: topology refresh failed", "table", t.name, "error", err)
		}
	}
}

// refreshTopology re-describes the table and, when its replica set
// changed, publishes the new topology.
func (t *Table[T]) refreshTopology(ctx context.Context) error {
	cur := t.topology()
	replicas, err := t.describeReplicas(ctx, cur)
	if err != nil {
		return err
	}
	if slices.Equal(replicas, cur.all) {
		return nil
	}
	if err := multiregion.Validate(t.mode.kind(), withWitness(replicas, t.witness), ""); err != nil {
		t.opts.Logger.Warn("dynamo: replica change ignored", "table", t.name, "replicas", replicas, "error", err)
		return nil
	}
	routed, left, set, err := t.partition(replicas)
	if err != nil {
		t.opts.Logger.Warn("dynamo: replica change ignored", "table", t.name, "replicas", replicas, "error", err)
		return nil
	}
	clients := make(map[multiregion.Region]API, len(routed))
	for _, r := range routed {
		if clients[r] = cur.clients[r]; clients[r] == nil {
			clients[r] = t.opts.NewClient(r, t.mr.Config(r))
		}
	}
	t.ts.mu.Lock()
	if t.closed.Load() {
		t.ts.mu.Unlock()
		return nil
	}
	_ = cur.store.Close() // the name is the Table's: free it for the new Store
	next := &topology{replicas: routed, all: replicas, left: left, set: set, clients: clients}
	if err := t.register(next); err != nil {
		// Keep routing to the replicas known (a closed Client fails both).
		_ = t.register(&topology{replicas: cur.replicas, all: cur.all, left: cur.left, set: cur.set, clients: cur.clients})
		t.ts.mu.Unlock()
		return err
	}
	hook := t.ts.onRepl
	t.ts.mu.Unlock()
	added, removed := diff(cur.replicas, routed)
	t.opts.Logger.Info("dynamo: replicas changed", "table", t.name, "added", added, "removed", removed)
	if hook != nil {
		hook(added, removed)
	}
	return nil
}

// describeReplicas asks DescribeTable in the current replicas, in rank
// order, for the replica list; replicas not ACTIVE (CREATING, DELETING...)
// are left out until they are.
func (t *Table[T]) describeReplicas(ctx context.Context, cur *topology) ([]multiregion.Region, error) {
	var last error
	for _, r := range cur.store.Rank(cur.set, nil) {
		// Not reported to the Store: a control-plane call's time and
		// failures say little of the data plane.
		out, err := cur.clients[r].DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.name)})
		if err != nil {
			last = err
			continue
		}
		if out.Table == nil || !serving(out.Table.TableStatus) {
			continue
		}
		replicas := []multiregion.Region{r}
		for _, rd := range out.Table.Replicas {
			name := multiregion.Region(aws.ToString(rd.RegionName))
			if name != r && name != "" && replicaServing(rd.ReplicaStatus) {
				replicas = append(replicas, name)
			}
		}
		t.sortRegions(replicas)
		return replicas, nil
	}
	return nil, last
}

func serving(s types.TableStatus) bool {
	return s == "" || s == types.TableStatusActive || s == types.TableStatusUpdating
}

func replicaServing(s types.ReplicaStatus) bool {
	return s == "" || s == types.ReplicaStatusActive || s == types.ReplicaStatusUpdating
}

func withWitness(replicas []multiregion.Region, w multiregion.Region) []multiregion.Region {
	m := slices.Clone(replicas)
	if w != "" {
		m = append(m, w)
	}
	return m
}

// diff lists the regions of b not in a (added) and of a not in b (removed).
func diff(a, b []multiregion.Region) (added, removed []multiregion.Region) {
	for _, r := range b {
		if !slices.Contains(a, r) {
			added = append(added, r)
		}
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// swapped reports whether err is the closed Store of a topology a refresh
// replaced (the Table and its Client are open), having waited for the
// swap to finish: the call runs again on the new topology.
func (t *Table[T]) swapped(err error) bool {
	if !errors.Is(err, multiregion.ErrClosed) || t.closed.Load() || t.mr.Err() != nil {
		return false
	}
	t.ts.mu.Lock()
	defer t.ts.mu.Unlock()
	return !t.closed.Load()
}

// sortRegions orders replicas by the Client's preference order (regions it
// does not list last, by name), whichever region described them.
func (t *Table[T]) sortRegions(replicas []multiregion.Region) {
	slices.SortStableFunc(replicas, func(a, b multiregion.Region) int {
		ia, ea := t.mr.Index(a)
		ib, eb := t.mr.Index(b)
		switch {
		case ea != nil && eb != nil:
			return strings.Compare(string(a), string(b))
		case ea != nil:
			return 1
		case eb != nil:
			return -1
		}
		return ia - ib
	})
}

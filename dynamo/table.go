package dynamo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Table is a typed handle on one DynamoDB global table replicated across
// regions of a multiregion.Client. Every call goes to the nearest healthy
// replica region and fails over as the operation allows; in MREC mode a
// detector reads each replica's stream and surfaces the writes last writer
// wins discarded.
//
// A Table is safe for concurrent use. Close it to stop the detector; it
// does not close the multiregion.Client.
type Table[T any] struct {
	mr       *multiregion.Client
	name     string
	opts     Options
	mode     Consistency
	keys     keySchema
	keyTypes map[string]types.ScalarAttributeType // from DescribeTable, when it was asked
	meta     metaNames
	replicas []multiregion.Region // replicas routed to: in the Client, witness excluded
	all      []multiregion.Region // every replica the table has, witness excluded
	witness  multiregion.Region
	left     []multiregion.Region // replicas in regions the Client does not list (AllowPartialReplicas)
	set      multiregion.RegionSet
	clients  map[multiregion.Region]API
	reportOp string // "dynamo.<table>", the Op of the failures report records (set once in New: report runs per SDK call, also during a topology swap)
	hlc      *hlcClock
	kc       *keyCodec   // fast key extraction from a T, or nil
	ryw      *rywTracker // nil unless Options.ReadYourWrites
	det      *detector   // nil unless MREC with detection

	// Write half (versioned.go, topology.go).
	versions   *versionCache // versions last seen per key; nil with VersionCacheSize < 0
	checkItems bool          // T is not a struct: items are checked for metadata names per call (validate.go)
	metaBudget int           // the most bytes the metadata stamp adds to an item (itemsize.go)
	// topo is the live replica set with its Store (this table's routing
	// state on the Client) and call loop; the replica fields above are the
	// one New found (topology.go).
	topo atomic.Pointer[topology]
	ts   topologyState

	closed    atomic.Bool
	closeOnce sync.Once
}

// New returns a Table for the global table named table. Unless
// Options.Replicas and Options.PartitionKey are both given, it calls
// DescribeTable in the nearest region to discover the replica regions,
// the consistency mode and the key schema. It then checks the deployment
// against the capability table (multiregion.Validate: MRSC needs exactly 3
// regions of one region set, a witness included), builds one DynamoDB client
// per replica region, and, for MREC, starts the conflict detector (one
// stream reader per replica) unless Options.DisableConflictDetection.
//
// ctx bounds the discovery calls only.
func New[T any](ctx context.Context, mr *multiregion.Client, table string, optFns ...func(*Options)) (*Table[T], error) {
	if mr == nil {
		return nil, &InputError{Op: "dynamo.New", Reason: "nil multiregion.Client"}
	}
	if table == "" {
		return nil, &InputError{Op: "dynamo.New", Reason: "empty table name"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := mr.Err(); err != nil {
		return nil, err
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o = o.copy()
	if err := o.validate(); err != nil {
		return nil, err
	}
	resolveOptions(&o, mr)
	t := &Table[T]{
		mr: mr, name: table, opts: o,
		reportOp: "dynamo." + table,
		meta:     newMetaNames(o.MetadataPrefix),
		hlc:      newHLCClock(o.Clock),
		clients:  map[multiregion.Region]API{},
		keyTypes: map[string]types.ScalarAttributeType{},
	}
	if err := t.discover(ctx); err != nil {
		return nil, err
	}
	if err := multiregion.Validate(t.mode.kind(), t.members(), ""); err != nil {
		return nil, err
	}
	if err := t.checkItemType(); err != nil {
		return nil, err
	}
	t.metaBudget = t.maxMetaSize(longestName(t.all))
	if err := t.register(&topology{replicas: t.replicas, all: t.all, left: t.left, set: t.set, clients: t.clients}); err != nil {
		return nil, err
	}
	t.kc = newKeyCodec(reflect.TypeFor[T](), t.keys)
	t.versions = newVersionCache(o.VersionCacheSize)
	if o.ReadYourWrites {
		t.ryw = newRYWTracker(o.RYWTrackedKeys, o.PropagationWindow)
	}
	if t.mode == MREC && !o.DisableConflictDetection {
		det, err := startDetector(ctx, t)
		if err != nil {
			_ = t.topology().store.Close()
			return nil, err
		}
		t.det = det
		// A replica the topology refresh adds gets a stream reader, one it
		// removes loses its reader. The hook runs on the refresh goroutine;
		// the detector's own context bounds it, so Close does not wait on a
		// slow DescribeTable.
		t.onReplicasChanged(func(_, _ []multiregion.Region) {
			ctx, cancel := context.WithTimeout(det.runCtx, replicaHookTimeout)
			defer cancel()
			_ = det.replicasChanged(ctx, t.currentReplicas())
		})
	}
	t.startTopology()
	return t, nil
}

// members lists the regions the capability rules count: replicas and witness.
func (t *Table[T]) members() []multiregion.Region {
	m := append([]multiregion.Region(nil), t.all...)
	if t.witness != "" {
		m = append(m, t.witness)
	}
	return m
}

// register creates the Store of topology tp on the Client (the table's
// own health and latency per replica region, probed with a key-only
// GetItem unless Options.DisableProbe) and the call loop that routes
// through it, and publishes tp.
func (t *Table[T]) register(tp *topology) error {
	var prober multiregion.Prober
	if !t.opts.DisableProbe {
		prober = t.prober()
	}
	st, err := t.mr.NewStore(t.storeName(), tp.replicas, func(o *multiregion.StoreOptions) {
		o.Kind, o.Prober, o.LeftOut = t.mode.kind(), prober, tp.left
	})
	if err != nil {
		return err
	}
	tp.store = st
	tp.loop = &route.Loop{Store: st, Classifier: classifier, Final: t.final, Logger: t.opts.Logger}
	if old := t.topo.Load(); old != nil {
		tp.loop.Hedge = old.loop.Hedge // keep the hedge's latency history
	} else if t.opts.Hedge != nil {
		tp.loop.Hedge = route.NewHedger(*t.opts.Hedge)
	}
	t.topo.Store(tp)
	return nil
}

// storeName is the name of the table's Store on the Client.
func (t *Table[T]) storeName() string {
	if t.opts.StoreName != "" {
		return t.opts.StoreName
	}
	return "dynamo:" + t.name
}

// setReplicas records the replica regions and builds a client for each.
// Every replica must be a region of the Client, unless
// Options.AllowPartialReplicas accepts a subset: the others are then
// counted by the capability rules, not routed to, and named in Status.
func (t *Table[T]) setReplicas(replicas []multiregion.Region) error {
	routed, left, set, err := t.partition(replicas)
	if err != nil {
		return err
	}
	t.all, t.replicas, t.left, t.set = replicas, routed, left, set
	for _, r := range routed {
		if t.clients[r] == nil {
			t.clients[r] = t.opts.NewClient(r, t.mr.Config(r))
		}
	}
	return nil
}

// partition splits replicas into those routed to (regions of the Client)
// and those left out (AllowPartialReplicas), or fails as setReplicas says.
func (t *Table[T]) partition(replicas []multiregion.Region) (routed, left []multiregion.Region, set multiregion.RegionSet, err error) {
	for _, r := range replicas {
		i, err := t.mr.Index(r)
		if err != nil {
			if errors.Is(err, multiregion.ErrClosed) {
				return nil, nil, 0, err
			}
			if !t.opts.AllowPartialReplicas {
				return nil, nil, 0, &NoReplicaError{Table: t.name, Region: r, Replicas: replicas,
					Err: fmt.Errorf("the table has a replica in %s, which the multiregion.Client does not list (add it to WithRegions, or set Options.AllowPartialReplicas): %w", r, err)}
			}
			left = append(left, r)
			continue
		}
		routed = append(routed, r)
		set = set.With(i)
	}
	if len(routed) == 0 {
		return nil, nil, 0, &NoReplicaError{Table: t.name, Region: "", Replicas: replicas,
			Err: fmt.Errorf("none of the table's replica regions is a region of the multiregion.Client (%v)", t.mr.Regions())}
	}
	return routed, left, set, nil
}

// pinned checks that r, a region a caller asked for, serves the table.
func (t *Table[T]) pinned(op string, r multiregion.Region) error {
	if r == "" || t.client(r) != nil && t.hasReplica(r) {
		return nil
	}
	return &NoReplicaError{Table: t.name, Region: r, Replicas: t.Replicas(), Err: fmt.Errorf("%s: not a replica region of this Table", op)}
}

func (t *Table[T]) hasReplica(r multiregion.Region) bool {
	for _, x := range t.topology().replicas {
		if x == r {
			return true
		}
	}
	return false
}

// Name returns the table name.
func (t *Table[T]) Name() string { return t.name }

// Consistency returns the table's mode (MREC or MRSC, never auto).
func (t *Table[T]) Consistency() Consistency { return t.mode }

// Replicas returns the serving replica regions (witness excluded).
func (t *Table[T]) Replicas() []multiregion.Region {
	return t.currentReplicas()
}

// Witness returns the MRSC witness region, or "".
func (t *Table[T]) Witness() multiregion.Region { return t.witness }

// KeyNames returns the partition and sort key attribute names.
func (t *Table[T]) KeyNames() (partition, sort string) { return t.keys.pk, t.keys.sk }

// Conflicts returns the channel lost writes are delivered on when no
// Options.ConflictHandler is set. It is closed by Close. It is nil when the
// table has no detector (MRSC, DisableConflictDetection, or a handler).
// Keep draining it: a full channel stalls detection.
func (t *Table[T]) Conflicts() <-chan Conflict {
	if t.det == nil {
		return nil
	}
	return t.det.deliv.out
}

// Close stops the conflict detector and waits for its goroutines. Calls
// after Close fail with ErrClosed. Safe to call more than once.
func (t *Table[T]) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		if t.det != nil {
			t.det.stop()
		}
		t.stopTopology()
		t.ts.mu.Lock() // not while a refresh swaps the Store
		if tp := t.topology(); tp != nil {
			_ = tp.store.Close()
		}
		t.ts.mu.Unlock()
	})
	return nil
}

// checkOpen fails with ErrClosed on a closed Table, and with
// multiregion.ErrClosed when its Client closed.
func (t *Table[T]) checkOpen(ctx context.Context) error {
	if t.closed.Load() {
		return ErrClosed
	}
	if err := t.topology().store.Err(); err != nil && !t.swapped(err) {
		return err
	}
	return ctx.Err()
}

// Status returns the table's routing state: its replica regions in pick
// order with their health and latency, and the replicas left out.
func (t *Table[T]) Status() multiregion.StoreStatus { return t.topology().store.Status() }

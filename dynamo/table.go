package dynamo

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/regionkit/multiregion"
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
	meta     metaNames
	replicas []multiregion.Region // replicas routed to: in the Client, witness excluded
	all      []multiregion.Region // every replica the table has, witness excluded
	witness  multiregion.Region
	set      multiregion.RegionSet
	clients  map[multiregion.Region]API
	hlc      *hlcClock
	kc       *keyCodec   // fast key extraction from a T, or nil
	ryw      *rywTracker // nil unless Options.ReadYourWrites
	det      *detector   // nil unless MREC with detection

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
		meta:    newMetaNames(o.MetadataPrefix),
		hlc:     newHLCClock(o.Clock),
		clients: map[multiregion.Region]API{},
	}
	if err := t.discover(ctx); err != nil {
		return nil, err
	}
	if err := multiregion.Validate(t.mode.kind(), t.members(), ""); err != nil {
		return nil, err
	}
	t.kc = newKeyCodec(reflect.TypeFor[T](), t.keys)
	if o.ReadYourWrites {
		t.ryw = newRYWTracker(o.RYWTrackedKeys, o.PropagationWindow)
	}
	if t.mode == MREC && !o.DisableConflictDetection {
		det, err := startDetector(ctx, t)
		if err != nil {
			return nil, err
		}
		t.det = det
	}
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

// setReplicas records the replica regions and builds a client for each
// one the multiregion.Client routes to. A static list (strict) must name
// only regions of the Client; a discovered one may hold more, which are
// counted by the capability rules but not routed to.
func (t *Table[T]) setReplicas(replicas []multiregion.Region, strict bool) error {
	t.all = replicas
	for _, r := range replicas {
		i, err := t.mr.Index(r)
		if err != nil {
			if strict {
				return &NoReplicaError{Table: t.name, Region: r, Replicas: replicas, Err: err}
			}
			continue
		}
		t.replicas = append(t.replicas, r)
		t.set = t.set.With(i)
		if t.clients[r] == nil {
			t.clients[r] = t.opts.NewClient(r, t.mr.Config(r))
		}
	}
	if len(t.replicas) == 0 {
		return &NoReplicaError{Table: t.name, Region: "", Replicas: replicas,
			Err: fmt.Errorf("none of the table's replica regions is a region of the multiregion.Client (%v)", t.mr.Regions())}
	}
	return nil
}

// pinned checks that r, a region a caller asked for, serves the table.
func (t *Table[T]) pinned(op string, r multiregion.Region) error {
	if r == "" || t.clients[r] != nil && t.hasReplica(r) {
		return nil
	}
	return &NoReplicaError{Table: t.name, Region: r, Replicas: t.Replicas(), Err: fmt.Errorf("%s: not a replica region of this Table", op)}
}

func (t *Table[T]) hasReplica(r multiregion.Region) bool {
	for _, x := range t.replicas {
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
	return append([]multiregion.Region(nil), t.replicas...)
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
	return t.det.out
}

// Close stops the conflict detector and waits for its goroutines. Calls
// after Close fail with ErrClosed. Safe to call more than once.
func (t *Table[T]) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		if t.det != nil {
			t.det.stop()
		}
	})
	return nil
}

func (t *Table[T]) checkOpen(ctx context.Context) error {
	if t.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

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
	store    *multiregion.Store // this table's routing state on the Client
	reportOp string             // "dynamo.<table>", the Op of the failures report records (built once: report runs per SDK call)
	loop     *route.Loop
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
	if err := t.register(); err != nil {
		return nil, err
	}
	t.kc = newKeyCodec(reflect.TypeFor[T](), t.keys)
	if o.ReadYourWrites {
		t.ryw = newRYWTracker(o.RYWTrackedKeys, o.PropagationWindow)
	}
	if t.mode == MREC && !o.DisableConflictDetection {
		det, err := startDetector(ctx, t)
		if err != nil {
			_ = t.store.Close()
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

// register creates the table's Store on the Client (its own health and
// latency per replica region, probed with a key-only GetItem unless
// Options.DisableProbe) and the call loop that routes through it.
func (t *Table[T]) register() error {
	var prober multiregion.Prober
	if !t.opts.DisableProbe {
		prober = t.prober()
	}
	st, err := t.mr.NewStore(t.storeName(), t.replicas, func(o *multiregion.StoreOptions) {
		o.Kind, o.Prober, o.LeftOut = t.mode.kind(), prober, t.left
	})
	if err != nil {
		return err
	}
	t.store = st
	t.reportOp = "dynamo." + t.name
	t.loop = &route.Loop{Store: st, Classifier: classifier, Final: t.final, Logger: t.opts.Logger}
	if t.opts.Hedge != nil {
		t.loop.Hedge = route.NewHedger(*t.opts.Hedge)
	}
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
	t.all = replicas
	for _, r := range replicas {
		i, err := t.mr.Index(r)
		if err != nil {
			if errors.Is(err, multiregion.ErrClosed) {
				return err
			}
			if !t.opts.AllowPartialReplicas {
				return &NoReplicaError{Table: t.name, Region: r, Replicas: replicas,
					Err: fmt.Errorf("the table has a replica in %s, which the multiregion.Client does not list (add it to WithRegions, or set Options.AllowPartialReplicas): %w", r, err)}
			}
			t.left = append(t.left, r)
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
		if t.store != nil {
			_ = t.store.Close()
		}
	})
	return nil
}

// checkOpen fails with ErrClosed on a closed Table, and with
// multiregion.ErrClosed when its Client closed.
func (t *Table[T]) checkOpen(ctx context.Context) error {
	if t.closed.Load() {
		return ErrClosed
	}
	if err := t.store.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

// Status returns the table's routing state: its replica regions in pick
// order with their health and latency, and the replicas left out.
func (t *Table[T]) Status() multiregion.StoreStatus { return t.store.Status() }

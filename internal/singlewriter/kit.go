package singlewriter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion/internal/telemetry"

	"github.com/regionkit/multiregion"
)

// Kit holds the topology of one single-writer store and one data-plane
// client of type C per member region. Adapters (aurora, cache, docdb) build
// one per store with New and ask it where a call may go: CheckWrite and
// WriterSet for writes, Readers for reads, Client for the region's client,
// WriterMoved after a write the server refused as read-only.
//
// A Kit is safe for concurrent use. Topology, Readers, WriterSet and
// CheckWrite take no lock: they read an immutable snapshot that loads swap
// atomically.
type Kit[C any] struct {
	opts        Options
	src         Source
	connect     func(context.Context, Member) (C, error)
	closeClient func(C) error
	regions     []multiregion.Region       // the Client's, in its order
	idx         map[multiregion.Region]int // position in regions = RegionSet bit
	tel         *telemetry.Recorder        // nil: telemetry off

	snap   atomic.Pointer[snapshot]
	closed atomic.Bool // set under mu, read anywhere
	// base ends at shutdown: it cancels running loads and connects and
	// wakes the refresh loop, retire timers and waiters.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the kit starts
	once   sync.Once      // shutdown

	mu       sync.Mutex
	inflight *load                     // the running load, if any
	started  uint64                    // loads started so far (load.seq)
	status   Status                    // all but Generation, Writer and Closed
	slots    []atomic.Pointer[conn[C]] // per region index; written under mu
}

// snapshot is an immutable view: the topology and what the hot paths
// derive from it.
type snapshot struct {
	topo    Topology
	readers multiregion.RegionSet // writer + members within MaxLag
	writers multiregion.RegionSet // the writer alone
	// writerSince is the Generation in which topo.Writer became the writer:
	// WriterMoved compares it with the generation a refused write saw.
	writerSince uint64
}

// New builds a Kit for the store of Options.Kind that src describes. It
// loads the topology once, bounded by ctx and Options.RefreshTimeout, and
// fails if that load fails or the topology is invalid (see
// Topology.Validate). It then refreshes every Options.RefreshInterval until
// Close.
//
// connect builds the data-plane client of one member; the kit calls it
// lazily, at the first Client call for the region, at most once at a time
// per region, with a context that ends after Options.ConnectTimeout (it is
// cancelled when connect returns, so a driver must not keep it).
// closeClient closes one; nil means clients need no closing. Neither may
// put a secret in the errors they return.
func New[C any](ctx context.Context, mr *multiregion.Client, src Source,
	connect func(ctx context.Context, m Member) (C, error), closeClient func(C) error,
	optFns ...func(*Options)) (*Kit[C], error) {
	const op = "singlewriter.New"
	if err := checkArgs(op, ctx, mr, src, connect == nil); err != nil {
		return nil, err
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
	if err := o.validate(); err != nil {
		return nil, err
	}
	resolveOptions(&o, mr)
	select {
	case <-o.Done:
		return nil, closedError(o.Store, "New")
	default:
	}
	mo := mr.Options()
	k := &Kit[C]{opts: o, src: src, connect: connect, closeClient: closeClient,
		regions: mr.Regions(), idx: map[multiregion.Region]int{}, tel: telemetry.New(mo.MeterProvider, mo.TracerProvider)}
	for i, r := range k.regions {
		k.idx[r] = i
	}
	k.slots = make([]atomic.Pointer[conn[C]], len(k.regions))
	if err := k.loadFirst(ctx); err != nil {
		return nil, err
	}
	k.base, k.cancel = context.WithCancel(context.Background())
	if o.RefreshInterval > 0 || o.Done != nil {
		k.wg.Add(1)
		go k.run()
	}
	return k, nil
}

// loadFirst runs New's load, in the caller's goroutine: nothing else runs
// yet, so there is nothing to share or coalesce.
func (k *Kit[C]) loadFirst(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, k.opts.RefreshTimeout)
	t, err := k.callSource(lctx)
	cancel()
	if err != nil {
		k.tel.Refresh(k.opts.Store, err)
		return &SourceError{Store: k.opts.Store, Err: err}
	}
	now := k.opts.Clock.Now()
	s, leftOut, err := k.prepare(t, nil, now)
	k.tel.Refresh(k.opts.Store, err)
	if err != nil {
		return err
	}
	k.snap.Store(s)
	k.status = Status{LastAttempt: now, LastSuccess: now, LeftOut: leftOut}
	k.logLeftOut(nil, leftOut)
	return nil
}

// checkArgs rejects the nil arguments of New.
func checkArgs(op string, ctx context.Context, mr *multiregion.Client, src Source, nilConnect bool) error {
	bad := func(arg, reason string) error { return &InputError{Op: op, Arg: arg, Reason: reason} }
	switch f, isFunc := src.(SourceFunc); {
	case ctx == nil:
		return bad("ctx", "nil context")
	case mr == nil:
		return bad("mr", "nil *multiregion.Client")
	case src == nil, isFunc && f == nil:
		return bad("src", "nil Source")
	case nilConnect:
		return bad("connect", "nil connect func")
	}
	return nil
}

// Close stops the refresh loop, cancels a running load, waits for the
// kit's goroutines and closes every client it built, retired ones
// included. It returns the errors of closing the clients (only the first
// call: Close is idempotent and later calls return nil). After Close,
// Refresh, WriterMoved, Client, CheckWrite and Err return errors matching
// multiregion.ErrClosed. Calls still running on a client when Close closes
// it fail as the driver fails them. Do not call Close from a Source or a
// connect func: it waits for them.
func (k *Kit[C]) Close() error {
	err := k.shutdown()
	k.wg.Wait()
	return err
}

// shutdown marks the kit closed, cancels its work and closes the clients
// that are built (a client still being built is closed by its connect
// goroutine, retired ones by their timers). It runs once; the first caller
// gets the close errors. The refresh loop calls it when Options.Done closes.
func (k *Kit[C]) shutdown() error {
	var err error
	k.once.Do(func() {
		k.mu.Lock()
		k.closed.Store(true)
		built := k.takeClients()
		k.mu.Unlock()
		k.cancel()
		err = k.closeAll(built)
	})
	return err
}

// Err returns nil while the kit is open, and an error matching
// multiregion.ErrClosed after Close (or after Options.Done closed).
func (k *Kit[C]) Err() error {
	if k.closed.Load() {
		return closedError(k.opts.Store, "Err")
	}
	return nil
}

// Topology returns the current topology. It takes no lock and never
// returns nil; after Close it keeps returning the last one. The snapshot is
// shared: do not modify it (see Topology).
func (k *Kit[C]) Topology() *Topology { return &k.snap.Load().topo }

// Readers returns the read candidates, for mr.Pick or mr.Rank: the writer
// and every replica whose lag is unknown or within Options.MaxLag (every
// replica when MaxLag is 0). When every replica lags too far, only the
// writer serves. Lock-free; after Close it keeps the last value (Client
// then fails with ErrClosed).
func (k *Kit[C]) Readers() multiregion.RegionSet { return k.snap.Load().readers }

// ReadersWithin is Readers with a tighter bound for one call: the readers
// whose known lag is within maxLag as well (0: Readers). The writer always
// qualifies. Lock-free; it walks the members only when maxLag is set.
func (k *Kit[C]) ReadersWithin(maxLag time.Duration) multiregion.RegionSet {
	s := k.snap.Load()
	if maxLag <= 0 {
		return s.readers
	}
	set := s.readers
	for _, m := range s.topo.Members {
		if m.Role != RoleWriter && m.LagKnown && m.Lag > maxLag {
			set &^= 1 << k.idx[m.Region]
		}
	}
	return set | s.writers
}

// WriterSet returns the set holding only the writer region, for mr.Pick.
// Lock-free; after Close it keeps the last value.
func (k *Kit[C]) WriterSet() multiregion.RegionSet { return k.snap.Load().writers }

// CheckWrite returns a *multiregion.WriteRegionError (errors.Is
// multiregion.ErrWriteRegion) naming op, r and the current writer when r is
// not the writer region, and nil when it is. It does no I/O and takes no
// lock.
func (k *Kit[C]) CheckWrite(op string, r multiregion.Region) error {
	if k.closed.Load() {
		return closedError(k.opts.Store, op)
	}
	if w := k.snap.Load().topo.Writer; r != w {
		return &multiregion.WriteRegionError{Store: k.opts.Store, Op: op, Region: r, Writer: w}
	}
	return nil
}

// Status reports the refreshes of the topology.
type Status struct {
	Store      string
	Generation uint64             // of the current topology
	Writer     multiregion.Region // of the current topology
	// LastAttempt and LastSuccess are when the last load, and the last
	// successful one, ended (Options.Clock). A load that returned an
	// invalid topology is a failure.
	LastAttempt time.Time
	LastSuccess time.Time
	// LastError is the error of the last load, nil after a success.
	LastError           error
	ConsecutiveFailures int
	// LeftOut are the members of the last good load that are outside the
	// Client's regions (Options.AllowPartial).
	LeftOut []Member
	Closed  bool
}

// Status returns the refresh status. The caller owns the result.
func (k *Kit[C]) Status() Status {
	k.mu.Lock()
	st := k.status
	st.LeftOut = append([]Member(nil), st.LeftOut...)
	k.mu.Unlock()
	s := k.snap.Load()
	st.Store, st.Generation, st.Writer, st.Closed = k.opts.Store, s.topo.Generation, s.topo.Writer, k.closed.Load()
	return st
}

// callSource runs the Source, turning a panic into an error so that a
// broken Source costs a failed refresh, not the process.
func (k *Kit[C]) callSource(ctx context.Context) (t Topology, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("LoadTopology panicked: %v", p)
		}
	}()
	return k.src.LoadTopology(ctx)
}

// logLeftOut logs the left-out members when they change. Regions and IDs
// only: endpoints are never logged.
func (k *Kit[C]) logLeftOut(prev, cur []Member) {
	if len(cur) == 0 || sameRegions(prev, cur) {
		return
	}
	regions := make([]string, len(cur))
	for i, m := range cur {
		regions[i] = string(m.Region)
	}
	k.opts.Logger.Info("singlewriter: members outside the Client's regions left out", "store", k.opts.Store, "regions", regions)
}

func sameRegions(a, b []Member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Region != b[i].Region {
			return false
		}
	}
	return true
}

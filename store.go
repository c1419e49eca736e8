package multiregion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// StoreOptions configures a Store.
type StoreOptions struct {
	// Kind is the store's family in the capability table; Status shows it.
	// default: 0 (not given)
	Kind StoreKind

	// Prober probes one region of this store (a DynamoDB GetItem, SELECT 1,
	// PING, ping, HeadBucket). With a prober the store probes each of its
	// regions every Options.ProbeInterval, ranks by its own samples and
	// readmits an ejected region on its own probe's success. Without one it
	// ranks by the Client's network view, treats a region the network view
	// ejected as suspect, and readmits a region it ejected only on a
	// successful call (a read that fell through to it, a pinned call).
	// default: nil
	Prober Prober

	// LeftOut names the store's regions that are not routed to (replicas
	// in regions the Client does not list, accepted explicitly by the
	// adapter's options); Status shows them.
	// default: none
	LeftOut []Region

	// Topology reports the store's single-writer topology for Status (the
	// writer, the generation, how the last refresh went). It must be safe
	// for concurrent use and must not block.
	// default: nil (the store has no topology)
	Topology func() TopologyStatus
}

// Store is the routing state of one datastore instance on a Client: one
// DynamoDB table, one Aurora cluster, one cache. It holds the health of
// each of the store's regions and a latency average from the store's own
// calls and probe, so that one store's failures eject a region for that
// store only, and another store's successes never readmit it. Until it has
// fresh samples of its own in every healthy region it ranks by the
// Client's network view (its probes), so that unlike things (a probe's
// round trip, a query's full time) are never compared.
//
// Adapters make one with Client.NewStore and route every call through it;
// applications rarely touch it except through Client.Status. A Store is
// safe for concurrent use; Pick takes no lock and allocates nothing.
type Store struct {
	c      *Client
	rt     *router
	kind   StoreKind
	prober Prober
	left   []Region

	topo func() TopologyStatus

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	done      chan struct{}
}

// NewStore registers the routing state of a store named name (unique on
// the Client, e.g. "dynamo:profiles") that serves the given regions (all
// of the Client's when none are given), and starts its probes if it has a
// prober and the Client runs background probes. It fails with ErrClosed on
// a closed Client, ErrDuplicateStore for a name already registered,
// ErrInvalidStore for an empty name, and *UnknownRegionError for a region
// the Client does not have.
func (c *Client) NewStore(name string, regions []Region, optFns ...func(*StoreOptions)) (*Store, error) {
	var o StoreOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, &StoreError{Rule: ErrInvalidStore, Reason: "empty store name"}
	}
	set, err := c.Set(regions...)
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return nil, err
		}
		return nil, &StoreError{Store: name, Rule: ErrInvalidStore, Reason: "region not on the Client", Err: err}
	}
	s := &Store{c: c, kind: o.Kind, prober: o.Prober, left: slices.Clone(o.LeftOut), topo: o.Topology, done: make(chan struct{})}
	s.rt = newRouter(&c.opts, c.rt.index, name, set, c.rt, o.Prober != nil)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	// Registered and started under the registry's lock, so that a Close
	// racing this call either refuses it or finds it whole and stops it.
	err = c.register(s, func() {
		if s.prober != nil && !c.opts.DisableBackgroundProbes {
			c.startProbeLoops(ctx, s.target(), &s.wg)
		}
	})
	if err != nil {
		cancel()
		return nil, err
	}
	s.rt.recompute() // rank by the network view now, not at its next change
	return s, nil
}

// Name returns the store's name.
func (s *Store) Name() string { return s.rt.name }

// Client returns the Client the store routes on.
func (s *Store) Client() *Client { return s.c }

// Set returns the store's regions as a RegionSet of its Client.
func (s *Store) Set() RegionSet { return s.rt.set }

// Regions returns the store's regions in the Client's preference order.
func (s *Store) Regions() []Region { return s.c.regionsOf(s.rt.set) }

// Pick returns the nearest healthy region of allowed (within the store's
// regions) for this store. It takes no lock and allocates nothing, except
// on the error path: a *NoHealthyRegionError when no allowed region is
// healthy, an error matching ErrClosed once the store or its Client closed.
func (s *Store) Pick(allowed RegionSet) (Region, error) {
	i, err := s.rt.pick(allowed & s.rt.set)
	if err != nil {
		return "", err
	}
	if i < 0 {
		return "", s.NoHealthy("", allowed, nil)
	}
	return s.c.opts.Regions[i], nil
}

// Rank appends to dst the store's regions of allowed in pick order: healthy
// ones first, ejected ones last; drained regions not at all. A closed
// store ranks nothing.
func (s *Store) Rank(allowed RegionSet, dst []Region) []Region { return s.rt.rank(allowed, dst) }

// Healthy reports whether r may be picked for this store: healthy for it
// and not drained. StoreStatus tells the two apart.
func (s *Store) Healthy(r Region) bool {
	i, ok := s.rt.index[r]
	return ok && s.rt.healthy(i)
}

// Observe feeds the outcome of a call to r into this store's state: a
// latency sample when err is nil and rtt > 0 (pass 0 to report a success
// without a sample, e.g. for a scan whose time says more about its size
// than about the network), a failure otherwise. A canceled context or
// ErrClosed is never counted. Unknown regions are ignored.
func (s *Store) Observe(r Region, rtt time.Duration, err error) {
	if i, ok := s.rt.index[r]; ok && s.rt.set.Has(i) {
		s.rt.observe(i, rtt, err, false)
	}
}

// NoHealthy builds the error a call returns when no allowed region of the
// store could serve it: it names the allowed regions in rank order, the
// last error the store saw in each, and the attempts the call made. It
// matches ErrNoHealthyRegion. A closed store returns its ErrClosed error.
func (s *Store) NoHealthy(op string, allowed RegionSet, attempts []Attempt) error {
	if err := s.Err(); err != nil {
		return err
	}
	regions := s.Rank(allowed, nil)
	return &NoHealthyRegionError{Store: s.rt.name, Op: op, Allowed: regions, LastErrors: s.rt.lastErrors(regions), Attempts: attempts}
}

// Refresh probes every region of the store once with its prober and
// records the results together, as Client.Refresh does for the network
// view. Without a prober it does nothing.
func (s *Store) Refresh(ctx context.Context) error {
	if err := s.Err(); err != nil {
		return err
	}
	if s.prober == nil {
		return ctx.Err()
	}
	return s.c.probeRound(ctx, s.target())
}

// Status returns the store's view: its regions in pick order with latency
// and health, what its ranking is based on, and its topology if any.
func (s *Store) Status() StoreStatus {
	snap := s.rt.snap.Load()
	st := StoreStatus{Name: s.rt.name, Kind: s.kind, Regions: s.rt.status(), LeftOut: slices.Clone(s.left),
		OwnLatency: snap.own, Closed: snap.err != nil}
	if s.topo != nil {
		t := s.topo()
		st.Topology = &t
	}
	return st
}

// Err returns nil while the store is open, and an error matching ErrClosed
// once it or its Client closed.
func (s *Store) Err() error { return s.rt.snap.Load().err }

// Done returns a channel that is closed when the store or its Client closes.
func (s *Store) Done() <-chan struct{} { return s.done }

// Close unregisters the store and stops its probes. Its methods then fail
// with ErrClosed. It does not close the Client. Safe to call more than once.
func (s *Store) Close() error {
	s.shutdown(fmt.Errorf("%w: store %s", ErrClosed, s.rt.name))
	s.c.unregister(s)
	return nil
}

// shutdown stops the store with err as its closed error.
func (s *Store) shutdown(err error) {
	s.closeOnce.Do(func() {
		s.rt.close(err)
		s.cancel()
		s.wg.Wait()
		close(s.done)
	})
}

func (s *Store) target() probeTarget {
	return probeTarget{rt: s.rt, prober: s.prober, store: s.rt.name}
}

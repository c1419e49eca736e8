package aurora

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Cluster is an Aurora global database, or an RDS instance with
// cross-Region read replicas, on a multiregion.Client: writes go to the
// writer region's pool, reads to the nearest healthy region within MaxLag,
// each region through its own *sql.DB (opened lazily, rebuilt when the
// region's endpoint or role changes or its server turns out to be the
// wrong one).
//
// A Cluster is safe for concurrent use; In and WithRead return handles
// that share its state.
type Cluster struct {
	*cluster
	pin multiregion.Region       // In: the only region tried
	ro  multiregion.ResolvedRead // WithRead
}

type cluster struct {
	mr     *multiregion.Client
	opts   Options
	kind   multiregion.StoreKind
	engine Engine
	name   string // store name, "aurora:"+Name
	tmpl   dsnTemplate
	static map[multiregion.Region]dsnTemplate // Members' DSNs
	kit    *singlewriter.Kit[*pool]
	store  *multiregion.Store
	rt     *singlewriter.Router[*pool]
	api    func(multiregion.Region) ControlPlaneAPI
	rdsSrc *rdsSource // RDSReplicas with a control plane
	lag    *lagTracker
	ryw    atomic.Int64 // unix ns of the end of the last write, 0: none
	// noGlobal is set once aurora_global_db_status() proved missing.
	noGlobal atomic.Bool

	wake   chan struct{} // asks the lag loop for a round now
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New loads the topology (the control plane, or Options.Members),
// registers the store "aurora:"+Name on mr with a ping prober, starts the
// background lag and role checks, and returns the Cluster. Bad options are
// a *multiregion.OptionError; more regions than the kind allows a
// *multiregion.CapabilityError (ErrTooManyRegions); a topology without a
// writer a *singlewriter.TopologyError wrapping a CapabilityError
// (ErrWriterRequired); a failed first load the control plane's error. No
// database connection is made before the first call or probe.
func New(ctx context.Context, mr *multiregion.Client, optFns ...func(*Options)) (*Cluster, error) {
	if ctx == nil {
		return nil, &InputError{Op: "aurora.New", Arg: "ctx", Reason: "nil context"}
	}
	if mr == nil {
		return nil, &InputError{Op: "aurora.New", Arg: "mr", Reason: "nil *multiregion.Client"}
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
	o.Members = append([]Member(nil), o.Members...)
	if o.RegionPools != nil {
		pools := make(map[multiregion.Region]PoolOptions, len(o.RegionPools))
		for r, p := range o.RegionPools {
			pools[r] = p
		}
		o.RegionPools = pools
	}
	c := &cluster{mr: mr, opts: o, wake: make(chan struct{}, 1)}
	src, err := c.resolve(ctx)
	if err != nil {
		return nil, err
	}
	c.lag = newLagTracker(c.opts.LagInterval)
	kit, err := singlewriter.New(ctx, mr, singlewriter.MeasuredLag(src, c.lag.LagReadings), c.connect, (*pool).close, func(so *singlewriter.Options) {
		so.Kind, so.Store = c.kind, c.name
		so.RefreshInterval, so.MaxLag, so.Logger = c.opts.RefreshInterval, c.opts.MaxLag, c.opts.Logger
		so.Done = mr.Done()
	})
	if err != nil {
		return nil, err
	}
	c.kit = kit
	if c.engine == EngineFromControlPlane {
		e, ok := engineOf(kit.Topology().Attributes[engineAttr])
		if !ok {
			_ = kit.Close()
			return nil, &multiregion.OptionError{Field: "Engine", Value: kit.Topology().Attributes[engineAttr],
				Reason: "the control plane's engine has no database/sql driver here (PostgreSQL: pgx; MySQL: go-sql-driver/mysql)"}
		}
		c.engine = e
		if e == MySQL && c.opts.ForwardingConsistency == ConsistencyOff {
			_ = kit.Close()
			return nil, &multiregion.OptionError{Field: "ForwardingConsistency", Value: ConsistencyOff,
				Reason: "Aurora MySQL write forwarding has no OFF mode (EVENTUAL, SESSION or GLOBAL)"}
		}
	}
	if c.tmpl, err = parseDSN(c.engine, c.opts.DSN); err != nil && c.static == nil {
		_ = kit.Close()
		return nil, &multiregion.OptionError{Field: "DSN", Reason: err.Error()}
	}
	st, err := mr.NewStore(c.name, nil, func(so *multiregion.StoreOptions) {
		so.Kind = c.kind
		so.Prober = singlewriter.PingProber(kit, func(ctx context.Context, p *pool) error { return p.DB().PingContext(ctx) })
		so.Topology = singlewriter.TopologyStatusFunc(kit)
	})
	if err != nil {
		_ = kit.Close()
		return nil, err
	}
	c.store = st
	c.rt = singlewriter.NewRouter(kit, st, classifier, nil)
	c.rt.SetLiveLag(c.lag.Current)
	lctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	if c.opts.LagInterval > 0 {
		c.wg.Add(1)
		go c.lagLoop(lctx)
	}
	return &Cluster{cluster: c}, nil
}

// connect opens the pool of one member: the writer's endpoint for the
// writer, the reader endpoint (when there is one) for a replica.
func (c *cluster) connect(_ context.Context, m singlewriter.Member) (*pool, error) {
	d := c.tmpl
	if c.static != nil {
		d = c.static[m.Region]
	}
	spec := openSpec{region: m.Region, endpoint: m.Endpoint, iam: c.opts.IAMAuth, pool: c.opts.Pool}
	if m.Role != singlewriter.RoleWriter && m.ReaderEndpoint != "" && !c.opts.WriteForwarding {
		spec.endpoint = m.ReaderEndpoint
	}
	if p, ok := c.opts.RegionPools[m.Region]; ok {
		spec.pool = p
	}
	if c.opts.WriteForwarding && m.Role != singlewriter.RoleWriter {
		spec.forward = c.opts.ForwardingConsistency
	}
	return newPool(m.Region, func() (*sql.DB, error) { return c.open(d, spec) })
}

// In returns a handle whose calls run in region r only: reads there (no
// failover), writes only if r is the writer region (or, with
// WriteForwarding, forwarded by Aurora from r). Any other write is a
// *multiregion.WriteRegionError before any network traffic.
func (c *Cluster) In(r multiregion.Region) *Cluster {
	return &Cluster{cluster: c.cluster, pin: r, ro: c.ro}
}

// WithRead returns a handle whose reads follow o: a tighter MaxLag (the
// background measurement's), regions excluded, a preferred region. Bad
// options are a *multiregion.OptionError, before any network traffic.
func (c *Cluster) WithRead(o multiregion.ReadOptions) (*Cluster, error) {
	ro, err := o.Resolve(c.store)
	if err != nil {
		return nil, err
	}
	return &Cluster{cluster: c.cluster, pin: c.pin, ro: ro}, nil
}

// Region returns the region of a handle from In, or "".
func (c *Cluster) Region() multiregion.Region { return c.pin }

// WriterRegion returns the current writer region.
func (c *Cluster) WriterRegion() multiregion.Region { return c.kit.Topology().Writer }

// Regions returns the members' regions, in the Client's order.
func (c *Cluster) Regions() []multiregion.Region { return c.kit.Topology().Regions() }

// Engine returns the engine in use.
func (c *Cluster) Engine() Engine { return c.engine }

// Lag returns the last background measurement of r's replication lag
// (ok false: not measured, or stale). The writer's lag is 0.
func (c *Cluster) Lag(r multiregion.Region) (time.Duration, bool) {
	if c.kit.Topology().IsWriter(r) {
		return 0, true
	}
	return c.lag.Current(r)
}

// Status returns the store's routing status (regions, health, latency, the
// topology and how its last refresh went).
func (c *Cluster) Status() multiregion.StoreStatus { return c.store.Status() }

// Refresh reloads the topology now.
func (c *Cluster) Refresh(ctx context.Context) error {
	if err := c.kit.Err(); err != nil {
		return err
	}
	return c.kit.Refresh(ctx)
}

// Close stops the background work and closes every pool. Afterwards every
// call returns an error matching multiregion.ErrClosed. Idempotent; it also
// happens when the multiregion.Client closes.
func (c *Cluster) Close() error {
	c.cancel()
	err := errors.Join(c.store.Close(), c.kit.Close())
	c.wg.Wait()
	return err
}

package multiregion

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"

	"github.com/regionkit/multiregion/internal/telemetry"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Client measures the latency and health of a set of AWS regions and picks
// the nearest healthy one. Its probes give the network view; each datastore
// adapter (dynamo, aurora, s3mesh, cache, docdb) registers a Store on it for
// its own routing state, and asks that Store which regions may serve a call.
//
// A Client is safe for concurrent use. Close it to stop its probes; every
// method that returns an error then fails with ErrClosed, and so does every
// Store and adapter built on it.
type Client struct {
	opts   Options
	cfg    aws.Config
	rt     *router // the network view
	prober Prober
	all    RegionSet

	mu     sync.Mutex // guards stores and the closing of the registry
	stores map[string]*Store
	list   atomic.Pointer[[]*Store] // the registered stores, for lock-free notification
	closed atomic.Bool
	done   chan struct{}

	closeOnce sync.Once
	closeIdle func()              // closes the default prober's keep-alive connections
	gauges    metric.Registration // the latency and health gauges; nil without a MeterProvider

	drains  *drains    // shared with every router
	drainMu sync.Mutex // serializes read-modify-write of one source's drains
	arc     *arcPoller // the routing-control poller; nil without Options.RoutingControls
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New validates the options, builds a Client and starts one probe loop per
// region (unless Options.DisableBackgroundProbes). cfg is the base AWS
// configuration (credentials, retryer, HTTP client); Client.Config derives a
// per-region copy of it. ctx bounds nothing after New returns: the probes run
// until Close.
func New(ctx context.Context, cfg aws.Config, optFns ...func(*Options)) (*Client, error) {
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
	resolveDefaults(&o)
	var closeIdle func()
	if o.Prober == nil {
		hp := NewHTTPProber(o.HTTPClient, o.Endpoints)
		if o.HTTPClient == nil { // our own client: its connections are ours to close
			closeIdle = hp.Client.CloseIdleConnections
		}
		o.Prober = hp
	}
	index := make(map[Region]int, len(o.Regions))
	var all RegionSet
	for i, r := range o.Regions {
		index[r] = i
		all = all.With(i)
	}
	c := &Client{opts: o, cfg: cfg, prober: o.Prober, all: all, closeIdle: closeIdle,
		stores: map[string]*Store{}, done: make(chan struct{})}
	c.drains = &drains{}
	c.rt = newRouter(&o, index, "", all, nil, true)
	c.rt.drains = c.drains
	c.rt.recompute()
	c.rt.tel = telemetry.New(o.MeterProvider, o.TracerProvider)
	gauges, err := c.registerGauges(c.rt.tel.Meter())
	if err != nil {
		return nil, err
	}
	c.gauges = gauges
	c.list.Store(&[]*Store{})
	c.arc = newARCPoller(&o, cfg)
	loopCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	if !o.DisableBackgroundProbes {
		c.startProbeLoops(loopCtx, c.networkTarget(), &c.wg)
		if c.arc != nil {
			c.wg.Add(1)
			go c.routingControlLoop(loopCtx)
		}
	}
	return c, nil
}

// Close stops every probe goroutine, closes every Store registered on the
// Client, and waits for them. It is safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed.Store(true)
		stores := *c.list.Load()
		c.mu.Unlock()
		c.rt.close(ErrClosed)
		for _, s := range stores {
			s.shutdown(ErrClosed)
		}
		c.cancel()
		c.wg.Wait()
		if c.gauges != nil {
			_ = c.gauges.Unregister()
		}
		if c.closeIdle != nil {
			c.closeIdle()
		}
		close(c.done)
	})
	return nil
}

// Err returns nil while the Client is open and ErrClosed once it closed.
func (c *Client) Err() error {
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// Done returns a channel that is closed when the Client has closed.
func (c *Client) Done() <-chan struct{} { return c.done }

// Regions returns the configured regions in preference order.
func (c *Client) Regions() []Region { return append([]Region(nil), c.opts.Regions...) }

// Options returns a copy of the resolved options.
func (c *Client) Options() Options { return c.opts.copy() }

// Config returns a copy of the base aws.Config for region r with the
// endpoint overrides of r applied to every AWS service client built from it,
// e.g. dynamodb.NewFromConfig(mr.Config("eu-west-1")).
func (c *Client) Config(r Region) aws.Config {
	return regionConfig(c.cfg, r, c.opts.Endpoints[r])
}

// Index returns the position of r in Options.Regions.
func (c *Client) Index(r Region) (int, error) {
	if err := c.Err(); err != nil {
		return -1, err
	}
	i, ok := c.rt.index[r]
	if !ok {
		return -1, &UnknownRegionError{Region: r}
	}
	return i, nil
}

// Set returns the RegionSet of the given regions, for Pick and Rank. With no
// arguments it returns every region of the Client.
func (c *Client) Set(regions ...Region) (RegionSet, error) {
	if err := c.Err(); err != nil {
		return 0, err
	}
	if len(regions) == 0 {
		return c.all, nil
	}
	var s RegionSet
	for _, r := range regions {
		i, err := c.Index(r)
		if err != nil {
			return 0, err
		}
		s = s.With(i)
	}
	return s, nil
}

// regionsOf lists the regions of s in preference order.
func (c *Client) regionsOf(s RegionSet) []Region {
	var out []Region
	for i, r := range c.opts.Regions {
		if s.Has(i) {
			out = append(out, r)
		}
	}
	return out
}

// Pick returns the nearest healthy region of allowed in the network view.
// It takes no lock and allocates nothing, except on the error path: when
// no allowed region is healthy it returns a *NoHealthyRegionError (errors.Is
// ErrNoHealthyRegion), never a region outside allowed; after Close, ErrClosed.
// Adapters pick through their Store instead.
func (c *Client) Pick(allowed RegionSet) (Region, error) {
	i, err := c.rt.pick(allowed)
	if err != nil {
		return "", err
	}
	if i < 0 {
		regions := c.Rank(allowed, nil)
		return "", &NoHealthyRegionError{Allowed: regions, LastErrors: c.rt.lastErrors(regions)}
	}
	return c.opts.Regions[i], nil
}

// Rank appends to dst the regions of allowed in the network view's pick
// order: healthy ones first (nearest first, with hysteresis), ejected ones
// last. After Close it appends nothing.
func (c *Client) Rank(allowed RegionSet, dst []Region) []Region { return c.rt.rank(allowed, dst) }

// Healthy reports whether r may be picked in the network view: healthy
// and not drained (false for unknown regions and after Close). Status
// tells the two apart.
func (c *Client) Healthy(r Region) bool {
	i, ok := c.rt.index[r]
	return ok && c.rt.healthy(i)
}

// Nearest returns the nearest healthy region among all of the Client's
// regions in the network view, or an error that matches ErrNoHealthyRegion
// (ErrClosed after Close).
func (c *Client) Nearest(ctx context.Context) (Region, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return c.Pick(c.all)
}

// Store returns the store registered under name, or a *StoreError matching
// ErrUnknownStore (ErrClosed after Close).
func (c *Client) Store(name string) (*Store, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stores[name]; ok {
		return s, nil
	}
	return nil, &StoreError{Store: name, Rule: ErrUnknownStore}
}

// Status returns the network view (every region in pick order with its
// latency and health) and the view of every registered store.
func (c *Client) Status() Status {
	st := Status{Closed: c.closed.Load(), Network: c.rt.status(), Drained: c.Drained(), RoutingControls: c.routingControlStatus()}
	for _, s := range *c.list.Load() {
		st.Stores = append(st.Stores, s.Status())
	}
	return st
}

// Refresh probes every region once, concurrently, for the network view and
// for every store that has a prober of its own, waits for the results and
// records each round together, in preference order, so that one round
// gives one deterministic new ranking. Use it at start-up to rank regions
// before the first call, or to drive the Client in virtual time with
// DisableBackgroundProbes.
func (c *Client) Refresh(ctx context.Context) error {
	if err := c.Err(); err != nil {
		return err
	}
	if err := c.probeRound(ctx, c.networkTarget()); err != nil {
		return err
	}
	for _, s := range *c.list.Load() {
		if s.prober == nil {
			continue
		}
		if err := s.Refresh(ctx); err != nil && s.Err() == nil {
			return err
		}
	}
	return nil
}

// register adds s to the registry and runs start with the registry locked.
func (c *Client) register(s *Store, start func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	name := s.rt.name
	if _, dup := c.stores[name]; dup {
		return &StoreError{Store: name, Rule: ErrDuplicateStore, Reason: "a store of that name is already registered on this Client"}
	}
	c.stores[name] = s
	list := append(append([]*Store(nil), *c.list.Load()...), s)
	c.list.Store(&list)
	start()
	return nil
}

// unregister removes s from the registry.
func (c *Client) unregister(s *Store) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stores[s.rt.name] != s {
		return
	}
	delete(c.stores, s.rt.name)
	var list []*Store
	for _, x := range *c.list.Load() {
		if x != s {
			list = append(list, x)
		}
	}
	c.list.Store(&list)
}

// networkChanged re-ranks the stores that rank by the network view.
func (c *Client) networkChanged() {
	for _, s := range *c.list.Load() {
		s.rt.recompute()
	}
}

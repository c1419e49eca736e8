package multiregion

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Client measures the latency and health of a set of AWS regions and picks
// the nearest healthy one. Datastore adapters (dynamo, aurora, s3mesh, cache,
// docdb) ask it which regions may serve a call and report back what they saw.
//
// A Client is safe for concurrent use. Close it to stop its probes.
type Client struct {
	opts   Options
	cfg    aws.Config
	rt     *router
	prober Prober
	all    RegionSet

	closeOnce sync.Once
	closeIdle func() // closes the default prober's keep-alive connections
	cancel    context.CancelFunc
	wg        sync.WaitGroup
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
	c := &Client{opts: o, cfg: cfg, rt: newRouter(&o), prober: o.Prober, closeIdle: closeIdle}
	for i := range o.Regions {
		c.all = c.all.With(i)
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	if !o.DisableBackgroundProbes {
		for i := range o.Regions {
			c.wg.Add(1)
			go c.probeLoop(loopCtx, i)
		}
	}
	return c, nil
}

// Close stops every probe goroutine and waits for them. It is safe to call
// more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		c.wg.Wait()
		if c.closeIdle != nil {
			c.closeIdle()
		}
	})
	return nil
}

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
	i, ok := c.rt.index[r]
	if !ok {
		return -1, &UnknownRegionError{Region: r}
	}
	return i, nil
}

// Set returns the RegionSet of the given regions, for Pick and Rank. With no
// arguments it returns every region of the Client.
func (c *Client) Set(regions ...Region) (RegionSet, error) {
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

// Pick returns the nearest healthy region of allowed. It takes no lock and
// allocates nothing, except on the error path: when no allowed region is
// healthy it returns a *NoHealthyRegionError (errors.Is ErrNoHealthyRegion),
// never a region outside allowed.
func (c *Client) Pick(allowed RegionSet) (Region, error) {
	if i := c.rt.pick(allowed); i >= 0 {
		return c.opts.Regions[i], nil
	}
	return "", c.NoHealthy("", allowed)
}

// Rank appends to dst the regions of allowed in pick order: healthy ones
// first (nearest first, with hysteresis), ejected ones last. Adapters try
// them in this order to fail over.
func (c *Client) Rank(allowed RegionSet, dst []Region) []Region { return c.rt.rank(allowed, dst) }

// Healthy reports whether r is currently healthy (false for unknown regions).
func (c *Client) Healthy(r Region) bool {
	i, ok := c.rt.index[r]
	return ok && c.rt.snap.Load().healthy.Has(i)
}

// Nearest returns the nearest healthy region among all of the Client's
// regions, or an error that matches ErrNoHealthyRegion.
func (c *Client) Nearest(ctx context.Context) (Region, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return c.Pick(c.all)
}

// NoHealthy builds the error adapters return when no allowed region is
// healthy for op: it names the allowed regions and the last error of each.
func (c *Client) NoHealthy(op string, allowed RegionSet) error {
	regions := c.Rank(allowed, nil)
	return &NoHealthyRegionError{Op: op, Allowed: regions, LastErrors: c.rt.lastErrors(regions)}
}

// Observe feeds the outcome of a real call to r into the router: a latency
// sample when err is nil and rtt > 0 (pass rtt 0 to report a success without
// a sample, e.g. for a scan whose time says more about its size than about
// the network), a failure otherwise. context.Canceled is never counted;
// adapters also skip Observe when the caller's own context ended the call.
// Unknown regions are ignored. Safe for concurrent use.
func (c *Client) Observe(r Region, rtt time.Duration, err error) {
	if i, ok := c.rt.index[r]; ok {
		c.rt.observe(i, rtt, err, false)
	}
}

// Status returns every region in pick order with its latency and health.
func (c *Client) Status() []RegionStatus { return c.rt.status() }

// Refresh probes every region once, concurrently, waits for the results
// and records them together, in preference order, so that one round gives
// one deterministic new ranking. Use it at start-up to rank regions before
// the first call, or to drive the Client in virtual time with
// DisableBackgroundProbes.
func (c *Client) Refresh(ctx context.Context) error {
	results := make([]probeResult, len(c.opts.Regions))
	var wg sync.WaitGroup
	for i := range c.opts.Regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = c.probe(ctx, i)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.rt.observeProbes(results)
	return nil
}

// probeLoop probes region i now and then every ProbeInterval until ctx ends.
func (c *Client) probeLoop(ctx context.Context, i int) {
	defer c.wg.Done()
	for {
		c.probeOnce(ctx, i)
		t := c.opts.Clock.NewTimer(c.opts.ProbeInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// probeOnce runs one probe of region i and records it.
func (c *Client) probeOnce(ctx context.Context, i int) {
	res := c.probe(ctx, i)
	// A probe cut short because the Client is closing is not recorded.
	if ctx.Err() == nil {
		c.rt.observe(i, res.rtt, res.err, true)
	}
}

// probeResult is the outcome of one probe of region i.
type probeResult struct {
	i   int
	rtt time.Duration
	err error
}

// probe runs one probe of region i with ProbeTimeout.
func (c *Client) probe(ctx context.Context, i int) probeResult {
	r := c.opts.Regions[i]
	if err := ctx.Err(); err != nil {
		return probeResult{i: i, err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	tracer, _ := c.opts.Tracer.(ProbeTracer)
	if tracer != nil {
		pctx = tracer.TraceProbeStart(pctx, TraceProbeStartData{Region: r})
	}
	rtt, err := c.prober.Probe(pctx, r)
	if err == nil && rtt <= 0 {
		rtt = time.Nanosecond // a probe that succeeded is a sample, however fast
	}
	if tracer != nil {
		tracer.TraceProbeEnd(pctx, TraceProbeEndData{Region: r, RTT: rtt, Err: err})
	}
	if err != nil {
		if ctx.Err() != nil { // the caller gave up: says nothing of the region
			return probeResult{i: i, err: ctx.Err()}
		}
		err = &RegionError{Region: r, Op: "probe", Err: err}
		c.opts.Logger.Debug("multiregion: probe failed", "region", string(r), "error", err)
	}
	return probeResult{i: i, rtt: rtt, err: err}
}

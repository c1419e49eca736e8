package cache

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Store is an ElastiCache Global Datastore (Valkey or Redis OSS, node-based
// clusters) on a multiregion.Client: one go-redis client per region, built
// once, writes routed to the primary region, reads to the nearest healthy
// region whose replica is within MaxLag.
//
// A Store is safe for concurrent use. Close it to close its clients; it
// does not close the multiregion.Client, but stops when that closes.
type Store struct {
	mr    *multiregion.Client
	opts  Options
	src   *attrSource
	cp    *controlPlane // nil with Options.Static
	kit   *singlewriter.Kit[redis.UniversalClient]
	store *multiregion.Store
	rt    *singlewriter.Router[redis.UniversalClient]
	lag   *lagTracker
	root  *Scoped
	ryw   *rywState   // nil unless Options.ReadYourWrites
	loop  *route.Loop // the read-your-writes reads' (Router builds its own)

	closed     atomic.Bool
	cancel     context.CancelFunc
	mu         sync.Mutex // guards wg.Add against Close
	wg         sync.WaitGroup
	refreshing atomic.Bool
	closeOnce  sync.Once
	closeErr   error
}

// New returns the Store of the Global Datastore that opts describe
// (Options.GlobalReplicationGroupID or Options.Static). It loads the
// topology once (ctx bounds that load), checks it against the capability
// table (1 primary + at most 2 secondary regions, one cluster mode for
// all), registers the store's routing state on mr (name
// Options.StoreName, probed with PING unless Options.DisableProbe) and
// starts the topology refresh and the lag measurement. No data-plane
// connection is opened before the first call to a region.
func New(ctx context.Context, mr *multiregion.Client, optFns ...func(*Options)) (*Store, error) {
	const op = "cache.New"
	if ctx == nil {
		return nil, &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	if mr == nil {
		return nil, &InputError{Op: op, Arg: "mr", Reason: "nil *multiregion.Client"}
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
	s := &Store{mr: mr, opts: o}
	var inner singlewriter.Source
	if o.Static != nil {
		src, err := staticSource(o.Static)
		if err != nil {
			return nil, err
		}
		inner = src
	} else {
		s.cp = newControlPlane(mr, o.GlobalReplicationGroupID, o.ClientOptions)
		inner = s.cp
	}
	if o.LagInterval > 0 {
		s.lag = newLagTracker(o.LagInterval)
		inner = singlewriter.MeasuredLag(inner, s.lag.LagReadings)
	}
	s.src = &attrSource{inner: inner}
	kit, err := singlewriter.New(ctx, mr, s.src, s.connect, closeClient, func(ko *singlewriter.Options) {
		ko.Kind = multiregion.ElastiCacheGlobal
		ko.Store = o.StoreName
		ko.RefreshInterval = o.RefreshInterval
		ko.MaxLag = o.MaxLag
		ko.AllowPartial = o.AllowPartial
		ko.Logger = o.Logger
		ko.Done = mr.Done()
	})
	if err != nil {
		return nil, err
	}
	s.kit = kit
	var prober multiregion.Prober
	if !o.DisableProbe {
		prober = singlewriter.PingProber(kit, func(ctx context.Context, c redis.UniversalClient) error { return c.Ping(ctx).Err() })
	}
	var leftOut []multiregion.Region
	for _, m := range kit.Status().LeftOut {
		leftOut = append(leftOut, m.Region)
	}
	st, err := mr.NewStore(o.StoreName, kit.Topology().Regions(), func(so *multiregion.StoreOptions) {
		so.Kind, so.Prober, so.LeftOut = multiregion.ElastiCacheGlobal, prober, leftOut
		so.Topology = singlewriter.TopologyStatusFunc(kit)
	})
	if err != nil {
		_ = kit.Close()
		return nil, err
	}
	s.store = st
	s.rt = singlewriter.NewRouter(kit, st, classifier, final)
	if o.Hedge != nil {
		s.rt.SetHedge(*o.Hedge)
	}
	if s.lag != nil {
		s.rt.SetLiveLag(s.lag.Current)
	}
	s.loop = &route.Loop{Store: st, Classifier: classifier, Final: final, Logger: o.Logger}
	if o.ReadYourWrites {
		s.ryw = &rywState{}
	}
	s.root = &Scoped{s: s}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if s.lag != nil {
		s.wg.Add(1)
		go s.lagLoop(bg)
	}
	return s, nil
}

// connect builds the go-redis client of one member: a ClusterClient when
// the topology is cluster mode enabled, else a Client. It opens no
// connection. The password goes to go-redis only.
func (s *Store) connect(_ context.Context, m singlewriter.Member) (redis.UniversalClient, error) {
	o := &s.opts
	var tc *tls.Config
	if o.TLS != nil || s.src.tls() {
		if o.TLS != nil {
			tc = o.TLS.Clone()
		} else {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if tc.ServerName == "" {
			if host, _, err := net.SplitHostPort(m.Endpoint); err == nil {
				tc.ServerName = host
			}
		}
	}
	hook := &readOnlyHook{s: s, region: m.Region}
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if s.src.cluster() {
		co := &redis.ClusterOptions{Addrs: []string{m.Endpoint}, Username: o.Username, Password: o.Password, TLSConfig: tc,
			PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout,
			WriteTimeout: o.WriteTimeout, PoolTimeout: o.PoolTimeout, MaxRetries: o.MaxRetries, Protocol: o.Protocol, DialerRetries: 1,
			ReadOnly: m.Role != singlewriter.RoleWriter, MaintNotificationsConfig: maint}
		if o.ClusterOptions != nil {
			o.ClusterOptions(m.Region, co)
		}
		c := redis.NewClusterClient(co)
		c.AddHook(hook)
		return c, nil
	}
	ro := &redis.Options{Addr: m.Endpoint, Username: o.Username, Password: o.Password, TLSConfig: tc,
		PoolSize: o.PoolSize, MinIdleConns: o.MinIdleConns, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout,
		WriteTimeout: o.WriteTimeout, PoolTimeout: o.PoolTimeout, MaxRetries: o.MaxRetries, Protocol: o.Protocol, DialerRetries: 1,
		MaintNotificationsConfig: maint}
	if o.RedisOptions != nil {
		o.RedisOptions(m.Region, ro)
	}
	c := redis.NewClient(ro)
	c.AddHook(hook)
	return c, nil
}

func closeClient(c redis.UniversalClient) error { return c.Close() }

// refreshAsync starts one topology refresh in the background, unless one
// started this way is still running.
func (s *Store) refreshAsync() {
	if !s.refreshing.CompareAndSwap(false, true) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		s.refreshing.Store(false)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), singlewriter.DefaultRefreshTimeout)
		defer cancel()
		_ = s.kit.Refresh(ctx)
	}()
}

// err returns ErrClosed once the store or its Client closed.
func (s *Store) err() error {
	if s.closed.Load() || s.kit.Err() != nil || s.store.Err() != nil {
		return ErrClosed
	}
	return nil
}

// Close stops the background work, unregisters the store from the Client
// and closes every region's client. Calls then fail with an error matching
// multiregion.ErrClosed. Idempotent; later calls return nil.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.mu.Lock()
		s.closed.Store(true)
		s.mu.Unlock()
		s.cancel()
		s.wg.Wait()
		_ = s.store.Close()
		s.closeErr = s.kit.Close()
	})
	if !first {
		return nil
	}
	return s.closeErr
}

// Name returns the store's name on the multiregion.Client.
func (s *Store) Name() string { return s.opts.StoreName }

// Primary returns the primary region of the topology in use.
func (s *Store) Primary() multiregion.Region { return s.kit.Topology().Writer }

// Regions returns the member regions of the topology in use, in the
// Client's preference order.
func (s *Store) Regions() []multiregion.Region { return s.kit.Topology().Regions() }

// Lag returns the replication lag of region r as last measured and merged
// into the topology, and whether it is known. The primary has none.
func (s *Store) Lag(r multiregion.Region) (time.Duration, bool) {
	m, ok := s.kit.Topology().Member(r)
	if !ok || m.Role == singlewriter.RoleWriter {
		return 0, false
	}
	return m.Lag, m.LagKnown
}

// ClusterMode reports whether the Global Datastore runs cluster mode enabled.
func (s *Store) ClusterMode() bool { return s.src.cluster() }

// Refresh loads the topology now (coalesced with any load running).
func (s *Store) Refresh(ctx context.Context) error {
	if err := checkCtx("cache.Refresh", ctx); err != nil {
		return err
	}
	if err := s.err(); err != nil {
		return err
	}
	return s.kit.Refresh(ctx)
}

// Writer returns the primary region's client. Hold it for one call, not
// across calls: after a failover the next Writer call returns the new
// primary's client, and the old one is closed a while later. A write it
// sends to a region that became a replica fails with a *ReadOnlyError and
// starts a topology refresh.
func (s *Store) Writer(ctx context.Context) (redis.UniversalClient, error) {
	if err := checkCtx("cache.Writer", ctx); err != nil {
		return nil, err
	}
	if err := s.err(); err != nil {
		return nil, err
	}
	c, err := s.kit.Client(ctx, s.kit.Topology().Writer)
	return c, s.closedAs(err)
}

// Reader returns the client of the nearest healthy region that may serve
// reads (the primary, or a replica within MaxLag), and that region.
// Options.ReadYourWrites does not apply to it: after a write that must be
// seen, use Writer or the routed helpers.
func (s *Store) Reader(ctx context.Context) (redis.UniversalClient, multiregion.Region, error) {
	if err := checkCtx("cache.Reader", ctx); err != nil {
		return nil, "", err
	}
	if err := s.err(); err != nil {
		return nil, "", err
	}
	r, err := s.store.Pick(s.kit.Readers())
	if err != nil {
		return nil, "", s.closedAs(err)
	}
	c, err := s.kit.Client(ctx, r)
	return c, r, s.closedAs(err)
}

// Failover makes target the primary region of the Global Datastore with
// FailoverGlobalReplicationGroup (GlobalReplicationGroupId, PrimaryRegion,
// PrimaryReplicationGroupId), then refreshes the topology, so that writes
// go to the new primary without a restart. ElastiCache promotes the
// secondary in the background; until the control plane reports the new
// primary, writes to the old one are refused with READONLY, which refreshes
// the topology again and retries once. A Store with Options.Static cannot
// fail over (an *InputError).
func (s *Store) Failover(ctx context.Context, target multiregion.Region) error {
	const op = "cache.Failover"
	if err := checkCtx(op, ctx); err != nil {
		return err
	}
	if err := s.err(); err != nil {
		return err
	}
	if s.cp == nil {
		return &InputError{Op: op, Arg: "target", Reason: "a static topology has no control plane to fail over with"}
	}
	t := s.kit.Topology()
	m, ok := t.Member(target)
	if !ok {
		return &InputError{Op: op, Arg: "target", Reason: fmt.Sprintf("%s is not a member region of the Global Datastore", target)}
	}
	if t.Writer == target {
		return nil
	}
	if err := s.cp.failover(ctx, target, m.ID); err != nil {
		return &multiregion.RegionError{Region: target, Op: op, Err: err}
	}
	return s.kit.Refresh(ctx)
}

// closedAs turns the kit's closed errors into ErrClosed.
func (s *Store) closedAs(err error) error {
	if err != nil && errors.Is(err, multiregion.ErrClosed) {
		return ErrClosed
	}
	return err
}

func checkCtx(op string, ctx context.Context) error {
	if ctx == nil {
		return &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	return nil
}

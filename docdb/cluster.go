package docdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	awsdocdb "github.com/aws/aws-sdk-go-v2/service/docdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Cluster is a DocumentDB global cluster on a multiregion.Client: writes
// go to the primary region's cluster, reads to the nearest healthy region
// within MaxLag, each region through its own driver client (built lazily,
// rebuilt when the region's endpoint changes).
//
// A Cluster is safe for concurrent use; In returns a scoped view that
// shares its state.
type Cluster struct {
	*cluster
	pin multiregion.Region       // In: the only region tried
	ro  multiregion.ResolvedRead // WithRead: the handle's read options
}

type cluster struct {
	mr    *multiregion.Client
	opts  Options
	name  string // store name, "docdb:"+Name
	kit   *singlewriter.Kit[*mongo.Client]
	store *multiregion.Store
	rt    *singlewriter.Router[*mongo.Client]
	tls   *tls.Config
	ryw   *rywTracker // nil unless Options.ReadYourWrites
	api   func(multiregion.Region) ControlPlaneAPI
}

// New loads the global cluster's topology (Options.GlobalClusterID from the
// control plane, or the static Options.Members), registers the store
// "docdb:"+Name on mr with its own ping prober, and returns the Cluster.
// It fails with a *multiregion.OptionError for bad options, a
// *multiregion.CapabilityError (multiregion.ErrTooManyRegions) for more than
// MaxRegions regional clusters, and the control plane's error when the
// first load fails. No data-plane connection is made before the first
// call or probe.
func New(ctx context.Context, mr *multiregion.Client, optFns ...func(*Options)) (*Cluster, error) {
	if ctx == nil {
		return nil, &InputError{Op: "docdb.New", Arg: "ctx", Reason: "nil context"}
	}
	if mr == nil {
		return nil, &InputError{Op: "docdb.New", Arg: "mr", Reason: "nil *multiregion.Client"}
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
	o.CABundle = append([]byte(nil), o.CABundle...)
	c := &cluster{mr: mr, opts: o}
	if err := c.resolve(); err != nil {
		return nil, err
	}
	var src singlewriter.Source
	if len(o.Members) > 0 {
		t, err := staticTopology(o.Members, o.EngineVersion)
		if err != nil {
			return nil, err
		}
		src = singlewriter.Static(t)
		if o.LagSource != nil {
			src = lagSource{src: src, lag: o.LagSource}
		}
	} else {
		src = &controlSource{id: o.GlobalClusterID, regions: mr.Regions(), api: c.api, lag: o.LagSource, partial: o.AllowPartial}
	}
	kit, err := singlewriter.New(ctx, mr, src, c.connect, disconnect, func(so *singlewriter.Options) {
		so.Kind, so.Store = multiregion.DocumentDBGlobal, c.name
		so.RefreshInterval, so.MaxLag, so.Logger = o.RefreshInterval, o.MaxLag, o.Logger
		so.Done, so.AllowPartial = mr.Done(), o.AllowPartial
	})
	if err != nil {
		return nil, err
	}
	c.kit = kit
	st, err := mr.NewStore(c.name, nil, func(so *multiregion.StoreOptions) {
		so.Kind = multiregion.DocumentDBGlobal
		so.Prober = singlewriter.PingProber(kit, func(ctx context.Context, cl *mongo.Client) error {
			return cl.Ping(ctx, readpref.SecondaryPreferred())
		})
		so.Topology = singlewriter.TopologyStatusFunc(kit)
	})
	if err != nil {
		_ = kit.Close()
		return nil, err
	}
	c.store = st
	c.rt = singlewriter.NewRouter(kit, st, classifier, nil)
	if o.Hedge != nil {
		c.rt.SetHedge(*o.Hedge)
	}
	if o.ReadYourWrites {
		c.ryw = newRYWTracker(o.ReadYourWritesWindow)
	}
	return &Cluster{cluster: c}, nil
}

// resolve checks the options and fills the defaults.
func (c *cluster) resolve() error {
	o := &c.opts
	bad := func(field, value, reason string) error {
		return &multiregion.OptionError{Field: field, Value: value, Reason: reason}
	}
	switch {
	case o.GlobalClusterID == "" && len(o.Members) == 0:
		return bad("GlobalClusterID", "", "required unless Members is set")
	case o.GlobalClusterID != "" && len(o.Members) > 0:
		return bad("Members", fmt.Sprint(len(o.Members)), "set either Members or GlobalClusterID, not both")
	case o.ReadYourWritesWindow < 0:
		return bad("ReadYourWritesWindow", o.ReadYourWritesWindow.String(), "must not be negative")
	case o.Password != "" && o.Username == "":
		return bad("Username", "", "required with a Password")
	}
	if o.Hedge != nil {
		if err := o.Hedge.Validate(); err != nil {
			return err
		}
	}
	if o.EngineVersion != "" {
		if _, ok := parseVersion(o.EngineVersion); !ok {
			return bad("EngineVersion", o.EngineVersion, "not a dotted version such as 5.0.0")
		}
	}
	if o.Name == "" {
		o.Name = o.GlobalClusterID
		if o.Name == "" {
			o.Name = "static"
		}
	}
	c.name = "docdb:" + o.Name
	if o.ReplicaSet == "" {
		o.ReplicaSet = "rs0"
	}
	if o.ReadYourWritesWindow == 0 {
		o.ReadYourWritesWindow = DefaultReadYourWritesWindow
	}
	if o.Logger == nil {
		o.Logger = c.mr.Options().Logger
	}
	if !o.DisableTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if len(o.CABundle) > 0 {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(o.CABundle) {
				return bad("CABundle", fmt.Sprintf("%d bytes", len(o.CABundle)), "no PEM certificate in it")
			}
			cfg.RootCAs = pool
		}
		c.tls = cfg
	}
	c.api = o.API
	if c.api == nil {
		mr := c.mr
		c.api = func(r multiregion.Region) ControlPlaneAPI { return awsdocdb.NewFromConfig(mr.Config(r)) }
	}
	return nil
}

// connect builds the driver client of one regional cluster. mongo.Connect
// dials nothing: the first operation does.
func (c *cluster) connect(_ context.Context, m singlewriter.Member) (*mongo.Client, error) {
	o := options.Client().SetHosts([]string{m.Endpoint}).
		SetReadPreference(readpref.SecondaryPreferred()).
		SetRetryWrites(retryWrites(c.opts.RetryWrites, c.kit.Topology().Attributes[engineVersionAttr])).
		SetServerSelectionTimeout(5 * time.Second)
	if c.opts.ReplicaSet == "-" {
		o.SetDirect(true)
	} else {
		o.SetReplicaSet(c.opts.ReplicaSet)
	}
	if c.opts.Username != "" {
		o.SetAuth(options.Credential{Username: c.opts.Username, Password: c.opts.Password})
	}
	if c.tls != nil {
		o.SetTLSConfig(c.tls.Clone())
	}
	if c.opts.ClientOptions != nil {
		c.opts.ClientOptions(m.Region, o)
	}
	cl, err := mongo.Connect(o)
	if err != nil {
		// The driver's option errors may quote the URI; say only what failed.
		return nil, fmt.Errorf("docdb: %s: building the driver client for %s failed", c.name, m.Region)
	}
	return cl, nil
}

func disconnect(cl *mongo.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.Disconnect(ctx)
}

// In returns a handle whose calls run in region r only: reads there (no
// failover), writes only if r is the primary region; a write elsewhere is
// a *multiregion.WriteRegionError before any network traffic.
func (c *Cluster) In(r multiregion.Region) *Cluster {
	return &Cluster{cluster: c.cluster, pin: r, ro: c.ro}
}

// WithRead returns a handle whose reads follow o: a tighter MaxLag (the
// members' lag as the control plane or Members report it), regions
// excluded, a preferred region, hedging of FindOne on or off (see
// multiregion.ReadOptions). Writes are unchanged; a pin (In) stays. Bad
// options are an *multiregion.OptionError, before any network traffic.
func (c *Cluster) WithRead(o multiregion.ReadOptions) (*Cluster, error) {
	ro, err := o.Resolve(c.store)
	if err != nil {
		return nil, err
	}
	return &Cluster{cluster: c.cluster, pin: c.pin, ro: ro}, nil
}

// Region returns the region of a handle from In, or "".
func (c *Cluster) Region() multiregion.Region { return c.pin }

// Writer returns the current primary region.
func (c *Cluster) Writer() multiregion.Region { return c.kit.Topology().Writer }

// Regions returns the regions of the current topology, in the Client's order.
func (c *Cluster) Regions() []multiregion.Region { return c.kit.Topology().Regions() }

// RetryWrites reports whether the driver clients use retryable writes.
func (c *Cluster) RetryWrites() bool {
	return retryWrites(c.opts.RetryWrites, c.kit.Topology().Attributes[engineVersionAttr])
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

// Close stops the refreshes and probes and disconnects every regional
// client. Afterwards every call returns an error matching
// multiregion.ErrClosed. Close is idempotent; it also happens when the
// multiregion.Client closes.
func (c *Cluster) Close() error {
	return errors.Join(c.store.Close(), c.kit.Close())
}

// Switchover moves the primary to target without data loss
// (SwitchoverGlobalCluster: the old primary becomes a secondary), then
// reloads the topology. The operation runs on for minutes on AWS;
// refreshes pick up the new primary when it lands.
func (c *Cluster) Switchover(ctx context.Context, target multiregion.Region) error {
	return c.moveWriter(ctx, "SwitchoverGlobalCluster", target, false)
}

// Failover promotes target (FailoverGlobalCluster). With allowDataLoss it
// is a failover for a primary region that is down: writes not yet
// replicated to target are lost. Without it, it runs as a switchover
// (FailoverGlobalCluster with Switchover=true). Then it reloads the topology.
func (c *Cluster) Failover(ctx context.Context, target multiregion.Region, allowDataLoss bool) error {
	return c.moveWriter(ctx, "FailoverGlobalCluster", target, allowDataLoss)
}

func (c *cluster) moveWriter(ctx context.Context, api string, target multiregion.Region, allowDataLoss bool) error {
	op := "docdb." + map[string]string{"SwitchoverGlobalCluster": "Switchover", "FailoverGlobalCluster": "Failover"}[api]
	if ctx == nil {
		return &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	if err := c.kit.Err(); err != nil {
		return err
	}
	capab, _ := multiregion.Capability(multiregion.DocumentDBGlobal)
	if !containsString(capab.FailoverAPIs, api) {
		return &multiregion.CapabilityError{Kind: multiregion.DocumentDBGlobal, Rule: multiregion.ErrInvalidStore, Detail: api + " is not in the capability table"}
	}
	if len(c.opts.Members) > 0 {
		return fmt.Errorf("%s: %s: %w", op, c.name, ErrStaticTopology)
	}
	t := c.kit.Topology()
	m, ok := t.Member(target)
	if !ok {
		return &InputError{Op: op, Arg: "target", Reason: "region " + string(target) + " has no cluster in the global cluster"}
	}
	if t.Writer == target {
		return &InputError{Op: op, Arg: "target", Reason: "region " + string(target) + " is the primary already"}
	}
	api0 := c.api(target)
	var err error
	if api == "SwitchoverGlobalCluster" {
		_, err = api0.SwitchoverGlobalCluster(ctx, &awsdocdb.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: &c.opts.GlobalClusterID, TargetDbClusterIdentifier: &m.ID})
	} else {
		in := &awsdocdb.FailoverGlobalClusterInput{GlobalClusterIdentifier: &c.opts.GlobalClusterID, TargetDbClusterIdentifier: &m.ID}
		if allowDataLoss {
			in.AllowDataLoss = &allowDataLoss
		} else {
			sw := true
			in.Switchover = &sw
		}
		_, err = api0.FailoverGlobalCluster(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", op, c.name, err)
	}
	return c.kit.Refresh(ctx)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

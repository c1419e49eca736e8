package cache

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Defaults of Options.
const (
	DefaultRefreshInterval = singlewriter.DefaultRefreshInterval
	DefaultLagInterval     = time.Second
	DefaultDialTimeout     = 2 * time.Second
	DefaultReadTimeout     = 2 * time.Second
	DefaultWriteTimeout    = 2 * time.Second
)

// Static is a topology given without a control plane: the primary region
// and one address (host:port) per region. Use it for a Global Datastore
// whose primary only moves on a redeploy, for self-managed Valkey / Redis
// replicas, and in tests. Addresses carry no credentials (Options.Username
// and Options.Password do). A plain value, not synchronized; New copies it.
type Static struct {
	// Primary is the region that takes writes.
	// default: none (required)
	Primary multiregion.Region
	// Addrs maps every region (the primary's included) to the address of its
	// primary endpoint (cluster mode disabled) or configuration endpoint
	// (cluster mode enabled). At most 3 regions: 1 primary + 2 secondaries.
	// default: none (required)
	Addrs map[multiregion.Region]string
	// ClusterMode says the regions run Redis Cluster (cluster mode
	// enabled): the adapter then builds redis.ClusterClient.
	// default: false
	ClusterMode bool
}

// Options configures a Store. The zero value of every field is its
// default; New copies Options, so changing them afterwards has no effect.
// A plain value, not synchronized: do not share one being modified.
type Options struct {
	// GlobalReplicationGroupID names the Global Datastore. With it, New
	// loads the topology from the ElastiCache control plane
	// (DescribeGlobalReplicationGroups with ShowMemberInfo, then
	// DescribeReplicationGroups in each member's region) and refreshes it
	// every RefreshInterval. Exactly one of GlobalReplicationGroupID and
	// Static must be set.
	// default: "" (Static must be set)
	GlobalReplicationGroupID string

	// Static is a fixed topology (no control plane calls). Failover then
	// fails; a READONLY reply still refreshes (and finds nothing new).
	// default: nil
	Static *Static

	// StoreName is the name of the store's routing state on the
	// multiregion.Client (unique per Client).
	// default: "cache:" + GlobalReplicationGroupID, or "cache:static"
	StoreName string

	// Username and Password authenticate every connection (Redis AUTH, or
	// an ACL user of ElastiCache RBAC). The password is never logged nor
	// put in an error.
	// default: "" (no AUTH)
	Username string
	Password string

	// TLS is the TLS configuration of every connection; ServerName is set
	// per endpoint when empty. With GlobalReplicationGroupID, TLS is turned
	// on (with a default config) when the replication groups report
	// TransitEncryptionEnabled.
	// default: nil (plain TCP, unless the control plane says in-transit encryption)
	TLS *tls.Config

	// PoolSize, MinIdleConns, DialTimeout, ReadTimeout, WriteTimeout and
	// PoolTimeout are passed to go-redis for every region's client.
	// default: go-redis's (10 per CPU); 0; 2s; 2s; 2s; go-redis's (ReadTimeout + 1s)
	PoolSize     int
	MinIdleConns int
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	PoolTimeout  time.Duration

	// MaxRetries is go-redis's own retry count. The call loop fails over
	// between regions and must see the first error: a driver retry of an
	// INCR after a timeout would replay a non-idempotent write.
	// default: -1 (no driver retries). Dials are not retried either
	// (go-redis DialerRetries 1): a region that refuses connections fails
	// the attempt at once and the read moves to the next region.
	MaxRetries int

	// Protocol is the RESP version (2 or 3).
	// default: 3 (go-redis's)
	Protocol int

	// RedisOptions, when set, edits each region's redis.Options (cluster
	// mode disabled) before the client is built.
	// default: nil
	RedisOptions func(multiregion.Region, *redis.Options)
	// ClusterOptions is RedisOptions for cluster mode enabled.
	// default: nil
	ClusterOptions func(multiregion.Region, *redis.ClusterOptions)

	// MaxLag is the most replication lag a replica may have and still serve
	// reads. Lag is measured in the background from INFO replication
	// (cluster mode disabled); a replica whose lag is unknown stays a
	// candidate, and the primary always is. A replica crossing MaxLag (either
	// way) reloads the topology at once, so reads follow within one
	// LagInterval; with GlobalReplicationGroupID that load calls the control
	// plane.
	// default: 0 (no bound)
	MaxLag time.Duration

	// LagInterval is the time between two lag measurements. Negative
	// disables them (Member.Lag then stays unknown).
	// default: 1s
	LagInterval time.Duration

	// ReadYourWrites makes routed reads after a routed write of this Store
	// see that write: a replica serves them only once its replication
	// offset has passed the primary's offset sampled after the write (both
	// sampled by the lag measurement, every LagInterval: no WAIT, no extra
	// round trip per write); until then they go to the primary. With
	// LagInterval negative, or cluster mode enabled (lag not measured),
	// every read after a write goes to the primary. Reads pinned with In
	// are not affected. The Store is the session: writes of other Stores
	// or processes are not tracked.
	// default: false
	ReadYourWrites bool

	// RefreshInterval is the time between two topology loads (see
	// singlewriter.Options.RefreshInterval). Negative: only on demand
	// (READONLY, Failover, Refresh).
	// default: 30s
	RefreshInterval time.Duration

	// AttemptTimeout bounds each attempt of a routed call in one region;
	// one that hits it is a regional failure whose outcome is unknown.
	// default: 0 (the caller's context and ReadTimeout only)
	AttemptTimeout time.Duration

	// Hedge hedges Get: when the nearest reader has not answered after
	// Hedge.After (or the percentile of recent Gets), the same Get goes to
	// the next-ranked reader and the first answer wins (see
	// multiregion.Hedge; ReadOptions.Hedge turns it on or off per handle).
	// default: nil (no hedging)
	Hedge *multiregion.Hedge

	// DisableProbe stops the store's own probe (PING in every region every
	// Client ProbeInterval): the store then ranks by the Client's network
	// view.
	// default: false
	DisableProbe bool

	// AllowPartial accepts members in regions the multiregion.Client does
	// not list; they are left out of routing.
	// default: false
	AllowPartial bool

	// ClientOptions edit the ElastiCache control-plane client of each
	// region.
	// default: none
	ClientOptions []func(*elasticache.Options)

	// Logger receives topology changes and refresh failures. Never an
	// endpoint, never a password.
	// default: the Client's Logger
	Logger *slog.Logger
}

func (o Options) copy() Options {
	c := o
	if o.Static != nil {
		s := *o.Static
		s.Addrs = make(map[multiregion.Region]string, len(o.Static.Addrs))
		for r, a := range o.Static.Addrs {
			s.Addrs[r] = a
		}
		c.Static = &s
	}
	if o.TLS != nil {
		c.TLS = o.TLS.Clone()
	}
	c.ClientOptions = slices.Clone(o.ClientOptions)
	return c
}

func (o *Options) validate() error {
	bad := func(field, value, reason string) error {
		return &multiregion.OptionError{Field: "cache.Options." + field, Value: value, Reason: reason}
	}
	if o.Hedge != nil {
		if err := o.Hedge.Validate(); err != nil {
			return err
		}
	}
	switch {
	case o.GlobalReplicationGroupID == "" && o.Static == nil:
		return bad("GlobalReplicationGroupID", `""`, "set GlobalReplicationGroupID (control plane) or Static (fixed topology)")
	case o.GlobalReplicationGroupID != "" && o.Static != nil:
		return bad("Static", "set", "GlobalReplicationGroupID and Static are exclusive")
	}
	for _, d := range []struct {
		f string
		v time.Duration
	}{{"DialTimeout", o.DialTimeout}, {"ReadTimeout", o.ReadTimeout}, {"WriteTimeout", o.WriteTimeout},
		{"PoolTimeout", o.PoolTimeout}, {"MaxLag", o.MaxLag}, {"AttemptTimeout", o.AttemptTimeout}} {
		if d.v < 0 {
			return bad(d.f, d.v.String(), "must not be negative")
		}
	}
	if o.PoolSize < 0 || o.MinIdleConns < 0 {
		return bad("PoolSize", fmt.Sprint(o.PoolSize, "/", o.MinIdleConns), "must not be negative")
	}
	if o.Protocol != 0 && o.Protocol != 2 && o.Protocol != 3 {
		return bad("Protocol", fmt.Sprint(o.Protocol), "must be 2 or 3")
	}
	if o.RefreshInterval > 0 && o.RefreshInterval < singlewriter.MinRefreshInterval {
		return bad("RefreshInterval", o.RefreshInterval.String(), "must be at least "+singlewriter.MinRefreshInterval.String())
	}
	return nil
}

func resolveOptions(o *Options, mr *multiregion.Client) {
	if o.StoreName == "" {
		if o.GlobalReplicationGroupID != "" {
			o.StoreName = "cache:" + o.GlobalReplicationGroupID
		} else {
			o.StoreName = "cache:static"
		}
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.DialTimeout, DefaultDialTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.LagInterval, DefaultLagInterval)
	def(&o.RefreshInterval, DefaultRefreshInterval)
	if o.MaxRetries == 0 {
		o.MaxRetries = -1
	}
	if o.Logger == nil {
		o.Logger = mr.Options().Logger
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

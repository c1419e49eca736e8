// Package cache routes calls to an ElastiCache Global Datastore (Valkey or
// Redis OSS) across the regions of a multiregion.Client, over go-redis v9.
//
// A Global Datastore takes writes in its primary region only; its
// secondary regions hold read replicas that lag behind (usually under a
// second). A Store sends every write to the primary region and every read
// to the nearest healthy region whose replica is within Options.MaxLag,
// failing over in rank order as the operation allows.
//
// # Quick start
//
//	mr, err := multiregion.New(ctx, awsCfg, multiregion.WithRegions("us-east-1", "us-west-2", "eu-west-1"))
//	if err != nil { ... }
//	defer mr.Close()
//	sessions, err := cache.New(ctx, mr, func(o *cache.Options) {
//		o.GlobalReplicationGroupID = "ldgnf-sessions" // topology from the control plane
//		o.Username, o.Password = "app", secret        // AUTH / ACL; never logged
//		o.MaxLag = 2 * time.Second
//	})
//	if err != nil { ... }
//	defer sessions.Close()
//
//	err = sessions.Set(ctx, "session:42", payload, 30*time.Minute) // on the primary
//	v, region, err := sessions.Get(ctx, "session:42")             // nearest replica
//	if errors.Is(err, cache.ErrNotFound) { ... }
//
//	rdb, err := sessions.Writer(ctx)        // the primary's redis.UniversalClient
//	rdb, region, err = sessions.Reader(ctx) // the nearest reader's
//
// # Topology
//
// With Options.GlobalReplicationGroupID the topology comes from the
// ElastiCache control plane: DescribeGlobalReplicationGroups (with
// ShowMemberInfo) gives the member replication groups, their regions and
// their PRIMARY / SECONDARY roles; DescribeReplicationGroups in each
// member's region gives its endpoints: the primary endpoint with cluster
// mode disabled, the configuration endpoint with cluster mode enabled (then
// every region's client is a redis.ClusterClient). The topology is
// refreshed every Options.RefreshInterval, on Refresh, after Failover, and
// whenever a server answers a write with READONLY. With Options.Static the
// topology is fixed: a primary region and one address per region.
//
// # What AWS allows
//
//   - 1 primary + at most 2 secondary regions. The seed article's 1 + 5 is
//     out of date; New refuses more than 3 regions
//     (multiregion.ErrTooManyRegions), as the capability table
//     (multiregion.ElastiCacheGlobal) says.
//   - Node-based clusters only: ElastiCache Serverless caches cannot join
//     a Global Datastore, so this package does not route to them.
//   - Failover is manual: FailoverGlobalReplicationGroup (Store.Failover).
//     There is no global writer endpoint that follows the primary; the
//     Store follows it itself.
//
// # Writes
//
// Set, Del, HSet and Expire are idempotent writes; Incr, IncrBy and SetNX
// are not: after an unknown outcome (a timeout, a reset connection) they
// are never sent again, and the call returns a *multiregion.RegionError
// with OutcomeUnknown. go-redis's own retries are off by default for the
// same reason (Options.MaxRetries). A write refused with READONLY (the
// region became a replica) is a *ReadOnlyError: the topology is refreshed
// and the write is retried once on the new primary. In(region) returns a
// handle pinned to one region; its writes outside the primary region are a
// *multiregion.WriteRegionError before any network traffic.
//
// # Reads and lag
//
// Reads go to the nearest healthy member within MaxLag; a missing key is
// ErrNotFound (which matches redis.Nil), not a failure. Lag is measured in
// the background every Options.LagInterval from INFO replication: the
// primary's master_repl_offset is sampled with the time, and a replica
// lags by the time since the primary's offset passed the replica's offset
// (at least master_last_io_seconds_ago when it is behind, at least
// master_link_down_since_seconds when its link is down). With cluster mode
// enabled lag is not measured (replicas stay read candidates).
//
// Read-your-writes is opt-in (Options.ReadYourWrites): after a routed
// write, a replica serves the Store's routed reads only once its
// replication offset has passed the primary's offset sampled after the
// write; until then they go to the primary. Offsets are sampled by the lag
// measurement (no WAIT, no extra round trip per write), so reads within
// about one LagInterval of a write go to the primary. The Store is the
// session; other Stores' and processes' writes are not tracked.
//
// # Errors and secrets
//
// Bad input (an empty key, a nil value) is an *InputError; a topology the
// adapter cannot route (cluster mode differing between regions, more than
// 3 regions, a primary without an address) a *TopologyError or the kit's
// topology error, both matching their sentinels. No error or log line
// carries Options.Password, nor an endpoint from the control plane. After
// Close, or after the multiregion.Client closes, every call returns an
// error matching multiregion.ErrClosed.
//
// # Concurrency
//
// Store and Scoped are safe for concurrent use. The clients Writer and
// Reader return are go-redis clients, safe for concurrent use; hold one for
// a call, not across calls. Options, Static, InputError, ReadOnlyError and
// TopologyError are plain values; New copies Options.
package cache

// Package singlewriter is the kit shared by the adapters of single-writer
// stores: Aurora global databases and RDS cross-Region read replicas
// (aurora), ElastiCache Global Datastore (cache) and DocumentDB global
// clusters (docdb). Such a store takes writes in one region only; the
// others hold read replicas that lag behind, and the writer moves on a
// switchover or failover.
//
// A Kit holds the store's Topology (writer region, members with their
// data-plane endpoints, roles and lag) as an immutable snapshot that loads
// swap atomically, so the routing questions take no lock:
//
//   - CheckWrite: a write to any region but the writer is a
//     *multiregion.WriteRegionError, before any network traffic.
//   - WriterSet and Readers: the RegionSets to give mr.Pick / mr.Rank.
//     Readers leaves out replicas whose lag exceeds Options.MaxLag.
//   - Client: the region's data-plane client, built once, lazily, with the
//     adapter's connect func, and rebuilt when the member's endpoint changes.
//
// An adapter that measures lag itself (a background loop asking each
// server) keeps the figures in LagReadings and wraps its Source with
// MeasuredLag, so that every loaded topology carries the fresh readings;
// RunEvery is that loop. PingProber is an adapter's store Prober (a timed
// ping on the region's client); HostPort and SplitARN turn a control
// plane's answer into members.
//
// The topology comes from a Source (the store's control plane, or Static)
// and is refreshed every Options.RefreshInterval and on demand (Refresh).
// Concurrent refreshes coalesce into one Source call; a failed refresh, or
// one that returned an invalid topology, keeps the last good topology and
// says so in Status. The kit numbers topologies (Generation) itself.
//
// A write the server refused as read-only (PostgreSQL 25006, MySQL 1290,
// Redis READONLY, Mongo NotWritablePrimary) was not applied: the call loop
// calls WriterMoved with the Generation it routed by and, if the writer
// moved, retries once on the new writer.
//
// # Quick start for an adapter
//
// Write the Source (e.g. DescribeGlobalReplicationGroups) and a connect
// func; then, per store:
//
//	kit, err := singlewriter.New(ctx, mr, src,
//		func(ctx context.Context, m singlewriter.Member) (*redis.Client, error) {
//			return redis.NewClient(&redis.Options{Addr: m.Endpoint, Password: secret}), nil
//		},
//		(*redis.Client).Close,
//		func(o *singlewriter.Options) {
//			o.Kind = multiregion.ElastiCacheGlobal
//			o.Store = "cache sessions"
//			o.MaxLag = 2 * time.Second
//		})
//	if err != nil { ... }
//	defer kit.Close()
//
//	// Route through the shared call loop: the store's own routing state
//	// on the Client, the adapter's classifier (READONLY → route.WriterMoved).
//	st, err := mr.NewStore("cache:sessions", nil, func(o *multiregion.StoreOptions) {
//		o.Kind, o.Prober = multiregion.ElastiCacheGlobal, pingProber
//		o.Topology = singlewriter.TopologyStatusFunc(kit) // Status shows writer and refreshes
//	})
//	rt := singlewriter.NewRouter(kit, st, classifier, nil)
//
//	// A write: to the writer only; pinned elsewhere it is a
//	// *multiregion.WriteRegionError with no I/O; refused as read-only, or
//	// failed in the writer region for a regional reason (a failover cuts
//	// the old writer's connections first), it reloads the topology and,
//	// when the writer moved, runs once more on the new one (never a
//	// route.Write whose outcome is unknown).
//	_, err = rt.Write(ctx, "cache.Set", route.IdempotentWrite, "",
//		func(ctx context.Context, r multiregion.Region, rdb *redis.Client) error {
//			return rdb.Set(ctx, key, val, 0).Err()
//		})
//
//	// A read: the nearest healthy region within MaxLag, failing over.
//	region, err := rt.Read(ctx, "cache.Get", "",
//		func(ctx context.Context, r multiregion.Region, rdb *redis.Client) error {
//			v, err = rdb.Get(ctx, key).Result()
//			return err
//		})
//
// Credentials go into the connect func, never into Member.Endpoint: the
// kit rejects endpoints with user info or key=value DSNs, and no error or
// log line of the kit quotes an endpoint.
//
// # Why internal
//
// The design fixes the module's top level (the root package, the adapters,
// examples and multiregiontest); only this module writes adapters today.
// The kit lives under internal/ so that its shape can still change with the
// first three adapters, and is kept small (one type, one Source interface,
// plain values) so that it can be made public later without a redesign.
//
// # Concurrency
//
//   - Router: safe for concurrent use once built.
//   - Kit: safe for concurrent use. Topology, Readers, WriterSet and
//     CheckWrite are lock-free; Client is lock-free once the region's client
//     is built.
//   - *Topology from a Kit: shared and immutable; read it from any number of
//     goroutines, never modify it (Clone gives a copy to modify). A Topology
//     value you build yourself is a plain struct, not synchronized.
//   - Member, Role, Status, Options: plain values. New copies Options.
//   - Source: the kit never calls LoadTopology concurrently with itself.
//     Static's Source is safe for concurrent use; SourceFunc is as safe as
//     its function.
//   - The connect func may run concurrently for different regions, never
//     twice at once for one region; the close func runs once per client.
//   - Errors (*TopologyError, *InputError, *SourceError, *MemberError):
//     plain values.
package singlewriter

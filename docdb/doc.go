// Package docdb routes Amazon DocumentDB global cluster calls over the
// MongoDB Go driver v2: writes to the primary region's cluster, reads to
// the nearest healthy region whose replication lag is within MaxLag.
//
// A global cluster has one primary region (writes) and up to five
// secondary regions (MaxSecondaryRegions; the DocumentDB developer guide,
// though the product page says ten), which replicate from it, typically in
// under a second. There is no global writer endpoint that follows a
// switchover: this package finds the primary itself, from the control
// plane (DescribeGlobalClusters, DescribeDBClusters) or from a static
// topology, and follows it when it moves.
//
// # Quick start
//
//	mr, err := multiregion.New(ctx, awsCfg, multiregion.WithRegions("us-east-1", "eu-west-1"))
//	...
//	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
//		o.GlobalClusterID = "orders-global"
//		o.Username, o.Password = user, password // never in errors or logs
//		o.CABundle = globalBundlePEM             // AWS's global-bundle.pem
//		o.MaxLag = 2 * time.Second               // with a LagSource
//	})
//	...
//	defer c.Close()
//	orders := c.Collection("shop", "orders")
//	_, err = orders.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "total", Value: 42}})
//	var o Order
//	err = orders.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&o)
//
// # Routing
//
// Writes (InsertOne, InsertMany, UpdateOne, UpdateMany, ReplaceOne,
// DeleteOne, DeleteMany, BulkWrite, FindOneAndUpdate, FindOneAndReplace,
// FindOneAndDelete, and Aggregate with $out or $merge) go to the primary
// region. Reads (FindOne, Find, CountDocuments, Distinct, Aggregate without
// write stages) go to the nearest healthy region among the primary and the
// secondaries within MaxLag, and fail over in latency order. Cursors stay
// in the region they started in. Cluster.In(region) pins a handle to one
// region; a write through a handle pinned outside the primary region is a
// *multiregion.WriteRegionError before any network traffic.
//
// Within a region the driver connects with readPreference
// secondaryPreferred and replicaSet rs0 (Options.ReplicaSet), so reads use
// the regional cluster's replicas.
//
// A write the server refuses because it is not the primary
// (NotWritablePrimary 10107, NotPrimaryNoSecondaryOk 13435, or FerretDB's
// SQLSTATE 25006 over a PostgreSQL standby) was not applied: the Cluster
// reloads the topology and retries the write once on the new primary.
// Which other failures may be retried depends on the write's kind; see
// Collection.
//
// # Retryable writes
//
// DocumentDB supports retryable writes from engine 8.0.2, except
// updateMany and deleteMany (which the driver never retries). The Cluster
// sets retryWrites from the primary's engine version in the topology
// (Options.EngineVersion for a static one): true from 8.0.2, false before
// it and when the version is unknown. Options.RetryWrites forces it.
//
// # Replication lag
//
// Options.LagSource measures each secondary's lag at every topology
// refresh: CloudWatchLag reads DBClusterReplicaLagMaximum through a small
// MetricReader interface; tests measure a PostgreSQL standby's replay
// delay. Secondaries beyond MaxLag serve no reads until they catch up.
//
// # Read your writes
//
// With Options.ReadYourWrites, a read whose filter is exactly {_id: v}
// goes to the primary region when this Cluster wrote a document with that
// _id (an insert, or a write whose filter was {_id: v}) within
// ReadYourWritesWindow. Writes with other filters (UpdateMany, a filter on
// other fields) are not tracked, nor are other processes' writes. Such a
// read does not fail over to a secondary (which could serve a stale
// document): when the primary region cannot answer, it fails.
//
// # Outages
//
// A region whose connections are cut or refused fails the attempt and the
// read moves on to the next region. The driver first waits up to its
// server selection timeout (5 s here; set it with Options.ClientOptions)
// for the region's server, so the first read after an outage takes that
// long (2.1 s in the lab with a 2 s timeout); later reads skip the region
// once the store has ejected it.
//
// # When the primary moves
//
// A switchover or failover cuts the old primary's connections, often
// before any server refuses a write as read-only. A write that fails in
// the primary region for a regional reason therefore also reloads the
// topology (at most once per second; concurrent failures wait for the
// same reload) and, if the primary moved, runs once more there, unless it
// is a non-idempotent write whose outcome is unknown. Reads need no such
// step: they fail over to the next region anyway.
//
// # Switchover and failover
//
// Switchover (SwitchoverGlobalCluster, no data loss) and Failover
// (FailoverGlobalCluster, with AllowDataLoss or as a switchover) are
// checked against the capability table (multiregion.DocumentDBGlobal) and
// the topology before the control-plane call, and reload the topology
// after it.
//
// # Secrets
//
// Username and Password go to the driver only. No error, log line or
// Status of this package quotes them; endpoints are not logged either.
//
// # Concurrency
//
//   - Cluster, the handles from In, Collection: safe for concurrent use.
//   - Cursor: one goroutine at a time, as *mongo.Cursor.
//   - SingleResult, Member, Options, InputError: plain values.
//   - LagSource and MetricReader implementations must be safe for
//     concurrent use.
//
// After Close, or after the multiregion.Client closes, every call returns
// an error matching multiregion.ErrClosed.
package docdb

// Package dynamo is a typed adapter for one DynamoDB global table
// replicated across the regions of a multiregion.Client, over the AWS SDK
// for Go v2 (service/dynamodb, dynamodbstreams, feature/dynamodb/
// attributevalue and expression).
//
// Quick start:
//
//	mr, err := multiregion.New(ctx, cfg, multiregion.WithRegions("us-east-1", "eu-west-1"))
//	...
//	docs, err := dynamo.New[Doc](ctx, mr, "docs") // DescribeTable: replicas, mode, keys
//	...
//	defer docs.Close()
//	meta, err := docs.Put(ctx, Doc{ID: "readme", Title: "Draft"})
//	it, err := docs.Get(ctx, Doc{ID: "readme"})
//	_, err = docs.PutIfVersion(ctx, Doc{ID: "readme", Title: "Final"}, it.Meta.Version)
//	for c := range docs.Conflicts() { // MREC: writes last writer wins discarded
//		log.Printf("lost %s from %s, overwritten by %s from %s", c.Lost.Version, c.Lost.Origin, c.Winner.Version, c.Winner.Origin)
//	}
//
// # Routing and failover
//
// Each Table registers a routing state of its own on the multiregion.Client
// (a multiregion.Store named "dynamo:<table>", or Options.StoreName): its
// failures eject a replica region for this table only, another table's or
// another store's successes never readmit it, and it probes its replicas
// itself with a key-only GetItem of a key no item has (Options.DisableProbe
// turns that off), so that it ranks regions by round trips of its own.
// Table.Status shows that view; multiregion.Client.Status shows it next to
// the network view and the other stores.
//
// Every call runs through the module's one call loop: the nearest healthy
// replica region first, and the outcome fed back to the table's store. On
// a regional failure (5xx, throttling left after the SDK's retries, a
// connection error, a timeout) reads and idempotent writes (Put, Delete,
// BatchWrite) move to the next region in rank order. A conditional write
// (Update, PutIfVersion, a Delete with a condition, TransactWrite) whose
// outcome is unknown is never replayed elsewhere: it returns a
// *multiregion.RegionError with OutcomeUnknown set. Errors that are the
// caller's (a ValidationException, which matches ErrInvalidInput; a failed
// condition; a missing table, which matches ErrTableNotFound) neither fail
// over nor count against the region, and neither does a call the caller's
// context ended. CallOptions.Region (InRegion) pins a call to one region;
// CallOptions.Exclude (ExcludeRegions) leaves regions out of one call.
// When no replica could serve a call, the error is a
// *multiregion.NoHealthyRegionError (errors.Is multiregion.ErrNoHealthyRegion)
// carrying every attempt's region and error.
//
// A table with a replica in a region the Client does not list is an error
// from New (a *NoReplicaError), so that a typo in WithRegions does not
// drop a replica silently, unless Options.AllowPartialReplicas accepts the
// subset; Status then names the replicas left out. A Table whose Client
// closed fails with multiregion.ErrClosed.
//
// # Rules from the capability table
//
// The adapter takes its rules from multiregion.Capability and
// multiregion.Validate only. MRSC: exactly 3 regions of one region set (one
// may be a witness), checked by New; TransactWrite and TransactGet return
// ErrTransactionsUnsupported before any network call;
// ReplicatedWriteConflictException, which AWS documents as retry-safe, is
// retried with backoff and then returned as a *ConflictError. MREC:
// TransactWrite runs in one region, which TransactResult.Region names; it
// is atomic there only and not isolated from writes in other regions.
//
// # Lost writes (MREC)
//
// DynamoDB resolves concurrent writes to one item in different regions by
// last writer wins on an internal timestamp and logs nothing. The Table
// stamps every item with metadata (attributes <prefix>ver, prev, origin,
// hlc, lin: a version id, the version it replaced, the origin region, a
// hybrid logical clock time and a few ancestor ids) and reads every
// replica's DynamoDB stream (NEW_AND_OLD_IMAGES, which includes replicated
// writes). A MODIFY record whose new version does not descend from the old
// one is a write that was overwritten by a writer that never saw it: the
// old version is lost. Each loss is delivered once, to
// Options.ConflictHandler or the Conflicts channel, however many regions
// show it (deduplicated by lost version id in a bounded set). To know
// precisely which version a write replaces, Put writes conditionally on
// the version this Table last saw of the key (Options.VersionCacheSize),
// or on no item for a key it never saw, and learns the current version
// from a failed condition (ALL_OLD): one round trip in the common cases,
// two for a blind overwrite (versioned.go). A loss is held for Options.ConflictSettle before
// delivery, so that, with three or more replicas, a version overwritten in
// one region but carried on by its own successor elsewhere is not reported
// (dynamo/detect).
//
// Deletes: a REMOVE record has no new image and erases the item's lineage,
// so a delete that lost, or a write lost to a delete, would leave no trace.
// In MREC a Delete (and a BatchWrite delete) therefore writes a tombstone:
// a version like any other (new id, Prev = the version deleted, origin,
// HLC) with <prefix>del = true, written with a PutItem conditioned on the
// version it replaces. Losses involving deletes are then MODIFY records
// judged by the same rule, both ways: Conflict.Winner.Deleted is a write
// lost to a delete, Conflict.Lost.Deleted a delete undone by a concurrent
// write. Cost per Delete: one PutItem of the small tombstone (replicated
// like any write) in place of a DeleteItem, plus one strongly consistent
// read of the projected metadata when this Table has not seen the item
// live, plus the tombstone's storage until a
// later write replaces it or DynamoDB TTL removes it (Options.TombstoneTTL).
// Get, BatchGet, TransactGet and Query never return a tombstone; Put,
// Update and PutIfVersion(item, "") replace one, naming it as Prev; a
// caller's condition evaluated on one sees no item (tombstone.go). TxDelete
// writes a tombstone too. Not surfaced: deletes that bypass the Table or
// TTL removals (REMOVE records).
//
// Stream position: by default a Table starts reading each shard at its end
// (LATEST), so losses that happen while no Table reads the streams are
// missed. Options.Checkpointer saves, per shard, the last record whose
// conflicts were delivered; a new Table resumes after it (at least once:
// after a crash a conflict may be delivered again, with the same
// Lost.Version). Options.StreamStart = StreamStartTrimHorizon reads the
// retained 24 hours of shards without a checkpoint (checkpoint.go).
//
// # Validation and topology
//
// Bad input fails before any request with an error matching
// ErrInvalidInput: an item type or map item with an attribute carrying
// the metadata prefix, an expression naming one (*MetadataAttributeError),
// a T without the table's key attributes (at New), an empty key string,
// an item over 400 KB once stamped (*ItemTooLargeError). Transactions are
// read by cancellation reason (*TransactionCanceledError: TransactionConflict
// retried in place, ThrottlingError not applied and failed over).
//
// The replica list is re-described every Options.TopologyRefresh and on a
// ResourceNotFoundException (which also fails the call over): a removed
// replica is dropped, an added one used once ACTIVE (topology.go).
//
// # Detection in a fleet, recovery, delivery
//
// DynamoDB Streams serves at most 2 readers per shard, and every Table
// with detection reads every shard: run in-process detection in one or
// two processes (a third is throttled: *StreamThrottledError in
// DetectorStatus, logged once, backed off), set
// Options.DisableConflictDetection in the others, and run the detector
// on Lambda (package lambdadetect; examples/conflictlambda). Both feed
// the same detector, package detect (stream records in, losses and gaps
// out). A shard whose records were trimmed under the reader is reopened
// at its trim horizon, a removed stream is found again through
// DescribeTable; either is reported as a Gap (Options.GapHandler,
// DetectorStatus). Each shard fails and backs off on its own.
// Conflicts and gaps are delivered by one goroutine per Table, outside
// every lock: a handler may call any Table method, Close and Flush
// included; a slow handler delays delivery, never the readers.
//
// # Read-your-writes
//
// With Options.ReadYourWrites, a Get of a key this Table wrote within the
// propagation window goes to the region of the write (strongly consistent)
// or to a replica that already holds it; see ryw.go.
//
// # Concurrency
//
// Table is safe for concurrent use; Item, Meta, Conflict, Version, HLC and
// the option structs are plain values. Close stops the detector's
// goroutines.
package dynamo

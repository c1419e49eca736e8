// Package globaltable emulates a DynamoDB global table for unit tests: one
// HTTP endpoint per region that the real aws-sdk-go-v2 dynamodb and
// dynamodbstreams clients talk to, with replication between the regions
// applied the way AWS applies it.
//
// Most tests want it through the lab (multiregiontest.Start with
// multiregiontest.WithDynamoDB), which puts each region behind an endpoint
// with latency and outage switches and wires a multiregion.Client to it.
// Use this package directly to serve the emulator on servers of your own
// (Handler), or in front of a proxy of your own.
//
// Each replica region stores its items in its own github.com/truora/minidyn
// engine. The emulator wraps it: it parses each request, forwards it, and on
// a successful write captures the old and new images, appends a stream
// record and replicates the write.
//
//   - MREC (default): a write is applied locally, gets an internal
//     timestamp, and after Options.ReplicationDelay is applied in every other
//     region conditionally on that timestamp, so the latest write wins
//     everywhere and older ones are dropped silently (deletes stay as
//     tombstones). Writes() and LostWrites() expose the ground truth AWS
//     never reports.
//   - MRSC: a write is applied in every replica before the response; a write
//     to the same item from another region within Options.MRSCWriteWindow
//     fails with ReplicatedWriteConflictException; TransactWriteItems and
//     TransactGetItems are rejected with ValidationException.
//
// Tables are global: CreateTable or DeleteTable in any region acts in all.
// DescribeTable reports Replicas (the other regions), MultiRegionConsistency,
// GlobalTableWitnesses and the region's LatestStreamArn. Every region keeps a
// NEW_AND_OLD_IMAGES stream (one shard) of the client writes and replicated
// writes applied there, served through the DynamoDB Streams API on the same
// endpoint.
//
// # Quick start
//
//	emu, err := globaltable.New(globaltable.Options{
//		Regions:          []string{"us-east-1", "us-west-2", "eu-west-1"},
//		ReplicationDelay: time.Hour, // nothing replicates until Quiesce
//	})
//	if err != nil { t.Fatal(err) }
//	defer emu.Close()
//	srv, err := emu.Start() // one local HTTP server per region
//	if err != nil { t.Fatal(err) }
//	defer srv.Close()
//
//	east := dynamodb.New(dynamodb.Options{
//		Region:       "us-east-1",
//		BaseEndpoint: aws.String(srv.URL("us-east-1")),
//		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
//	})
//	// ... CreateTable, PutItem in us-east-1, read from us-west-2 ...
//	emu.PauseReplication("us-west-2")   // build divergence deliberately
//	emu.ResumeReplication("us-west-2")
//	_ = emu.Quiesce(ctx)                // apply everything pending, now
//	lost := emu.LostWrites("my-table") // writes last writer wins discarded
//
// A dynamodbstreams client is built the same way. To serve a region on your
// own server, use Handler(region). Responses carry X-Amz-Crc32 as
// DynamoDB's do, so the SDK's checksum validation stays on.
//
// # Fidelity
//
// The emulator rejects, with a ValidationException (HTTP 400) worded as
// DynamoDB words it, what DynamoDB rejects and minidyn alone would accept,
// so a test does not pass where AWS would fail:
//
//   - an empty string or binary in a key attribute (partition or sort key) of
//     PutItem, UpdateItem, DeleteItem, GetItem, BatchWriteItem,
//     BatchGetItem, TransactWriteItems, TransactGetItems, and in the value a
//     Query's KeyConditionExpression compares a key attribute with;
//   - a key attribute of the wrong type, a key missing an attribute or (for
//     key-taking calls) naming one that is not part of the key;
//   - an item over 400 KB, sized by DynamoDB's documented rule (attribute
//     names plus values; numbers by significant digits; 3 bytes per list or
//     map and 1 per element), for puts and for the item an update produces;
//   - an UpdateExpression whose actions name overlapping document paths
//     (SET a = :x, a = :y; SET a.b = :x REMOVE a).
//
// # Limits
//
// Expressions, ReturnValues and the API subset are minidyn's: PartiQL,
// TTL, backups, tags, ClientRequestToken idempotency and consumed capacity
// are not emulated. A stream has one shard that never closes or trims, and
// disappears with its table. Pause applies to MREC only. Every read sees
// the region's current state (there is no stale eventually consistent read
// within a region).
package globaltable

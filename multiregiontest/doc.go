// Package multiregiontest runs AWS regions inside a test, in the spirit of
// net/http/httptest: a service built on multiregion and its adapters is
// tested against in-process regional endpoints on 127.0.0.1 that the real
// AWS SDK talks HTTP to, with per-region latency, outages, errors,
// throttling and replication, and with the ground truth AWS never reports
// (which writes last writer wins discarded). No AWS account, no network.
//
// # Quick start
//
//	func TestProfiles(t *testing.T) {
//		ctx := context.Background()
//		lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"},
//			multiregiontest.WithDynamoDB(),
//			multiregiontest.WithLatency("eu-west-1", 40*time.Millisecond))
//		if err := lab.DynamoDB().CreateTable(ctx, "profiles", multiregiontest.StringKey("user")); err != nil {
//			t.Fatal(err)
//		}
//		mr, err := multiregion.New(ctx, lab.Config(), lab.Options())
//		if err != nil {
//			t.Fatal(err)
//		}
//		t.Cleanup(func() { mr.Close() })
//		// ... build the service on mr (dynamo.New[Profile](ctx, mr, "profiles")) ...
//
//		lab.Endpoint("us-east-1").Down()          // an outage: connections refused
//		lab.Endpoint("eu-west-1").SetThrottleRate(1) // or: every call throttled
//	}
//
// Start registers the lab's shutdown with t.Cleanup, after which no
// goroutine or connection of the lab is left (goleak-clean); New and
// Close do the same for programs and examples without a testing.TB.
//
// # What a lab serves
//
// Every region's Endpoint answers GET / as DynamoDB's regional front end
// does ("healthy: dynamodb.<region>.amazonaws.com"), which is what the
// Client's default prober measures. The stores a lab serves are chosen with
// options:
//
//   - WithDynamoDB: DynamoDB and DynamoDB Streams, a global table emulator
//     (MREC or MRSC) whose tables exist in every region. Its handle,
//     Lab.DynamoDB, creates tables, holds or releases replication
//     (PauseReplication, ResumeReplication, Quiesce, SetReplicationDelay)
//     and reports the ground truth: Writes and LostWrites, to check that a
//     service surfaced every write DynamoDB silently discarded. It rejects
//     what DynamoDB rejects (empty key strings, items over 400 KB, wrong key
//     types, overlapping update paths) with DynamoDB's ValidationException.
//   - WithElastiCache: the ElastiCache control plane of one Global
//     Datastore (DescribeGlobalReplicationGroups, DescribeReplicationGroups,
//     FailoverGlobalReplicationGroup, over the AWS query protocol). The data
//     plane is the test's own Redis (miniredis, redis-server): give each
//     member's address. Its handle, Lab.ElastiCache, moves the primary,
//     changes endpoints and cluster mode, and records failovers; the
//     OnFailover hook lets a test promote its real servers.
//   - WithRoutingControls: a Route 53 ARC cluster with a routing control
//     per region (GetRoutingControlState, UpdateRoutingControlState(s),
//     awsJson1_0), on endpoints of its own, five by default, each with the
//     same fault switches. Its handle, Lab.RoutingControls, flips controls
//     (SetState) and gives the Client's options (Options, Endpoints).
//   - WithS3: S3 with regional, versioned buckets (gofakes3 on the wire,
//     versions and replication of s3replica) and Cross-Region Replication
//     as PutBucketReplication configures it: asynchronous after
//     S3Options.ReplicationDelay, rule by rule (prefix, delete markers),
//     PENDING then COMPLETED (or FAILED) on the source, REPLICA on the
//     copy, same version id and LastModified. Replicas are not replicated
//     again. Its handle, Lab.S3, creates buckets, holds or releases
//     replication (PauseReplication, ResumeReplication, Quiesce,
//     SetReplicationDelay, SetPairDelay, SetReplicationFailure) and reports
//     the ground truth: Latest per region, Diverged, DivergedKeys,
//     Replications; WriteInventory delivers S3 Inventory CSV reports.
//     Build S3 clients with s3.NewFromConfig(mr.Config(region)); the
//     endpoint is path-style (o.UsePathStyle = true is harmless). A
//     Multi-Region Access Point (CreateMultiRegionAccessPoint) routes to
//     the nearest reachable route at the highest dial; the real s3control
//     client reads and changes its routes (Get/SubmitMultiRegionAccessPointRoutes)
//     with S3ControlEndpointResolver, and S3 clients address its ARN with
//     MRAPEndpointResolver (the SDK signs SigV4A).
//   - WithHandler: a fake of your own behind the same switches.
//
// The Aurora / RDS and DocumentDB adapters add their stores (control-plane
// mocks) the same way, one option each.
//
// # Wiring a Client
//
// Lab.Options points a multiregion.Client's Regions and Endpoints at the
// lab, so the default prober and every AWS client built from
// Client.Config(region) reach the lab's endpoints. Lab.Config is the
// aws.Config to give multiregion.New: static test credentials, the first
// region, a retryer that makes one attempt (a test sees each region's
// answer, not the SDK's retries), and an HTTP client that refuses any
// address outside the lab (ErrOffLab), so a mis-wired test fails instead
// of calling AWS.
//
// # Faults
//
// Each Endpoint has switches a test flips at any time: Down and Up (a
// region outage: new connections refused, open ones cut, the same URL
// when it comes back), SetLatency, SetErrorRate (HTTP 500 as the service
// fails), SetThrottleRate (DynamoDB's
// ProvisionedThroughputExceededException or ThrottlingException, HTTP 400,
// which the SDK classifies as throttling) and Blackhole (requests hang
// until the client gives up). WithSeed makes the random rates replayable.
//
// # Virtual time
//
// FakeClock is a multiregion.Clock that moves only when Advance is called:
// give it to multiregion.Options.Clock to test routing decisions (probe
// intervals, ejection back-off) without waiting.
//
// # Concurrency
//
// Lab, Endpoint, DynamoDB, ElastiCache, S3 and FakeClock are safe for concurrent use by
// multiple goroutines: a test may flip a region's switches while its
// service is calling. Option, DynamoDBOptions, ElastiCacheOptions, S3Options, S3Version, S3Route,
// S3InventoryManifest, KeyAttribute and
// WriteRecord are plain values, and OptionError is immutable once
// returned.
package multiregiontest

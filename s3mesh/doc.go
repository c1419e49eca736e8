// Package s3mesh is two-way S3 Cross-Region Replication across N buckets,
// one per region, as one store: the N × (N − 1) replication rules written
// and checked for you, reads and writes at the nearest healthy bucket, and
// what replication hides (objects still on their way, FAILED replication,
// regions whose latest versions differ) surfaced as typed errors.
//
// # Quick start
//
//	mesh, err := s3mesh.New(ctx, mr, map[multiregion.Region]string{
//		"us-east-1": "orders-use1", "eu-west-1": "orders-euw1", "ap-southeast-2": "orders-apse2",
//	}, func(o *s3mesh.Options) {
//		o.RoleARN = "arn:aws:iam::123456789012:role/s3-replication"
//		o.ReplicationTimeControl = true // 15 minutes, the only value S3 accepts
//	})
//	if err != nil { ... }                   // *InputError: before any request
//	defer mesh.Close()
//	plan, _ := json.MarshalIndent(mesh.Plan(), "", "  ") // 6 rules, for the review
//	if err := mesh.Apply(ctx); err != nil { ... }  // versioning, then the rules
//	drift, err := mesh.Verify(ctx)                  // later: missing/extra/changed rules
//
//	put, err := mesh.Put(ctx, "invoices/42.pdf", bytes.NewReader(pdf))
//	obj, err := mesh.Get(ctx, "invoices/42.pdf")   // nearest; 404 → the next region
//	defer obj.Body.Close()
//	fmt.Println(obj.Region, obj.ReplicationStatus)  // us-east-1 REPLICA
//
//	if err := mesh.Check(ctx, key); errors.Is(err, s3mesh.ErrDiverged) {
//		_, err = mesh.Reconcile(ctx, key, s3mesh.NewestWins)
//	}
//
// # Control plane
//
// Plan is computed by New, without a request: for each source bucket a
// ready *s3.PutBucketReplicationInput in the V2 schema (a Filter on every
// rule), one rule per other bucket, priorities 1 … N−1, IDs that name the
// two regions (RuleID), and the versioning every bucket needs. Apply puts
// it in place and is idempotent; Verify reads it back and reports a Drift.
// Replica modification sync is on by default (two-way replication needs
// it). Delete-marker replication is off by default, is not covered by the
// RTC SLA, and S3 refuses it with tag filters (so does New).
//
// # Data plane
//
// Every call runs through the module's shared call loop on the Mesh's own
// routing state (a multiregion.Store probed with HeadBucket): the nearest
// healthy bucket first, then the others in rank order. A 5xx, SlowDown or
// connection error is a failure of the region and moves the call on; a 404
// is an answer (NotFoundError), except in Get and Head, where it means "not
// replicated here yet" and the next region is tried; a canceled context is
// never a region failure.
//
// Delete without a version writes a delete marker in the nearest bucket:
// the data stays, Get answers 404 there (and stops: a marker is an answer,
// not a gap). The marker reaches the other buckets only with
// DeleteMarkerReplication. Delete of a version removes it from every
// bucket, because S3 never replicates version deletes.
//
// # Divergence
//
// S3 replicates every version, but a bucket's latest is the version that
// arrived last, so after concurrent writes in two regions each bucket can
// have another latest. Versions lists each region's latest, Check and Get
// with WithConsistencyCheck return *DivergenceError, Reconcile makes the
// regions agree by a Policy (NewestWins: newest LastModified). Scan (or
// StartScan, in the background) compares a prefix by listing each region;
// at bucket scale ScanInventory compares the regions' S3 Inventory reports
// instead, so S3 does the enumeration.
//
// # In-process routing or a Multi-Region Access Point
//
// With Options.MRAPARN, calls made WithMRAP go to the Multi-Region Access
// Point instead (arn:aws:s3::<account>:accesspoint/<alias>.mrap, signed
// with SigV4A by the SDK), and DrainMRAP sets a region's route to 0 % with
// SubmitMultiRegionAccessPointRoutes (UndrainMRAP, MRAPRoutes).
//
// The in-process path picks the nearest bucket by this process's own
// measurement (probes and call latencies) and fails over within one call;
// Client.Drain takes effect at the next call. It is better when the
// callers are your own long-lived services, when reads need the 404
// fallback during replication (an access point sends a read to one bucket
// and returns its 404), when a call must be pinned to a region, and when a
// result must say which region served it. The access point routes on the
// network side: one ARN for every client, no client logic, failover by
// AWS, but a route change takes up to 2 minutes and applies to everyone.
// It is better for many short-lived or third-party clients, and for
// draining a region for all of them at once.
//
// A Mesh is safe for concurrent use.
package s3mesh

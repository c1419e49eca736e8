// Package s3replica is the S3 of multiregiontest's labs: versioned,
// regional buckets served over S3's REST API (path-style) by gofakes3,
// with Cross-Region Replication between them, the way S3 replicates.
//
// A World holds every region's buckets; World.Handler(region) is the
// region's endpoint. Bucket names are global and a bucket lives in one
// region: another region's endpoint answers 301 PermanentRedirect.
//
// # What gofakes3 gets wrong, and what the handler does instead
//
//   - PUT ?replication is routed to CreateBucket and GET ?replication to
//     ListObjects (a fake success): the handler serves Put, Get and
//     DeleteBucketReplication itself, validating the configuration as S3
//     does (InvalidRequest, InvalidArgument, MalformedXML,
//     ReplicationConfigurationNotFoundError).
//   - HEAD ?versionId answers the latest version: served by the handler.
//   - GET or HEAD of a delete marker's version id is 405 with
//     x-amz-delete-marker in S3, 404 in gofakes3: served by the handler.
//   - CopyObject ignores the source's versionId and answers the source's
//     version id as the new one: served by the handler.
//   - CreateBucket ignores the location constraint; GetBucketLocation
//     answers "": served by the handler, as a regional endpoint does.
//   - Other subresources (?tagging, ?acl, ?lifecycle, ...) would be
//     misrouted (PUT ?tagging on an object overwrites it): 501.
//
// The versions themselves are this package's, not gofakes3's s3mem
// backend, because replication needs what s3mem cannot do: store a version
// under a given version id and LastModified (S3 keeps both on a replica),
// keep x-amz-replication-status per version, and make the version that
// arrived last current (the arrival order is what makes regions diverge).
//
// # Replication
//
// After each new version (a Put, a Copy, a delete marker) in a bucket with
// a replication configuration, each destination whose highest-priority
// matching rule is Enabled (prefix, Filter.Prefix, And.Prefix, tags) gets
// a copy after the configured delay (plus seeded jitter); delete markers
// only where the rule's DeleteMarkerReplication is Enabled (V1 rules
// always). The source reads PENDING until every copy is done, then
// COMPLETED, or FAILED if one failed; the copy reads REPLICA and is never
// replicated again, so a two-way or N-way mesh needs every direct rule.
// A permanent delete of a version (DeleteObject with a versionId) is never
// replicated, as in S3.
//
// # Multi-Region Access Points
//
// CreateMRAP makes an access point over regional buckets. A request whose
// first path segment is its alias is served by the bucket of the
// reachable route with the highest TrafficDialPercentage, then the lowest
// latency; /v20180820/mrap/instances/{arn}/routes serves S3 Control's
// GetMultiRegionAccessPointRoutes and SubmitMultiRegionAccessPointRoutes,
// whose changes come into effect after Options.MRAPRouteDelay.
//
// # Limits
//
// Signatures are not checked. Not emulated: object and bucket tagging,
// ACL and policy APIs (501), SSE-KMS (ReplicaKmsKeyID is stored, nothing
// is encrypted), RTC metrics and events (RTC is validated and stored),
// replica modification sync (it only concerns metadata changes, which the
// lab has none of), existing-object replication (S3 Batch Replication),
// Object Lock, and Parquet or ORC inventory reports (CSV only).
//
// A World is safe for concurrent use. Options, Pair, VersionInfo, Counts,
// Route, Manifest, Error and ReplicationConfiguration (with its parts) are
// plain values.
package s3replica

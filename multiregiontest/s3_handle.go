package multiregiontest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion/multiregiontest/s3replica"
)

// The ground truth types of the lab's S3.
type (
	// S3Version is what a bucket holds for one version of a key.
	S3Version = s3replica.VersionInfo
	// S3ReplicationCounts counts copies completed, failed and pending.
	S3ReplicationCounts = s3replica.Counts
)

// S3 is the test handle of a lab's S3: setup (Client, CreateBucket), the
// replication switches (delays, pause, resume, quiesce, forced failures)
// and the ground truth AWS never reports (Latest per region, Diverged,
// counts). It is safe for concurrent use.
type S3 struct {
	w       *s3replica.World
	regions []string
}

// Client returns an SDK client for region's S3 that bypasses the region's
// endpoint switch: no latency, no outage, no injected errors. Use it for
// setup and checks; a service under test goes through the
// multiregion.Client. Nil for a region the lab does not have.
func (s *S3) Client(region string) *s3.Client {
	if !contains(s.regions, region) {
		return nil
	}
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String("http://127.0.0.1"), // never dialled: the transport is in memory
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		HTTPClient:   &http.Client{Transport: inMemory{s.w.Handler(region)}},
		Retryer:      FirstAnswerRetryer(),
	})
}

// CreateBucket creates bucket in region (with the location constraint S3
// wants outside us-east-1) and, if versioned, enables its versioning, which
// replication needs on both sides.
func (s *S3) CreateBucket(ctx context.Context, region, bucket string, versioned bool) error {
	c := s.Client(region)
	if c == nil {
		return fmt.Errorf("multiregiontest: S3 CreateBucket %s: no region %s in the lab", bucket, region)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("multiregiontest: S3 CreateBucket %s in %s: %w", bucket, region, err)
	}
	if !versioned {
		return nil
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	if err != nil {
		return fmt.Errorf("multiregiontest: S3 PutBucketVersioning %s in %s: %w", bucket, region, err)
	}
	return nil
}

// SetReplicationDelay sets the delay of copies enqueued from now on.
func (s *S3) SetReplicationDelay(d time.Duration) { s.w.SetReplicationDelay(d) }

// SetPairDelay sets the delay of copies from one region to another
// enqueued from now on; a negative d removes the override.
func (s *S3) SetPairDelay(from, to string, d time.Duration) {
	s.w.SetPairDelay(S3Pair{From: from, To: to}, d)
}

// SetReplicationFailure makes every copy from one region to another fail
// while on (its source version becomes FAILED, as when S3 is denied).
func (s *S3) SetReplicationFailure(from, to string, on bool) {
	s.w.SetReplicationFailure(S3Pair{From: from, To: to}, on)
}

// PauseReplication holds the copies into region until ResumeReplication.
func (s *S3) PauseReplication(region string) { s.w.PauseReplication(region) }

// ResumeReplication releases what PauseReplication held, in due order.
func (s *S3) ResumeReplication(region string) { s.w.ResumeReplication(region) }

// Quiesce applies every pending copy now, in the order they were due (so
// the arrival order, and any divergence, is the one the delays gave), and
// returns when none is left; copies into a Down region are retried until
// it is Up or FailAfter passes. With a region paused it applies the rest
// and returns an error matching ErrReplicationPaused.
func (s *S3) Quiesce(ctx context.Context) error { return s.w.Quiesce(ctx) }

// Replications returns how many copies completed, failed and are pending.
func (s *S3) Replications() S3ReplicationCounts { return s.w.Counts() }

// Latest returns the current version of key in bucket (in region): the
// version a GET serves, or the delete marker hiding it; ok is false if
// there is none.
func (s *S3) Latest(region, bucket, key string) (v S3Version, ok bool) {
	return s.w.Latest(region, bucket, key)
}

// Versions returns key's versions in bucket (in region), current first.
func (s *S3) Versions(region, bucket, key string) []S3Version {
	return s.w.Versions(region, bucket, key)
}

// Diverged reports whether the buckets (region to bucket name) disagree
// on key's current version: the ground truth a divergence check is
// compared with. A key missing from some bucket counts as diverged.
func (s *S3) Diverged(bucketsByRegion map[string]string, key string) bool {
	return s.w.Diverged(bucketsByRegion, key)
}

// DivergedKeys lists, sorted, the keys under prefix the buckets disagree on.
func (s *S3) DivergedKeys(bucketsByRegion map[string]string, prefix string) []string {
	return s.w.DivergedKeys(bucketsByRegion, prefix)
}

// S3 Inventory fixtures.
type (
	// S3InventoryFormat is an S3 Inventory report format.
	S3InventoryFormat = s3replica.InventoryFormat
	// S3InventoryManifest is the manifest.json of a report.
	S3InventoryManifest = s3replica.Manifest
)

// S3InventoryCSV is the format WriteInventory writes; ORC and Parquet are
// refused with an error matching ErrS3InventoryFormat.
const S3InventoryCSV = s3replica.InventoryCSV

// S3InventorySchema is the fileSchema of the reports WriteInventory writes.
const S3InventorySchema = s3replica.InventorySchema

// ErrS3InventoryFormat is matched by WriteInventory's error for a format
// other than CSV.
var ErrS3InventoryFormat = s3replica.ErrInventoryFormat

// WriteInventory delivers into destBucket (any region) what S3 Inventory
// delivers for sourceBucket (in region), with every version
// (IncludedObjectVersions All): gzip CSV data files with the columns of
// S3InventorySchema under <prefix>/<source>/multiregiontest/data/, and
// <prefix>/<source>/multiregiontest/<YYYY-MM-DDTHH-MMZ>/manifest.json
// (sourceBucket, destinationBucket ARN, fileFormat, fileSchema, files
// with key, size and MD5checksum) plus manifest.checksum. A reader with
// the real S3 client consumes it as it would from AWS. It returns the
// manifest's key. Keys in the CSV are URL-encoded.
func (s *S3) WriteInventory(ctx context.Context, region, sourceBucket, destBucket, prefix string, format S3InventoryFormat) (string, error) {
	return s.w.WriteInventory(ctx, region, sourceBucket, destBucket, prefix, format)
}

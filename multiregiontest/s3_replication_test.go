package multiregiontest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

// meshBuckets creates a versioned bucket per region, "b-<region>".
func meshBuckets(t *testing.T, lab *multiregiontest.Lab) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range lab.Names() {
		name := "b-" + r
		require.NoError(t, lab.S3().CreateBucket(context.Background(), r, name, true))
		out[r] = name
	}
	return out
}

// v2Rule is a V2 rule replicating prefix to dst.
func v2Rule(id string, priority int32, prefix, dst string, deleteMarkers bool) s3types.ReplicationRule {
	dm := s3types.DeleteMarkerReplicationStatusDisabled
	if deleteMarkers {
		dm = s3types.DeleteMarkerReplicationStatusEnabled
	}
	return s3types.ReplicationRule{
		ID: aws.String(id), Priority: aws.Int32(priority), Status: s3types.ReplicationRuleStatusEnabled,
		Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String(prefix)},
		DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: dm},
		Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::" + dst)},
	}
}

const testRole = "arn:aws:iam::123456789012:role/replication"

// fullMesh puts, on every bucket, one rule per other bucket: the
// N x (N-1) rules two-way replication needs.
func fullMesh(t *testing.T, c map[string]*s3.Client, buckets map[string]string, prefix string, deleteMarkers bool) {
	t.Helper()
	for src, sb := range buckets {
		var rules []s3types.ReplicationRule
		p := int32(1)
		for dst, db := range buckets {
			if dst == src {
				continue
			}
			rules = append(rules, v2Rule("to-"+dst, p, prefix, db, deleteMarkers))
			p++
		}
		_, err := c[src].PutBucketReplication(context.Background(), &s3.PutBucketReplicationInput{Bucket: aws.String(sb),
			ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: rules}})
		require.NoError(t, err, "PutBucketReplication on %s", sb)
	}
}

func TestS3_ReplicationConfigRoundTripAndValidation(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	s3h := lab.S3()
	east := c["us-east-1"]
	require.NoError(t, s3h.CreateBucket(ctx, "us-east-1", "src", true))
	require.NoError(t, s3h.CreateBucket(ctx, "eu-west-1", "dst", true))
	require.NoError(t, s3h.CreateBucket(ctx, "eu-west-1", "plain", false))

	_, err := east.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("src")})
	assert.Equal(t, "ReplicationConfigurationNotFoundError", apiCode(err), "gofakes3 answers a fake success")

	ownerOf := func(bucket string) string {
		if bucket == "src" {
			return "us-east-1"
		}
		return "eu-west-1"
	}
	put := func(bucket string, cfg *s3types.ReplicationConfiguration) error {
		_, err := c[ownerOf(bucket)].PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(bucket), ReplicationConfiguration: cfg})
		return err
	}
	cfg := &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{v2Rule("r1", 1, "docs/", "dst", true)}}
	cfg.Rules[0].Destination.ReplicationTime = &s3types.ReplicationTime{Status: s3types.ReplicationTimeStatusEnabled, Time: &s3types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	cfg.Rules[0].Destination.Metrics = &s3types.Metrics{Status: s3types.MetricsStatusEnabled, EventThreshold: &s3types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	cfg.Rules[0].SourceSelectionCriteria = &s3types.SourceSelectionCriteria{ReplicaModifications: &s3types.ReplicaModifications{Status: s3types.ReplicaModificationsStatusEnabled}}
	require.NoError(t, put("src", cfg))

	got, err := east.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("src")})
	require.NoError(t, err)
	require.Len(t, got.ReplicationConfiguration.Rules, 1)
	r := got.ReplicationConfiguration.Rules[0]
	assert.Equal(t, testRole, aws.ToString(got.ReplicationConfiguration.Role))
	assert.Equal(t, "r1", aws.ToString(r.ID))
	assert.Equal(t, int32(1), aws.ToInt32(r.Priority))
	assert.Equal(t, "docs/", aws.ToString(r.Filter.Prefix))
	assert.Equal(t, "arn:aws:s3:::dst", aws.ToString(r.Destination.Bucket))
	assert.Equal(t, int32(15), aws.ToInt32(r.Destination.ReplicationTime.Time.Minutes))
	assert.Equal(t, s3types.ReplicaModificationsStatusEnabled, r.SourceSelectionCriteria.ReplicaModifications.Status)
	assert.Equal(t, s3types.DeleteMarkerReplicationStatusEnabled, r.DeleteMarkerReplication.Status)

	// gofakes3 turns PUT ?replication into CreateBucket: no bucket appeared.
	buckets, err := east.ListBuckets(ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	assert.Len(t, buckets.Buckets, 3)
	// Suspending versioning under a replication configuration is refused.
	_, err = east.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("src"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	assert.Equal(t, "InvalidBucketState", apiCode(err))

	bad := map[string]struct {
		bucket string
		cfg    func() *s3types.ReplicationConfiguration
		code   string
	}{
		"unversioned source": {"plain", func() *s3types.ReplicationConfiguration { return cfg }, "InvalidRequest"},
		"no role": {"src", func() *s3types.ReplicationConfiguration {
			return &s3types.ReplicationConfiguration{Role: aws.String(""), Rules: cfg.Rules}
		}, "InvalidArgument"},
		"duplicate priority": {"src", func() *s3types.ReplicationConfiguration {
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{v2Rule("a", 1, "", "dst", false), v2Rule("b", 1, "x", "dst", false)}}
		}, "InvalidRequest"},
		"no delete marker replication": {"src", func() *s3types.ReplicationConfiguration {
			r := v2Rule("a", 1, "", "dst", false)
			r.DeleteMarkerReplication = nil
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{r}}
		}, "InvalidRequest"},
		"missing destination": {"src", func() *s3types.ReplicationConfiguration {
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{v2Rule("a", 1, "", "nowhere", false)}}
		}, "InvalidRequest"},
		"unversioned destination": {"src", func() *s3types.ReplicationConfiguration {
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{v2Rule("a", 1, "", "plain", false)}}
		}, "InvalidRequest"},
		"not an ARN": {"src", func() *s3types.ReplicationConfiguration {
			r := v2Rule("a", 1, "", "dst", false)
			r.Destination.Bucket = aws.String("dst")
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{r}}
		}, "InvalidArgument"},
		"RTC not 15 minutes": {"src", func() *s3types.ReplicationConfiguration {
			r := v2Rule("a", 1, "", "dst", false)
			r.Destination.ReplicationTime = &s3types.ReplicationTime{Status: s3types.ReplicationTimeStatusEnabled, Time: &s3types.ReplicationTimeValue{Minutes: aws.Int32(10)}}
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{r}}
		}, "InvalidRequest"},
		"KMS key without SSE-KMS selection": {"src", func() *s3types.ReplicationConfiguration {
			r := v2Rule("a", 1, "", "dst", false)
			r.Destination.EncryptionConfiguration = &s3types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String("arn:aws:kms:eu-west-1:123456789012:key/k")}
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{r}}
		}, "InvalidRequest"},
		"unknown storage class": {"src", func() *s3types.ReplicationConfiguration {
			r := v2Rule("a", 1, "", "dst", false)
			r.Destination.StorageClass = "COLD"
			return &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{r}}
		}, "MalformedXML"},
	}
	for name, tc := range bad {
		assert.Equal(t, tc.code, apiCode(put(tc.bucket, tc.cfg())), name)
	}

	_, err = east.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: aws.String("src")})
	require.NoError(t, err)
	_, err = east.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("src")})
	assert.Equal(t, "ReplicationConfigurationNotFoundError", apiCode(err))
}

func TestS3_AsyncReplicationStatuses(t *testing.T) {
	lab, c := s3Wired(t, func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour })
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)

	v := s3Put(t, c["us-east-1"], b["us-east-1"], "k", "hello")
	head, err := c["us-east-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("k")})
	require.NoError(t, err)
	assert.Equal(t, s3types.ReplicationStatusPending, head.ReplicationStatus)
	_, err = c["eu-west-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b["eu-west-1"]), Key: aws.String("k")})
	assert.Error(t, err, "not replicated during the delay")
	assert.Equal(t, multiregiontest.S3ReplicationCounts{Pending: 2}, s3h.Replications())

	require.NoError(t, s3h.Quiesce(ctx))
	out, body := s3Get(t, c["us-east-1"], b["us-east-1"], "k", "")
	assert.Equal(t, "hello", body)
	assert.Equal(t, s3types.ReplicationStatusCompleted, out.ReplicationStatus, "S3 sends COMPLETED (the SDK also knows COMPLETE)")
	src, _ := s3h.Latest("us-east-1", b["us-east-1"], "k")
	for _, r := range []string{"eu-west-1", "ap-southeast-2"} {
		out, body := s3Get(t, c[r], b[r], "k", "")
		assert.Equal(t, "hello", body)
		assert.Equal(t, s3types.ReplicationStatusReplica, out.ReplicationStatus)
		assert.Equal(t, v, aws.ToString(out.VersionId), "a replica keeps the version id")
		assert.Equal(t, "v", out.Metadata["k"])
		rep, _ := s3h.Latest(r, b[r], "k")
		assert.Equal(t, src.LastModified, rep.LastModified, "a replica keeps LastModified")
	}
	// Replicas are not replicated again: 2 copies, not 2 + 2 x 1.
	assert.Equal(t, multiregiontest.S3ReplicationCounts{Completed: 2}, s3h.Replications())
	assert.False(t, s3h.Diverged(b, "k"))

	// A delete marker replicates with the rule's DeleteMarkerReplication.
	del, err := c["eu-west-1"].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b["eu-west-1"]), Key: aws.String("k")})
	require.NoError(t, err)
	require.NoError(t, s3h.Quiesce(ctx))
	for r, bucket := range b {
		l, ok := s3h.Latest(r, bucket, "k")
		require.True(t, ok)
		assert.True(t, l.IsDeleteMarker, r)
		assert.Equal(t, aws.ToString(del.VersionId), l.VersionID, r)
	}
}

func TestS3_RulesHonourPrefixAndDeleteMarkers(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	_, err := c["us-east-1"].PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(b["us-east-1"]),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{
			v2Rule("docs", 1, "docs/", b["eu-west-1"], false), // no delete markers
		}}})
	require.NoError(t, err)
	s3Put(t, c["us-east-1"], b["us-east-1"], "docs/a", "a")
	s3Put(t, c["us-east-1"], b["us-east-1"], "tmp/b", "b")
	require.NoError(t, s3h.Quiesce(ctx))
	_, ok := s3h.Latest("eu-west-1", b["eu-west-1"], "docs/a")
	assert.True(t, ok, "the prefix matches")
	_, ok = s3h.Latest("eu-west-1", b["eu-west-1"], "tmp/b")
	assert.False(t, ok, "outside the prefix")
	_, ok = s3h.Latest("ap-southeast-2", b["ap-southeast-2"], "docs/a")
	assert.False(t, ok, "no rule to this bucket")
	head, err := c["us-east-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("tmp/b")})
	require.NoError(t, err)
	assert.Empty(t, head.ReplicationStatus, "no rule, no status")

	_, err = c["us-east-1"].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("docs/a")})
	require.NoError(t, err)
	require.NoError(t, s3h.Quiesce(ctx))
	l, _ := s3h.Latest("eu-west-1", b["eu-west-1"], "docs/a")
	assert.False(t, l.IsDeleteMarker, "DeleteMarkerReplication Disabled: the marker stays in the source")
}

func TestS3_OutageRetriesThenFails(t *testing.T) {
	lab, c := s3Wired(t, func(o *multiregiontest.S3Options) { o.FailAfter = 300 * time.Millisecond })
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)

	// Down briefly: the copy waits and lands after Up.
	lab.Endpoint("eu-west-1").Down()
	s3Put(t, c["us-east-1"], b["us-east-1"], "retry", "x")
	time.Sleep(50 * time.Millisecond)
	_, ok := s3h.Latest("eu-west-1", b["eu-west-1"], "retry")
	assert.False(t, ok, "not copied into a down region")
	require.NoError(t, lab.Endpoint("eu-west-1").Up())
	require.NoError(t, s3h.Quiesce(ctx))
	_, ok = s3h.Latest("eu-west-1", b["eu-west-1"], "retry")
	assert.True(t, ok, "copied after Up")
	l, _ := s3h.Latest("us-east-1", b["us-east-1"], "retry")
	assert.Equal(t, "COMPLETED", l.ReplicationStatus)

	// Down past FailAfter: FAILED, and it stays FAILED after Up.
	lab.Endpoint("eu-west-1").Down()
	s3Put(t, c["us-east-1"], b["us-east-1"], "fail", "x")
	require.NoError(t, s3h.Quiesce(ctx))
	require.NoError(t, lab.Endpoint("eu-west-1").Up())
	head, err := c["us-east-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("fail")})
	require.NoError(t, err)
	assert.Equal(t, s3types.ReplicationStatusFailed, head.ReplicationStatus)
	_, ok = s3h.Latest("ap-southeast-2", b["ap-southeast-2"], "fail")
	assert.True(t, ok, "the other destination got it")

	// A forced failure.
	s3h.SetReplicationFailure("us-east-1", "ap-southeast-2", true)
	s3Put(t, c["us-east-1"], b["us-east-1"], "forced", "x")
	require.NoError(t, s3h.Quiesce(ctx))
	l, _ = s3h.Latest("us-east-1", b["us-east-1"], "forced")
	assert.Equal(t, "FAILED", l.ReplicationStatus)
	assert.Equal(t, 2, s3h.Replications().Failed)
}

func TestS3_PauseAndDivergence(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)

	s3h.PauseReplication("eu-west-1")
	s3Put(t, c["us-east-1"], b["us-east-1"], "k", "east")
	err := s3h.Quiesce(ctx)
	assert.ErrorIs(t, err, multiregiontest.ErrReplicationPaused)
	assert.True(t, s3h.Diverged(b, "k"), "eu-west-1 lacks the key")
	s3h.ResumeReplication("eu-west-1")
	require.NoError(t, s3h.Quiesce(ctx))
	assert.False(t, s3h.Diverged(b, "k"))

	// Concurrent writes in two regions, each replicated after the other's
	// local write: each bucket's latest is the other region's version.
	for _, r := range lab.Names() {
		s3h.PauseReplication(r)
	}
	ve := s3Put(t, c["us-east-1"], b["us-east-1"], "k", "east2")
	vw := s3Put(t, c["eu-west-1"], b["eu-west-1"], "k", "west2")
	for _, r := range lab.Names() {
		s3h.ResumeReplication(r)
	}
	require.NoError(t, s3h.Quiesce(ctx))
	le, _ := s3h.Latest("us-east-1", b["us-east-1"], "k")
	lw, _ := s3h.Latest("eu-west-1", b["eu-west-1"], "k")
	assert.Equal(t, vw, le.VersionID, "the west version arrived last in the east")
	assert.Equal(t, ve, lw.VersionID)
	assert.True(t, s3h.Diverged(b, "k"))
	assert.Equal(t, []string{"k"}, s3h.DivergedKeys(b, ""))
	// Through the SDK, each region serves its own latest.
	_, body := s3Get(t, c["us-east-1"], b["us-east-1"], "k", "")
	assert.Equal(t, "west2", body)
	_, body = s3Get(t, c["eu-west-1"], b["eu-west-1"], "k", "")
	assert.Equal(t, "east2", body)
}

package multiregiontest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

func TestS3_V1RulesTagsPriorityAndPairDelay(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	east, bucket := c["us-east-1"], b["us-east-1"]

	// V1 schema: rule-level Prefix, delete markers always replicated; the
	// copy takes the destination's storage class.
	_, err := east.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(bucket),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{{
			ID: aws.String("v1"), Prefix: aws.String("logs/"), Status: s3types.ReplicationRuleStatusEnabled,
			Destination: &s3types.Destination{Bucket: aws.String("arn:aws:s3:::" + b["eu-west-1"]), StorageClass: s3types.StorageClassStandardIa},
		}}}})
	require.NoError(t, err)
	s3Put(t, east, bucket, "logs/1", "x")
	require.NoError(t, s3h.Quiesce(ctx))
	rh, err := c["eu-west-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b["eu-west-1"]), Key: aws.String("logs/1")})
	require.NoError(t, err)
	assert.Equal(t, s3types.StorageClassStandardIa, rh.StorageClass)
	_, err = east.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("logs/1")})
	require.NoError(t, err)
	require.NoError(t, s3h.Quiesce(ctx))
	l, ok := s3h.Latest("eu-west-1", b["eu-west-1"], "logs/1")
	require.True(t, ok)
	assert.True(t, l.IsDeleteMarker, "V1 rules replicate delete markers")

	// Overlapping V2 rules to one destination: the higher priority decides;
	// a tag filter selects by x-amz-tagging.
	tagged := v2Rule("tagged", 2, "", b["ap-southeast-2"], false)
	tagged.Filter = &s3types.ReplicationRuleFilter{And: &s3types.ReplicationRuleAndOperator{Prefix: aws.String("t/"),
		Tags: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}
	disabled := v2Rule("off", 3, "t/", b["ap-southeast-2"], false)
	disabled.Status = s3types.ReplicationRuleStatusDisabled // a disabled rule takes no part
	noMarkers := v2Rule("west-no-markers", 4, "t/keep", b["eu-west-1"], false)
	_, err = east.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(bucket),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{
			tagged, disabled, noMarkers, v2Rule("all-west", 1, "", b["eu-west-1"], true)}}})
	require.NoError(t, err)
	for key, tagging := range map[string]string{"t/yes": "team=a&x=y", "t/no": "team=b", "t/keep": "team=b"} {
		_, err := east.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader("x"), Tagging: aws.String(tagging)})
		require.NoError(t, err)
	}
	require.NoError(t, s3h.Quiesce(ctx))
	_, ok = s3h.Latest("ap-southeast-2", b["ap-southeast-2"], "t/yes")
	assert.True(t, ok, "tags match")
	_, ok = s3h.Latest("ap-southeast-2", b["ap-southeast-2"], "t/no")
	assert.False(t, ok, "tags differ")
	for _, k := range []string{"t/no", "t/keep"} {
		_, ok = s3h.Latest("eu-west-1", b["eu-west-1"], k)
		assert.True(t, ok, "replicated west: %s", k)
		_, err = east.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		require.NoError(t, err)
	}
	require.NoError(t, s3h.Quiesce(ctx))
	l, _ = s3h.Latest("eu-west-1", b["eu-west-1"], "t/no")
	assert.True(t, l.IsDeleteMarker, "all-west replicates delete markers")
	l, _ = s3h.Latest("eu-west-1", b["eu-west-1"], "t/keep")
	assert.False(t, l.IsDeleteMarker, "the higher-priority rule for t/keep does not")
	head, err := east.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("t/yes")})
	require.NoError(t, err)
	assert.Equal(t, int32(2), aws.ToInt32(head.TagCount))
	// A tag filter cannot replicate delete markers.
	tagged.DeleteMarkerReplication.Status = s3types.DeleteMarkerReplicationStatusEnabled
	_, err = east.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(bucket),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{Role: aws.String(testRole), Rules: []s3types.ReplicationRule{tagged}}})
	assert.Equal(t, "InvalidRequest", apiCode(err))

	// A slow pair: the copy west lands, the copy to Sydney waits.
	s3h.SetPairDelay("us-east-1", "eu-west-1", 0)
	s3h.SetReplicationDelay(time.Hour)
	_, err = east.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("t/slow"),
		Body: strings.NewReader("x"), Tagging: aws.String("team=a")})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, ok := s3h.Latest("eu-west-1", b["eu-west-1"], "t/slow"); return ok }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1, s3h.Replications().Pending, "the copy to Sydney waits the hour")
	s3h.SetPairDelay("us-east-1", "eu-west-1", -1)
	s3Put(t, east, bucket, "slow2", "x")
	assert.Equal(t, 2, s3h.Replications().Pending, "without the override the hour applies west too")
}

func TestS3_BucketAdmin(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	west := c["eu-west-1"]
	require.NoError(t, lab.S3().CreateBucket(ctx, "eu-west-1", "admin", true))
	v, err := west.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("admin")})
	require.NoError(t, err)
	assert.Equal(t, s3types.BucketVersioningStatusEnabled, v.Status)
	s3Put(t, west, "admin", "a", "1")
	s3Put(t, west, "admin", "b", "2")
	_, err = west.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("admin")})
	assert.Equal(t, "BucketNotEmpty", apiCode(err))

	del, err := west.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("admin"),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b")}}}})
	require.NoError(t, err)
	assert.Len(t, del.Deleted, 2)
	for _, k := range []string{"a", "b"} {
		l, ok := lab.S3().Latest("eu-west-1", "admin", k)
		require.True(t, ok)
		assert.True(t, l.IsDeleteMarker, "DeleteObjects in a versioned bucket leaves delete markers")
	}
	// Removing every version empties the bucket; then it can go.
	vs, err := west.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("admin")})
	require.NoError(t, err)
	var ids []s3types.ObjectIdentifier
	for _, x := range vs.Versions {
		ids = append(ids, s3types.ObjectIdentifier{Key: x.Key, VersionId: x.VersionId})
	}
	for _, x := range vs.DeleteMarkers {
		ids = append(ids, s3types.ObjectIdentifier{Key: x.Key, VersionId: x.VersionId})
	}
	_, err = west.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("admin"), Delete: &s3types.Delete{Objects: ids}})
	require.NoError(t, err)
	_, err = west.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("admin")})
	require.NoError(t, err)
	_, err = west.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("admin")})
	require.Error(t, err)
	// ?tagging would overwrite an object in gofakes3: refused.
	_, err = west.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("nope"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	assert.Equal(t, "NotImplemented", apiCode(err))
}

func TestS3_BlackholeHoldsReplicationAndCloseStops(t *testing.T) {
	ctx := context.Background()
	lab, err := multiregiontest.New(s3Regions, multiregiontest.WithS3())
	require.NoError(t, err)
	t.Cleanup(lab.Close) // idempotent: the test closes it first
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	mesh := map[string]*s3.Client{}
	for _, r := range lab.Names() {
		mesh[r] = s3h.Client(r)
	}
	fullMesh(t, mesh, b, "", true)

	lab.Endpoint("eu-west-1").Blackhole(true)
	s3Put(t, mesh["us-east-1"], b["us-east-1"], "k", "x") // the handle's client bypasses the switch
	require.Eventually(t, func() bool { _, ok := s3h.Latest("ap-southeast-2", b["ap-southeast-2"], "k"); return ok }, 5*time.Second, 5*time.Millisecond)
	_, ok := s3h.Latest("eu-west-1", b["eu-west-1"], "k")
	assert.False(t, ok, "a black-holed region receives no copy")
	assert.Equal(t, 1, s3h.Replications().Pending)
	lab.Endpoint("eu-west-1").Blackhole(false)
	require.NoError(t, s3h.Quiesce(ctx))
	_, ok = s3h.Latest("eu-west-1", b["eu-west-1"], "k")
	assert.True(t, ok)

	lab.Close()
	assert.Error(t, s3h.Quiesce(ctx), "closed")
}

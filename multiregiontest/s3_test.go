package multiregiontest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// s3Regions are the regions of the S3 tests; the third tests N-way rules.
var s3Regions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

// s3Wired starts an S3 lab and a Client on it, and returns an S3 client
// per region built the way a service builds them.
func s3Wired(t *testing.T, fns ...func(*multiregiontest.S3Options)) (*multiregiontest.Lab, map[string]*s3.Client) {
	t.Helper()
	lab := multiregiontest.Start(t, s3Regions, multiregiontest.WithS3(fns...))
	mr, err := multiregion.New(context.Background(), lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	clients := map[string]*s3.Client{}
	for _, r := range lab.Names() {
		clients[r] = s3.NewFromConfig(mr.Config(multiregion.Region(r)), func(o *s3.Options) { o.UsePathStyle = true })
	}
	return lab, clients
}

func s3Put(t *testing.T, c *s3.Client, bucket, key, body string) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader(body), ContentType: aws.String("text/plain"), Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	require.NotNil(t, out.VersionId, "a versioned bucket answers a version id")
	return *out.VersionId
}

func s3Get(t *testing.T, c *s3.Client, bucket, key, version string) (*s3.GetObjectOutput, string) {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := c.GetObject(context.Background(), in)
	require.NoError(t, err)
	body, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	require.NoError(t, out.Body.Close())
	return out, string(body)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestS3_VersionedObjectsPerRegion(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	east := c["us-east-1"]
	require.NoError(t, lab.S3().CreateBucket(ctx, "us-east-1", "east-bucket", true))

	v1 := s3Put(t, east, "east-bucket", "k", "one")
	v2 := s3Put(t, east, "east-bucket", "k", "two")
	assert.NotEqual(t, v1, v2)
	out, body := s3Get(t, east, "east-bucket", "k", "")
	assert.Equal(t, "two", body)
	assert.Equal(t, v2, aws.ToString(out.VersionId))
	assert.Equal(t, "v", out.Metadata["k"])
	assert.Equal(t, "text/plain", aws.ToString(out.ContentType))
	_, body = s3Get(t, east, "east-bucket", "k", v1)
	assert.Equal(t, "one", body, "GET by version id")

	// gofakes3 answers HEAD ?versionId with the latest version: fixed.
	head, err := east.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("east-bucket"), Key: aws.String("k"), VersionId: aws.String(v1)})
	require.NoError(t, err)
	assert.Equal(t, v1, aws.ToString(head.VersionId))
	assert.Equal(t, int64(3), aws.ToInt64(head.ContentLength))

	del, err := east.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("east-bucket"), Key: aws.String("k")})
	require.NoError(t, err)
	assert.True(t, aws.ToBool(del.DeleteMarker))
	_, err = east.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("east-bucket"), Key: aws.String("k")})
	assert.Equal(t, "NoSuchKey", apiCode(err), "the delete marker hides the object")
	latest, ok := lab.S3().Latest("us-east-1", "east-bucket", "k")
	require.True(t, ok)
	assert.True(t, latest.IsDeleteMarker)
	assert.Equal(t, aws.ToString(del.VersionId), latest.VersionID)

	vs, err := east.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("east-bucket")})
	require.NoError(t, err)
	require.Len(t, vs.Versions, 2)
	require.Len(t, vs.DeleteMarkers, 1)
	assert.True(t, aws.ToBool(vs.DeleteMarkers[0].IsLatest))
	assert.Equal(t, v2, aws.ToString(vs.Versions[0].VersionId), "newest first")
	assert.False(t, aws.ToBool(vs.Versions[0].IsLatest))

	// Removing the delete marker by version brings v2 back.
	_, err = east.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("east-bucket"), Key: aws.String("k"), VersionId: del.VersionId})
	require.NoError(t, err)
	_, body = s3Get(t, east, "east-bucket", "k", "")
	assert.Equal(t, "two", body)
}

func TestS3_BucketsAreRegional(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	require.NoError(t, lab.S3().CreateBucket(ctx, "eu-west-1", "west-bucket", false))

	_, err := c["us-east-1"].HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("west-bucket")})
	require.Error(t, err, "another region's endpoint does not serve the bucket")
	_, err = c["us-east-1"].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("west-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	assert.Equal(t, "PermanentRedirect", apiCode(err))
	_, err = c["us-east-1"].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-bucket")})
	assert.Equal(t, "BucketAlreadyOwnedByYou", apiCode(err), "names are global")
	_, err = c["ap-southeast-2"].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("no-constraint")})
	assert.Equal(t, "IllegalLocationConstraintException", apiCode(err))

	loc, err := c["eu-west-1"].GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("west-bucket")})
	require.NoError(t, err)
	assert.Equal(t, s3types.BucketLocationConstraint("eu-west-1"), loc.LocationConstraint)

	// Unversioned: the null version, no version id.
	out, err := c["eu-west-1"].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("west-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	assert.Nil(t, out.VersionId)

	// The endpoint switches apply to S3.
	lab.Endpoint("eu-west-1").SetErrorRate(1)
	_, err = c["eu-west-1"].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("west-bucket"), Key: aws.String("k")})
	require.Error(t, err)
	lab.Endpoint("eu-west-1").SetErrorRate(0)
	lab.Endpoint("eu-west-1").SetThrottleRate(1)
	_, err = c["eu-west-1"].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("west-bucket"), Key: aws.String("k")})
	assert.Equal(t, "SlowDown", apiCode(err))
}

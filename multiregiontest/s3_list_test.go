package multiregiontest_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

func TestS3_ListingsPaginate(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	east := c["us-east-1"]
	require.NoError(t, lab.S3().CreateBucket(ctx, "us-east-1", "lists", true))
	for i := range 5 {
		for j := range 2 {
			s3Put(t, east, "lists", fmt.Sprintf("dir/k%d", i), fmt.Sprint(j))
		}
	}
	s3Put(t, east, "lists", "top", "x")

	var keys []string
	p := s3.NewListObjectsV2Paginator(east, &s3.ListObjectsV2Input{Bucket: aws.String("lists"), Prefix: aws.String("dir/"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	assert.Equal(t, []string{"dir/k0", "dir/k1", "dir/k2", "dir/k3", "dir/k4"}, keys)

	var versions []string
	vp := s3.NewListObjectVersionsPaginator(east, &s3.ListObjectVersionsInput{Bucket: aws.String("lists"), MaxKeys: aws.Int32(3)})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		require.NoError(t, err)
		for _, v := range page.Versions {
			versions = append(versions, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
		}
	}
	assert.Len(t, versions, 11, "every version once across pages")
	seen := map[string]bool{}
	for _, v := range versions {
		assert.False(t, seen[v], "listed twice: %s", v)
		seen[v] = true
	}

	// Delimiter: the common prefix and the top-level key.
	out, err := east.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lists"), Delimiter: aws.String("/")})
	require.NoError(t, err)
	require.Len(t, out.CommonPrefixes, 1)
	assert.Equal(t, "dir/", aws.ToString(out.CommonPrefixes[0].Prefix))
	require.Len(t, out.Contents, 1)
	assert.Equal(t, "top", aws.ToString(out.Contents[0].Key))
}

func TestS3_MultipartAndCopyReplicate(t *testing.T) {
	lab, c := s3Wired(t)
	ctx := context.Background()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)
	east := c["us-east-1"]
	up, err := east.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("big")})
	require.NoError(t, err)
	part := bytes.Repeat([]byte("a"), 5<<20)
	var parts []s3types.CompletedPart
	for i := int32(1); i <= 2; i++ {
		pr, err := east.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("big"),
			UploadId: up.UploadId, PartNumber: aws.Int32(i), Body: bytes.NewReader(part)})
		require.NoError(t, err)
		parts = append(parts, s3types.CompletedPart{ETag: pr.ETag, PartNumber: aws.Int32(i)})
	}
	done, err := east.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("big"),
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)

	// A copy of an older version (gofakes3 ignores the source's versionId).
	v1 := s3Put(t, east, b["us-east-1"], "src", "first")
	s3Put(t, east, b["us-east-1"], "src", "second")
	cp, err := east.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("dst"),
		CopySource: aws.String(b["us-east-1"] + "/src?versionId=" + v1)})
	require.NoError(t, err)
	assert.Equal(t, v1, aws.ToString(cp.CopySourceVersionId))
	require.NoError(t, lab.S3().Quiesce(ctx))

	for _, r := range lab.Names() {
		big, ok := lab.S3().Latest(r, b[r], "big")
		require.True(t, ok, r)
		assert.Equal(t, aws.ToString(done.VersionId), big.VersionID, r)
		_, body := s3Get(t, c[r], b[r], "dst", "")
		assert.Equal(t, "first", body, r)
	}
}

func TestWithS3_BadOptions(t *testing.T) {
	_, err := multiregiontest.New([]string{"us-east-1"}, multiregiontest.WithS3(func(o *multiregiontest.S3Options) { o.ReplicationDelay = -time.Second }))
	assert.ErrorIs(t, err, multiregiontest.ErrInvalidOptions)
	lab := multiregiontest.Start(t, []string{"us-east-1"})
	assert.Nil(t, lab.S3(), "no S3 without WithS3")
}

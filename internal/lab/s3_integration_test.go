//go:build integration

package lab

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3API: each region's versitygw answers the real aws-sdk-go-v2 client:
// PutBucketVersioning, PutObject (twice: two versions), GetObject by version id
// and ListObjectVersions.
func TestS3API(t *testing.T) {
	env := labEnv(t)
	forEachRegion(t, env, env.Regions(), func(t *testing.T, name string, r Region) {
		ctx := testContext(t, 60*time.Second)
		c := s3.New(s3.Options{
			Region:       name,
			BaseEndpoint: aws.String(r.S3),
			UsePathStyle: true,
			Credentials:  staticCreds(env.S3AccessKey, env.S3SecretKey),
			HTTPClient:   awsHTTPClient(t),
		})
		bucket := unique("lab-smoke-")
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("CreateBucket: %v", err)
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		}); err != nil {
			t.Fatalf("PutBucketVersioning: %v", err)
		}
		v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
		if err != nil || v.Status != types.BucketVersioningStatusEnabled {
			t.Fatalf("GetBucketVersioning = %v, %v; want Enabled", v, err)
		}

		const key = "dir/object.txt"
		var ids []string
		for _, body := range []string{"version one", "version two"} {
			out, err := c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body),
			})
			if err != nil {
				t.Fatalf("PutObject %q: %v", body, err)
			}
			if aws.ToString(out.VersionId) == "" {
				t.Fatalf("PutObject %q returned no version id", body)
			}
			ids = append(ids, aws.ToString(out.VersionId))
		}
		if ids[0] == ids[1] {
			t.Fatalf("both puts got version id %q", ids[0])
		}

		get := func(versionID *string) string {
			t.Helper()
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: versionID})
			if err != nil {
				t.Fatalf("GetObject version %v: %v", aws.ToString(versionID), err)
			}
			defer out.Body.Close()
			b, err := io.ReadAll(out.Body)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if got := get(aws.String(ids[0])); got != "version one" {
			t.Errorf("GetObject by the first version id = %q, want %q", got, "version one")
		}
		if got := get(nil); got != "version two" {
			t.Errorf("GetObject latest = %q, want %q", got, "version two")
		}

		lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String("dir/")})
		if err != nil {
			t.Fatalf("ListObjectVersions: %v", err)
		}
		seen := map[string]bool{}
		for _, ov := range lv.Versions {
			if aws.ToString(ov.Key) == key {
				seen[aws.ToString(ov.VersionId)] = aws.ToBool(ov.IsLatest)
			}
		}
		if len(seen) != 2 || !seen[ids[1]] || seen[ids[0]] {
			t.Fatalf("ListObjectVersions: versions (id -> latest) %v, want %s (latest) and %s", seen, ids[1], ids[0])
		}
	})
}

package multiregiontest_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

// latestViaSDK is each region's current version id of key, read with
// ListObjectVersions as a divergence check reads it ("" if none).
func latestViaSDK(t *testing.T, c map[string]*s3.Client, buckets map[string]string, key string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for r, b := range buckets {
		vs, err := c[r].ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(b), Prefix: aws.String(key)})
		require.NoError(t, err)
		out[r] = ""
		for _, v := range vs.Versions {
			if aws.ToString(v.Key) == key && aws.ToBool(v.IsLatest) {
				out[r] = aws.ToString(v.VersionId)
			}
		}
		for _, m := range vs.DeleteMarkers {
			if aws.ToString(m.Key) == key && aws.ToBool(m.IsLatest) {
				out[r] = aws.ToString(m.VersionId)
			}
		}
	}
	return out
}

func TestS3_JitterReordersArrivalsAndGroundTruthReportsIt(t *testing.T) {
	lab, c := s3Wired(t, func(o *multiregiontest.S3Options) {
		o.ReplicationDelay = 10 * time.Millisecond
		o.ReorderJitter = 200 * time.Millisecond
		o.Seed = 7
	})
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)

	const keys = 60
	var wg sync.WaitGroup
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range keys {
				_, err := c[r].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b[r]), Key: aws.String(fmt.Sprintf("k%03d", i)),
					Body: strings.NewReader(r)})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, s3h.Quiesce(ctx))
	assert.Equal(t, multiregiontest.S3ReplicationCounts{Completed: 2 * keys * 2}, s3h.Replications())

	var fromSDK []string
	eastLast := 0 // keys whose copy from us-east-1 arrived last in ap-southeast-2
	for i := range keys {
		key := fmt.Sprintf("k%03d", i)
		latest := latestViaSDK(t, c, b, key)
		ids := map[string]bool{}
		for _, id := range latest {
			ids[id] = true
		}
		if len(ids) > 1 {
			fromSDK = append(fromSDK, key)
		}
		assert.Equal(t, len(ids) > 1, s3h.Diverged(b, key), key)
		// The third region holds both versions; its latest is whichever
		// copy arrived last.
		assert.Len(t, s3h.Versions("ap-southeast-2", b["ap-southeast-2"], key), 2)
		if east, _ := s3h.Latest("us-east-1", b["us-east-1"], key); latest["ap-southeast-2"] != east.VersionID {
			eastLast++ // east's bucket ends on the west version, so this is the east one
		}
	}
	sort.Strings(fromSDK)
	assert.Equal(t, fromSDK, s3h.DivergedKeys(b, "k"), "the ground truth is what the SDK sees")
	t.Logf("%d of %d keys diverged; in ap-southeast-2 the copy from us-east-1 arrived last for %d", len(fromSDK), keys, eastLast)
	assert.NotEmpty(t, fromSDK, "concurrent writes diverge")
	assert.True(t, eastLast > 0 && eastLast < keys, "the jitter orders the third region's arrivals both ways")
}

func TestS3_InventoryReadBackWithTheSDK(t *testing.T) {
	lab, c := s3Wired(t, func(o *multiregiontest.S3Options) { o.InventoryRowsPerFile = 3 })
	ctx := context.Background()
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	fullMesh(t, c, b, "", true)
	require.NoError(t, s3h.CreateBucket(ctx, "us-east-1", "reports", false))
	east := c["us-east-1"]
	s3Put(t, east, b["us-east-1"], "a b/1", "one")
	s3Put(t, east, b["us-east-1"], "a b/1", "two")
	s3Put(t, east, b["us-east-1"], "c", "three")
	_, err := east.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b["us-east-1"]), Key: aws.String("c")})
	require.NoError(t, err)
	require.NoError(t, s3h.Quiesce(ctx))

	_, err = s3h.WriteInventory(ctx, "eu-west-1", b["eu-west-1"], "reports", "inv", "Parquet")
	assert.ErrorIs(t, err, multiregiontest.ErrS3InventoryFormat)
	mkey, err := s3h.WriteInventory(ctx, "eu-west-1", b["eu-west-1"], "reports", "inv", multiregiontest.S3InventoryCSV)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(mkey, "inv/"+b["eu-west-1"]+"/multiregiontest/"), mkey)
	assert.True(t, strings.HasSuffix(mkey, "/manifest.json"), mkey)

	_, raw := s3Get(t, east, "reports", mkey, "")
	var m multiregiontest.S3InventoryManifest
	require.NoError(t, json.Unmarshal([]byte(raw), &m))
	assert.Equal(t, b["eu-west-1"], m.SourceBucket)
	assert.Equal(t, "arn:aws:s3:::reports", m.DestinationBucket)
	assert.Equal(t, "CSV", m.FileFormat)
	assert.Equal(t, multiregiontest.S3InventorySchema, m.FileSchema)
	require.Len(t, m.Files, 2, "4 rows, 3 per file")
	_, sum := s3Get(t, east, "reports", strings.TrimSuffix(mkey, "json")+"checksum", "")
	md := md5.Sum([]byte(raw))
	assert.Equal(t, hex.EncodeToString(md[:]), sum)

	var rows [][]string
	for _, f := range m.Files {
		out, err := east.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String(f.Key)})
		require.NoError(t, err)
		data, err := io.ReadAll(out.Body)
		require.NoError(t, err)
		require.NoError(t, out.Body.Close())
		assert.Equal(t, f.Size, int64(len(data)))
		md := md5.Sum(data)
		assert.Equal(t, f.MD5Checksum, hex.EncodeToString(md[:]))
		zr, err := gzip.NewReader(strings.NewReader(string(data)))
		require.NoError(t, err)
		recs, err := csv.NewReader(bufio.NewReader(zr)).ReadAll()
		require.NoError(t, err)
		rows = append(rows, recs...)
	}
	require.Len(t, rows, 4)
	key, err := url.QueryUnescape(rows[0][1])
	require.NoError(t, err)
	assert.Equal(t, "a b/1", key)
	latest, _ := s3h.Latest("eu-west-1", b["eu-west-1"], "a b/1")
	assert.Equal(t, []string{b["eu-west-1"], rows[0][1], latest.VersionID, "true", "false", "3",
		latest.LastModified.Format("2006-01-02T15:04:05.000Z"), "REPLICA"}, rows[0])
	assert.Equal(t, "false", rows[1][3], "the older version is not latest")
	assert.Equal(t, []string{"true", "true", ""}, rows[2][3:6], "c's delete marker: latest, no size")
}

//go:build integration

package s3mesh_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/s3mesh"
)

// TestVersityGWAcceptsEveryRequestShape sends what the Mesh sends, as it
// sends it, to the lab's versitygw (one per region, an S3 implementation
// other than the emulator, without replication): PutBucketVersioning from
// Apply, PutObject, GetObject latest and by version id, HeadObject,
// ListObjectVersions (Versions, Check, Scan), DeleteObject (a marker and a
// version), GetBucketVersioning from Verify.
func TestVersityGWAcceptsEveryRequestShape(t *testing.T) {
	env, err := lab.Load()
	if errors.Is(err, lab.ErrNotRunning) {
		t.Fatal("lab not running: scripts/lab up")
	}
	if err != nil {
		t.Fatal(err)
	}
	names := env.Regions()
	if len(names) < 2 {
		t.Fatalf("the lab has %d regions", len(names))
	}
	ctx := testCtx(t)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{Region: names[0], HTTPClient: &http.Client{Transport: tr},
		Credentials: credentials.NewStaticCredentialsProvider(env.S3AccessKey, env.S3SecretKey, "")}
	var regions []multiregion.Region
	opts := []func(*multiregion.Options){func(o *multiregion.Options) { o.DisableBackgroundProbes = true }}
	buckets := map[multiregion.Region]string{}
	stamp := time.Now().UnixNano()
	for _, n := range names[:2] {
		r := multiregion.Region(n)
		ep, err := env.Endpoint(n, lab.S3)
		if err != nil {
			t.Fatal(err)
		}
		regions = append(regions, r)
		opts = append(opts, multiregion.WithEndpoint(r, multiregion.ServiceS3, ep))
		buckets[r] = fmt.Sprintf("s3mesh-it-%d-%s", stamp, n)
	}
	mr, err := multiregion.New(ctx, cfg, append([]func(*multiregion.Options){multiregion.WithRegions(regions...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	for _, r := range regions {
		raw := s3.NewFromConfig(mr.Config(r), pathStyle)
		if _, err := raw.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(buckets[r])}); err != nil {
			t.Fatalf("CreateBucket in %s: %v", r, err)
		}
	}
	mesh, err := s3mesh.New(ctx, mr, buckets, func(o *s3mesh.Options) {
		o.RoleARN = role
		o.ClientOptions = append(o.ClientOptions, pathStyle)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mesh.Close() })

	// versitygw has no replication: Apply versions every bucket, then the
	// replication step may be refused; either way versioning must be on.
	err = mesh.Apply(ctx)
	var ae *s3mesh.ApplyError
	switch {
	case err == nil:
	case errors.As(err, &ae) && ae.Step == "replication" && len(ae.Versioned) == 2:
		t.Logf("Apply: versioning on both buckets; replication refused: %v", ae.Err)
	default:
		t.Fatalf("Apply: %v", err)
	}
	for _, r := range regions {
		raw := s3.NewFromConfig(mr.Config(r), pathStyle)
		v, err := raw.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(buckets[r])})
		if err != nil || v.Status != types.BucketVersioningStatusEnabled {
			t.Fatalf("versioning of %s after Apply: %+v, %v", buckets[r], v, err)
		}
	}
	// 501 NotImplemented is an answer (the same everywhere), not an outage.
	if _, err := mesh.Verify(ctx); err != nil {
		var oe *s3mesh.OpError
		if !errors.As(err, &oe) || errors.Is(err, multiregion.ErrNoHealthyRegion) {
			t.Fatalf("Verify: %v", err)
		}
		t.Logf("Verify: %v", err)
	}
	for _, r := range regions {
		if !mesh.Store().Healthy(r) {
			t.Fatalf("%s ejected by a NotImplemented answer", r)
		}
	}

	const key = "dir/object.txt"
	near := regions[0]
	v1, err := mesh.Put(ctx, key, strings.NewReader("version one"), s3mesh.WithRegion(near), func(o *s3mesh.CallOptions) {
		o.ContentType = "text/plain"
		o.Metadata = map[string]string{"by": "it"}
	})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	v2, err := mesh.Put(ctx, key, strings.NewReader("version two"), s3mesh.WithRegion(near))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if v1.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Fatalf("version ids %q, %q", v1.VersionID, v2.VersionID)
	}
	obj, err := mesh.Get(ctx, key, s3mesh.WithRegion(near), s3mesh.WithVersion(v1.VersionID))
	if err != nil {
		t.Fatalf("Get by version: %v", err)
	}
	if body := readAll(t, obj); body != "version one" || obj.VersionID != v1.VersionID || obj.Metadata["by"] != "it" {
		t.Fatalf("Get by version: %q %+v", body, obj)
	}
	obj, err = mesh.Get(ctx, key, s3mesh.WithRegion(near))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if body := readAll(t, obj); body != "version two" {
		t.Fatalf("Get latest: %q", body)
	}
	if h, err := mesh.Head(ctx, key, s3mesh.WithRegion(near)); err != nil || h.VersionID != v2.VersionID {
		t.Fatalf("Head: %+v, %v", h, err)
	}
	// Versions: ListObjectVersions as the Mesh sends it (Prefix = key).
	latest, err := mesh.Versions(ctx, key)
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	if latest[0].VersionID != v2.VersionID || !latest[1].Missing {
		t.Fatalf("Versions: %+v (no replication: the far bucket has none)", latest)
	}
	if err := mesh.Check(ctx, key); !errors.Is(err, s3mesh.ErrDiverged) {
		t.Fatalf("Check with the key in one bucket only: %v", err)
	}
	rep, err := mesh.Scan(ctx, "dir/")
	if err != nil || rep.Keys != 1 || len(rep.Diverged) != 1 {
		t.Fatalf("Scan: %+v, %v", rep, err)
	}
	// The far region answers 404: Get falls back to the near one.
	obj, err = mesh.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get with fallback: %v", err)
	}
	readAll(t, obj)
	if obj.Region != near {
		t.Fatalf("served by %s", obj.Region)
	}
	if _, err := mesh.Delete(ctx, key, s3mesh.WithRegion(near), s3mesh.WithVersion(v1.VersionID)); err != nil {
		t.Fatalf("Delete version: %v", err)
	}
	if _, err := mesh.Get(ctx, key, s3mesh.WithRegion(near), s3mesh.WithVersion(v1.VersionID)); !errors.Is(err, s3mesh.ErrNotFound) {
		t.Fatalf("Get of the deleted version: %v", err)
	}
	m, err := mesh.Delete(ctx, key, s3mesh.WithRegion(near))
	if err != nil || !m.DeleteMarker {
		t.Fatalf("Delete: %+v, %v", m, err)
	}
	if _, err := mesh.Get(ctx, key, s3mesh.WithRegion(near)); !errors.Is(err, s3mesh.ErrNotFound) {
		t.Fatalf("Get after the delete marker: %v", err)
	}
}

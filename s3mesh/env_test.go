package s3mesh_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

const (
	use1  = multiregion.Region("us-east-1")
	euw1  = multiregion.Region("eu-west-1")
	apse2 = multiregion.Region("ap-southeast-2")
)

// env is a lab serving S3 in its regions, a Client on it and a Mesh of one
// bucket per region (created, not yet versioned: Apply does that).
type env struct {
	t       testing.TB
	lab     *multiregiontest.Lab
	mr      *multiregion.Client
	mesh    *s3mesh.Mesh
	buckets map[multiregion.Region]string
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// pathStyle: the lab's S3 endpoints take path-style requests.
func pathStyle(o *s3.Options) { o.UsePathStyle = true }

// newEnv starts a lab of regions (latencies: wide gaps, so the nearest is
// clear) with S3 configured by s3o, and a Mesh with optFns; apply runs
// Apply and waits nothing.
func newEnv(t testing.TB, regions []multiregion.Region, latency []time.Duration, s3o func(*multiregiontest.S3Options), apply bool, optFns ...func(*s3mesh.Options)) *env {
	return newEnvHook(t, regions, latency, s3o, apply, nil, optFns...)
}

// newEnvHook is newEnv with a hook that sees the lab before the Mesh is
// built (for options that need it).
func newEnvHook(t testing.TB, regions []multiregion.Region, latency []time.Duration, s3o func(*multiregiontest.S3Options), apply bool, hook func(*multiregiontest.Lab), optFns ...func(*s3mesh.Options)) *env {
	t.Helper()
	ctx := testCtx(t)
	labOpts := []multiregiontest.Option{multiregiontest.WithS3(s3o)}
	for i, d := range latency {
		labOpts = append(labOpts, multiregiontest.WithLatency(string(regions[i]), d))
	}
	lab := multiregiontest.Start(t, regions, labOpts...)
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Logger = testutil.Logger()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	if err := mr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		hook(lab)
	}
	e := &env{t: t, lab: lab, mr: mr, buckets: map[multiregion.Region]string{}}
	for _, r := range regions {
		b := "mesh-" + string(r)
		e.buckets[r] = b
		if err := lab.S3().CreateBucket(ctx, string(r), b, false); err != nil {
			t.Fatal(err)
		}
	}
	base := func(o *s3mesh.Options) {
		o.RoleARN = role
		o.ClientOptions = append(o.ClientOptions, pathStyle)
	}
	e.mesh, err = s3mesh.New(ctx, mr, e.buckets, append([]func(*s3mesh.Options){base}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.mesh.Close() })
	if apply {
		if err := e.mesh.Apply(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// three is the usual lab: us-east-1 nearest, then eu-west-1, then
// ap-southeast-2 (1 / 60 / 150 ms).
func three(t testing.TB, s3o func(*multiregiontest.S3Options), optFns ...func(*s3mesh.Options)) *env {
	return newEnv(t, []multiregion.Region{use1, euw1, apse2}, []time.Duration{time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond}, s3o, true, optFns...)
}

// truthBuckets is the bucket map the lab's ground truth takes.
func (e *env) truthBuckets() map[string]string {
	out := map[string]string{}
	for r, b := range e.buckets {
		out[string(r)] = b
	}
	return out
}

func (e *env) quiesce() {
	e.t.Helper()
	if err := e.lab.S3().Quiesce(testCtx(e.t)); err != nil {
		e.t.Fatal(err)
	}
}

package s3mesh_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

// TestMRAP: through the Multi-Region Access Point, S3 picks the bucket
// (the nearest active route); DrainMRAP sets a route to 0 % and, once the
// change is in effect, writes land in the next region; UndrainMRAP
// restores it.
func TestMRAP(t *testing.T) {
	var lab *multiregiontest.Lab
	var arn string
	e := newEnvHook(t, []multiregion.Region{use1, euw1, apse2}, []time.Duration{time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond},
		func(o *multiregiontest.S3Options) { o.MRAPRouteDelay = 100 * time.Millisecond }, true, func(lb *multiregiontest.Lab) { lab = lb }, func(o *s3mesh.Options) {
			// The lab's resolvers: MRAP ARNs to the region's lab endpoint
			// (still SigV4A), s3control without the account-id host prefix.
			o.ClientOptions = append(o.ClientOptions, func(so *s3.Options) { so.EndpointResolverV2 = lab.S3().MRAPEndpointResolver() })
			o.MRAPControlOptions = []func(*s3control.Options){func(co *s3control.Options) { co.EndpointResolverV2 = lab.S3().S3ControlEndpointResolver() }}
			o.MRAPARN = "arn:aws:s3::" + multiregiontest.S3AccountID + ":accesspoint/mfzwi23gnjvgw.mrap"
			arn = o.MRAPARN
		})
	ctx := testCtx(t)
	if _, err := lab.S3().CreateMultiRegionAccessPoint("mfzwi23gnjvgw.mrap", e.truthBuckets()); err != nil {
		t.Fatal(err)
	}
	holder := func(key string) []multiregion.Region {
		var in []multiregion.Region
		for _, r := range e.mesh.Regions() {
			if _, ok := lab.S3().Latest(string(r), e.buckets[r], key); ok {
				in = append(in, r)
			}
		}
		return in
	}
	lab.S3().PauseReplication(string(euw1)) // so holder sees where a write landed, not its replicas
	lab.S3().PauseReplication(string(use1))
	lab.S3().PauseReplication(string(apse2))

	res, err := e.mesh.Put(ctx, "a", strings.NewReader("x"), s3mesh.WithMRAP())
	if err != nil {
		t.Fatal(err)
	}
	if res.Region != "" || res.Bucket != arn || !slices.Equal(holder("a"), []multiregion.Region{use1}) {
		t.Fatalf("Put via MRAP: %+v, landed in %v", res, holder("a"))
	}
	obj, err := e.mesh.Get(ctx, "a", s3mesh.WithMRAP())
	if err != nil {
		t.Fatal(err)
	}
	if readAll(t, obj) != "x" || obj.Region != "" {
		t.Fatalf("Get via MRAP: %+v", obj)
	}
	if _, err := e.mesh.Get(ctx, "missing", s3mesh.WithMRAP()); !errors.Is(err, s3mesh.ErrNotFound) {
		t.Fatalf("Get of a missing key via MRAP: %v", err)
	}

	if err := e.mesh.DrainMRAP(ctx, use1); err != nil {
		t.Fatal(err)
	}
	dial := func(r multiregion.Region) int32 {
		routes, err := e.mesh.MRAPRoutes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range routes {
			if rt.Region == r {
				return rt.Dial
			}
		}
		t.Fatalf("no route for %s in %+v", r, routes)
		return -1
	}
	deadline := time.Now().Add(10 * time.Second)
	for dial(use1) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("drain never in effect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.mesh.Put(ctx, "b", strings.NewReader("y"), s3mesh.WithMRAP()); err != nil {
		t.Fatal(err)
	}
	if got := holder("b"); !slices.Equal(got, []multiregion.Region{euw1}) {
		t.Fatalf("after DrainMRAP(us-east-1) the write landed in %v", got)
	}
	if err := e.mesh.UndrainMRAP(ctx); err != nil {
		t.Fatal(err)
	}
	for dial(use1) != 100 {
		if time.Now().After(deadline) {
			t.Fatal("undrain never in effect")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Bad input: a region outside the mesh; MRAP with a pinned region.
	if err := e.mesh.DrainMRAP(ctx, "ap-south-1"); !errors.Is(err, s3mesh.ErrInvalidInput) {
		t.Errorf("DrainMRAP outside the mesh: %v", err)
	}
	if _, err := e.mesh.Get(ctx, "a", s3mesh.WithMRAP(), s3mesh.WithRegion(euw1)); !errors.Is(err, s3mesh.ErrInvalidInput) {
		t.Errorf("WithMRAP and WithRegion: %v", err)
	}
}

// TestMRAP_NotConfigured: without Options.MRAPARN the MRAP path is a typed
// error; a malformed ARN is refused by New.
func TestMRAP_NotConfigured(t *testing.T) {
	mr := offlineClient(t, "us-east-1", "eu-west-1")
	buckets := map[multiregion.Region]string{"us-east-1": "orders-a", "eu-west-1": "orders-b"}
	for _, arn := range []string{"arn:aws:s3:::orders-a", "arn:aws:s3::123456789012:accesspoint/x", "arn:aws:s3::12:accesspoint/x.mrap"} {
		if _, err := s3mesh.New(testCtx(t), mr, buckets, func(o *s3mesh.Options) { o.RoleARN = role; o.MRAPARN = arn }); !errors.Is(err, s3mesh.ErrInvalidInput) {
			t.Errorf("MRAPARN %q: %v", arn, err)
		}
	}
	m, err := s3mesh.New(testCtx(t), mr, buckets, func(o *s3mesh.Options) { o.RoleARN = role })
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DrainMRAP(testCtx(t), "us-east-1"); !errors.Is(err, s3mesh.ErrInvalidInput) {
		t.Errorf("DrainMRAP without an access point: %v", err)
	}
	if _, err := m.Get(testCtx(t), "k", s3mesh.WithMRAP()); !errors.Is(err, s3mesh.ErrInvalidInput) {
		t.Errorf("Get WithMRAP without an access point: %v", err)
	}
}

package s3mesh_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

func readAll(t testing.TB, o *s3mesh.Object) string {
	t.Helper()
	defer o.Body.Close()
	b, err := io.ReadAll(o.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPutGet_Nearest: Put lands in the nearest region; after replication a
// Get is served there, and each region reports its replication status.
func TestPutGet_Nearest(t *testing.T) {
	e := three(t, nil)
	ctx := testCtx(t)
	res, err := e.mesh.Put(ctx, "a/1", strings.NewReader("hello"), func(o *s3mesh.CallOptions) { o.ContentType = "text/plain" })
	if err != nil {
		t.Fatal(err)
	}
	if res.Region != use1 || res.VersionID == "" {
		t.Fatalf("Put: %+v", res)
	}
	e.quiesce()
	obj, err := e.mesh.Get(ctx, "a/1")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, obj); body != "hello" || obj.Region != use1 || obj.VersionID != res.VersionID || obj.ReplicationStatus != s3mesh.ReplicationCompleted || obj.ContentType != "text/plain" {
		t.Fatalf("Get: %+v %q", obj, body)
	}
	for _, r := range []multiregion.Region{euw1, apse2} {
		h, err := e.mesh.Head(ctx, "a/1", s3mesh.WithRegion(r))
		if err != nil {
			t.Fatal(err)
		}
		if h.Region != r || h.ReplicationStatus != s3mesh.ReplicationReplica || h.VersionID != res.VersionID {
			t.Fatalf("Head in %s: %+v", r, h)
		}
	}
}

// TestGet_FallsBackDuringReplicationDelay: an object written in the
// farthest region is not yet in the others; Get tries them in rank order
// and finds it there, PENDING; after replication the nearest serves it.
func TestGet_FallsBackDuringReplicationDelay(t *testing.T) {
	e := three(t, func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour })
	ctx := testCtx(t)
	res, err := e.mesh.Put(ctx, "late", strings.NewReader("v1"), s3mesh.WithRegion(apse2))
	if err != nil || res.Region != apse2 {
		t.Fatalf("Put: %+v, %v", res, err)
	}
	before := e.lab.Endpoint(string(use1)).Requests()
	obj, err := e.mesh.Get(ctx, "late")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, obj); obj.Region != apse2 || body != "v1" || obj.ReplicationStatus != s3mesh.ReplicationPending {
		t.Fatalf("Get during the delay: region %s status %s body %q", obj.Region, obj.ReplicationStatus, body)
	}
	if e.lab.Endpoint(string(use1)).Requests() == before {
		t.Fatal("the nearest region was not tried first")
	}
	if !e.mesh.Store().Healthy(use1) || !e.mesh.Store().Healthy(euw1) {
		t.Fatal("a 404 counted as a region failure")
	}
	e.quiesce()
	obj, err = e.mesh.Get(ctx, "late")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, obj)
	if obj.Region != use1 || obj.ReplicationStatus != s3mesh.ReplicationReplica {
		t.Fatalf("Get after replication: %s %s", obj.Region, obj.ReplicationStatus)
	}

	_, err = e.mesh.Get(ctx, "never-written")
	var nf *s3mesh.NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, s3mesh.ErrNotFound) || len(nf.Regions) != 3 || nf.Key != "never-written" {
		t.Fatalf("Get of a missing key: %v", err)
	}
}

// TestReadYourWrites: with the option, a Get right after this Mesh's Put
// goes straight to the region that took it; without, it starts nearest.
func TestReadYourWrites(t *testing.T) {
	e := three(t, func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour },
		func(o *s3mesh.Options) { o.ReadYourWrites = time.Minute })
	ctx := testCtx(t)
	if _, err := e.mesh.Put(ctx, "mine", strings.NewReader("x"), s3mesh.WithRegion(euw1)); err != nil {
		t.Fatal(err)
	}
	before := e.lab.Endpoint(string(use1)).Requests()
	obj, err := e.mesh.Get(ctx, "mine")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, obj)
	if obj.Region != euw1 || e.lab.Endpoint(string(use1)).Requests() != before {
		t.Fatalf("read-your-writes Get went to %s (us-east-1 requests %d → %d)", obj.Region, before, e.lab.Endpoint(string(use1)).Requests())
	}
}

// TestFailover: with the nearest region down, answering 500 or throttling,
// Put and Get move to the next; a canceled context is not a region failure.
func TestFailover(t *testing.T) {
	e := three(t, nil)
	ctx := testCtx(t)
	e.lab.Endpoint(string(use1)).Down()
	res, err := e.mesh.Put(ctx, "f", strings.NewReader("x"))
	if err != nil || res.Region != euw1 {
		t.Fatalf("Put with us-east-1 down: %+v, %v", res, err)
	}
	obj, err := e.mesh.Get(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, obj)
	if obj.Region != euw1 {
		t.Fatalf("Get served by %s", obj.Region)
	}
	if err := e.lab.Endpoint(string(use1)).Up(); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	// 500s and 503 SlowDown are regional too (the SDK's retries are off in
	// the lab: each region's first answer counts).
	for name, set := range map[string]func(float64){"500": e.lab.Endpoint(string(use1)).SetErrorRate, "503 SlowDown": e.lab.Endpoint(string(use1)).SetThrottleRate} {
		set(1)
		res, err := e.mesh.Put(ctx, "f", strings.NewReader("y"))
		if err != nil || res.Region == use1 {
			t.Fatalf("Put with %s in us-east-1: %+v, %v", name, res, err)
		}
		obj, err := e.mesh.Get(ctx, "f", s3mesh.WithVersion(res.VersionID))
		if err != nil || obj.Region == use1 {
			t.Fatalf("Get with %s in us-east-1: %+v, %v", name, obj, err)
		}
		readAll(t, obj)
		set(0)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.mesh.Get(canceled, "f", s3mesh.WithRegion(euw1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Get: %v", err)
	}
	if !e.mesh.Store().Healthy(euw1) {
		t.Fatal("cancellation counted as a region failure")
	}
}

// TestReplicationFailed: FAILED is terminal and surfaced with the object.
func TestReplicationFailed(t *testing.T) {
	e := three(t, func(o *multiregiontest.S3Options) { o.FailAfter = 10 * time.Millisecond })
	ctx := testCtx(t)
	e.lab.S3().SetReplicationFailure(string(use1), string(apse2), true)
	if _, err := e.mesh.Put(ctx, "doomed", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	obj, err := e.mesh.Get(ctx, "doomed")
	var rf *s3mesh.ReplicationFailedError
	if !errors.As(err, &rf) || !errors.Is(err, s3mesh.ErrReplicationFailed) || obj == nil || obj.ReplicationStatus != s3mesh.ReplicationFailed || rf.Region != use1 {
		t.Fatalf("Get of a FAILED version: %+v, %v", obj, err)
	}
	readAll(t, obj)
}

// TestDelete: a delete marker in the nearest region (replicated here, as
// the option asks) hides the key, and Get stops at it; a version deleted
// by id is gone from every region.
func TestDelete(t *testing.T) {
	e := three(t, nil, func(o *s3mesh.Options) { o.DeleteMarkerReplication = true })
	ctx := testCtx(t)
	v1, err := e.mesh.Put(ctx, "d", strings.NewReader("1"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := e.mesh.Put(ctx, "d", strings.NewReader("2"))
	if err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	del, err := e.mesh.Delete(ctx, "d", s3mesh.WithVersion(v2.VersionID))
	if err != nil || del.VersionID != v2.VersionID {
		t.Fatalf("Delete version: %+v, %v", del, err)
	}
	for _, r := range e.mesh.Regions() {
		if vs := e.lab.S3().Versions(string(r), e.buckets[r], "d"); len(vs) != 1 || vs[0].VersionID != v1.VersionID {
			t.Fatalf("%s after deleting v2: %+v", r, vs)
		}
	}
	m, err := e.mesh.Delete(ctx, "d")
	if err != nil || !m.DeleteMarker || m.Region != use1 {
		t.Fatalf("Delete: %+v, %v", m, err)
	}
	e.quiesce()
	_, err = e.mesh.Get(ctx, "d")
	var nf *s3mesh.NotFoundError
	if !errors.As(err, &nf) || !nf.DeleteMarker {
		t.Fatalf("Get after delete: %v", err)
	}
	obj, err := e.mesh.Get(ctx, "d", s3mesh.WithVersion(v1.VersionID), s3mesh.WithRegion(apse2))
	if err != nil {
		t.Fatal(err)
	}
	if readAll(t, obj) != "1" {
		t.Fatal("old version unreadable after the delete marker")
	}
}

// TestDataPlane_BadInput: typed errors before any request.
func TestDataPlane_BadInput(t *testing.T) {
	e := three(t, nil)
	ctx := testCtx(t)
	before := e.lab.Endpoint(string(use1)).Requests()
	checks := map[string]error{}
	_, checks["Put empty key"] = e.mesh.Put(ctx, "", strings.NewReader("x"))
	_, checks["Put nil body"] = e.mesh.Put(ctx, "k", nil)
	_, checks["Get empty key"] = e.mesh.Get(ctx, "")
	_, checks["Head long key"] = e.mesh.Head(ctx, strings.Repeat("k", 1025))
	_, checks["Delete empty key"] = e.mesh.Delete(ctx, "")
	_, checks["Get region outside"] = e.mesh.Get(ctx, "k", s3mesh.WithRegion("ap-south-1"))
	_, checks["Versions empty key"] = e.mesh.Versions(ctx, "")
	checks["Check empty key"] = e.mesh.Check(ctx, "")
	_, checks["Reconcile nil policy"] = e.mesh.Reconcile(ctx, "k", nil)
	_, checks["ScanInventory no manifests"] = e.mesh.ScanInventory(ctx, "", nil)
	for name, err := range checks {
		if !errors.Is(err, s3mesh.ErrInvalidInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := e.lab.Endpoint(string(use1)).Requests(); n != before {
		t.Errorf("bad input sent %d requests", n-before)
	}
	_ = e.mesh.Close()
	if _, err := e.mesh.Get(ctx, "k"); !errors.Is(err, s3mesh.ErrClosed) {
		t.Errorf("Get on a closed Mesh: %v", err)
	}
}

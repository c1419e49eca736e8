package s3mesh_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

// putBoth writes key in every region at once (pinned), as writers in two
// regions would.
func putBoth(ctx context.Context, m *s3mesh.Mesh, key string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(m.Regions()))
	for i, r := range m.Regions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = m.Put(ctx, key, strings.NewReader("from "+string(r)), s3mesh.WithRegion(r))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// diverge writes keys concurrently from every region until n of them
// diverged by the ground truth (at most 50 tries), and returns them.
func diverge(t testing.TB, e *env, prefix string, n int) []string {
	t.Helper()
	ctx := testCtx(t)
	for i := 0; i < 50 && len(e.lab.S3().DivergedKeys(e.truthBuckets(), prefix)) < n; i++ {
		if err := putBoth(ctx, e.mesh, fmt.Sprintf("%s%03d", prefix, i)); err != nil {
			t.Fatal(err)
		}
		e.quiesce()
	}
	keys := e.lab.S3().DivergedKeys(e.truthBuckets(), prefix)
	if len(keys) < n {
		t.Fatalf("only %d keys diverged", len(keys))
	}
	return keys
}

// jitter makes concurrent versions arrive in another order per region.
func jitter(o *multiregiontest.S3Options) { o.ReorderJitter = 20 * time.Millisecond; o.Seed = 7 }

// racing is a lab of three regions without latency, so that Puts pinned
// to each region land within the jitter of each other and race.
func racing(t testing.TB) *env {
	return newEnv(t, []multiregion.Region{use1, euw1, apse2}, nil, jitter, true)
}

// TestDivergence_DetectAndReconcile: Check and a Get with the consistency
// option name each region's latest; Reconcile (newest wins) rewrites once,
// and after replication the regions agree, by Check and ground truth.
func TestDivergence_DetectAndReconcile(t *testing.T) {
	e := racing(t)
	ctx := testCtx(t)
	key := diverge(t, e, "div/", 1)[0]
	err := e.mesh.Check(ctx, key)
	var de *s3mesh.DivergenceError
	if !errors.As(err, &de) || !errors.Is(err, s3mesh.ErrDiverged) || len(de.Latest) != 3 {
		t.Fatalf("Check of a diverged key: %v", err)
	}
	for _, v := range de.Latest {
		truth, ok := e.lab.S3().Latest(string(v.Region), e.buckets[v.Region], key)
		if !ok || truth.VersionID != v.VersionID {
			t.Fatalf("Check says %s latest %s, ground truth %s", v.Region, v.VersionID, truth.VersionID)
		}
	}
	t.Log(err)
	if _, err := e.mesh.Get(ctx, key, s3mesh.WithConsistencyCheck()); !errors.As(err, &de) {
		t.Fatalf("Get with the consistency check: %v", err)
	}
	rec, err := e.mesh.Reconcile(ctx, key, s3mesh.NewestWins)
	if err != nil {
		t.Fatal(err)
	}
	newest := slices.MaxFunc(de.Latest, func(a, b s3mesh.Version) int {
		if c := a.LastModified.Compare(b.LastModified); c != 0 {
			return c
		}
		return strings.Compare(a.VersionID, b.VersionID)
	})
	if rec.Winner.VersionID != newest.VersionID || rec.Rewrote == "" || rec.VersionID == "" {
		t.Fatalf("Reconcile: %+v, newest %s", rec, newest.VersionID)
	}
	e.quiesce()
	if err := e.mesh.Check(ctx, key); err != nil {
		t.Fatalf("after Reconcile: %v", err)
	}
	if e.lab.S3().Diverged(e.truthBuckets(), key) {
		t.Fatal("ground truth still diverged")
	}
	obj, err := e.mesh.Get(ctx, key, s3mesh.WithConsistencyCheck())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.mesh.Get(ctx, key, s3mesh.WithRegion(newest.Region), s3mesh.WithVersion(newest.VersionID))
	if a, b := readAll(t, obj), readAll(t, want); a != b || obj.Metadata[s3mesh.MetaReconciledFrom] != newest.VersionID {
		t.Fatalf("reconciled content %q, winner's %q, metadata %v", a, b, obj.Metadata)
	}
	again, err := e.mesh.Reconcile(ctx, key, s3mesh.NewestWins)
	if err != nil || again.Rewrote != "" {
		t.Fatalf("Reconcile of agreeing regions: %+v, %v", again, err)
	}
}

// TestScan: the listing scan, run in the background, reports every key
// the ground truth says diverged, with progress, and nothing else.
func TestScan(t *testing.T) {
	e := racing(t)
	ctx := testCtx(t)
	truth := diverge(t, e, "scan/", 3)
	for i := 0; i < 5; i++ { // keys that agree
		if _, err := e.mesh.Put(ctx, fmt.Sprintf("scan/ok-%d", i), strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	e.quiesce()
	var reported []string
	pages := 0
	job := e.mesh.StartScan(ctx, "scan/", func(o *s3mesh.ScanOptions) {
		o.Progress = func(p s3mesh.ScanProgress) {
			if p.Diverged != nil {
				reported = append(reported, p.Diverged.Key)
			} else {
				pages++
			}
		}
	})
	rep, err := job.Wait()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range rep.Diverged {
		found = append(found, d.Key)
	}
	if !slices.Equal(found, truth) || !slices.Equal(reported, truth) || pages < 3 {
		t.Fatalf("scan found %v, progress %v (%d pages); ground truth %v", found, reported, pages, truth)
	}
	t.Logf("scan: %d keys, %d diverged (ground truth %d)", rep.Keys, len(found), len(truth))

	stopped := e.mesh.StartScan(ctx, "scan/")
	stopped.Stop()
	if _, err := stopped.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped scan: %v", err)
	}
}

// TestFigure_ConcurrentPuts is the figure: 1,000 rounds of concurrent Puts
// to one key from two regions, replicated with random arrival order. The
// divergences Check detects equal the emulator's ground truth; after
// Reconcile, 0 keys diverge.
func TestFigure_ConcurrentPuts(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 100
	}
	e := newEnv(t, []multiregion.Region{use1, euw1}, nil, func(o *multiregiontest.S3Options) {
		o.ReorderJitter = 2 * time.Millisecond
		o.Seed = 42
	}, true)
	ctx := testCtx(t)
	keys := make([]string, rounds)
	for i := range keys {
		keys[i] = fmt.Sprintf("fig/%04d", i)
	}
	forEach(t, keys, func(k string) error { return putBoth(ctx, e.mesh, k) })
	e.quiesce()

	detected := checkAll(t, ctx, e.mesh, keys)
	truth := e.lab.S3().DivergedKeys(e.truthBuckets(), "fig/")
	if !slices.Equal(detected, truth) {
		t.Fatalf("Check detected %d diverged keys, ground truth %d", len(detected), len(truth))
	}
	if len(truth) == 0 {
		t.Fatal("no key diverged: the figure shows nothing")
	}
	forEach(t, detected, func(k string) error {
		_, err := e.mesh.Reconcile(ctx, k, s3mesh.NewestWins)
		return err
	})
	e.quiesce()
	after := checkAll(t, ctx, e.mesh, keys)
	afterTruth := e.lab.S3().DivergedKeys(e.truthBuckets(), "fig/")
	t.Logf("figure: %d rounds of concurrent Puts from 2 regions: Check detected %d diverged, ground truth %d; after Reconcile: %d diverged (ground truth %d)",
		rounds, len(detected), len(truth), len(after), len(afterTruth))
	if len(after) != 0 || len(afterTruth) != 0 {
		t.Fatalf("after Reconcile %d keys diverge (ground truth %d)", len(after), len(afterTruth))
	}
}

// checkAll runs Check on every key and returns the diverged ones, sorted.
func checkAll(t testing.TB, ctx context.Context, m *s3mesh.Mesh, keys []string) []string {
	var mu sync.Mutex
	var out []string
	forEach(t, keys, func(k string) error {
		err := m.Check(ctx, k)
		if errors.Is(err, s3mesh.ErrDiverged) {
			mu.Lock()
			out = append(out, k)
			mu.Unlock()
			return nil
		}
		return err
	})
	slices.Sort(out)
	return out
}

// forEach runs fn over items, 64 at a time.
func forEach(t testing.TB, items []string, fn func(string) error) {
	t.Helper()
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

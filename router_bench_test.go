package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/regionkit/multiregion"
)

// benchClient is a Client over six regions with fixed probe latencies and
// no background probes, ranked by one Refresh.
func benchClient(b *testing.B, fns ...func(*multiregion.Options)) *multiregion.Client {
	b.Helper()
	lat := map[multiregion.Region]time.Duration{
		"us-east-1": 20 * time.Millisecond, "us-east-2": 25 * time.Millisecond,
		"us-west-2": 70 * time.Millisecond, "eu-west-1": 90 * time.Millisecond,
		"eu-central-1": 100 * time.Millisecond, "ap-northeast-1": 160 * time.Millisecond,
	}
	mr, err := multiregion.New(context.Background(), aws.Config{}, append([]func(*multiregion.Options){func(o *multiregion.Options) {
		o.Regions = []multiregion.Region{"ap-northeast-1", "eu-central-1", "eu-west-1", "us-west-2", "us-east-2", "us-east-1"}
		o.Prober = multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) {
			return lat[r], nil
		})
		o.DisableBackgroundProbes = true
	}}, fns...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mr.Close() })
	if err := mr.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	return mr
}

// BenchmarkPick is the pick path adapters take on every call: an allowed
// set that excludes the nearest region, so the scan goes past it.
func BenchmarkPick(b *testing.B) {
	mr := benchClient(b)
	allowed, err := mr.Set("us-west-2", "eu-west-1", "ap-northeast-1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var r multiregion.Region
	for b.Loop() {
		r, err = mr.Pick(allowed)
	}
	if err != nil || r != "us-west-2" {
		b.Fatalf("Pick = %s, %v; want us-west-2", r, err)
	}
}

// BenchmarkPickParallel picks from every core at once: no lock, no
// contention on the snapshot.
func BenchmarkPickParallel(b *testing.B) {
	mr := benchClient(b)
	all, _ := mr.Set()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := mr.Pick(all); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchStore is a Store over every region of mr, without a prober of its
// own, with one passive sample per region so that it ranks by its own:
// us-east-1 first, by a gap well above the noise of one sample.
func benchStore(b *testing.B, mr *multiregion.Client) *multiregion.Store {
	b.Helper()
	st, err := mr.NewStore("bench:observe", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	for r, d := range map[multiregion.Region]time.Duration{
		"us-east-1": 20 * time.Millisecond, "us-east-2": 70 * time.Millisecond,
		"us-west-2": 90 * time.Millisecond, "eu-west-1": 110 * time.Millisecond,
		"eu-central-1": 130 * time.Millisecond, "ap-northeast-1": 160 * time.Millisecond,
	} {
		st.Observe(r, d, nil)
	}
	if all, _ := mr.Set(); !st.Status().OwnLatency || st.Rank(all, nil)[0] != "us-east-1" {
		b.Fatalf("bench store ranks %v (own latency %v), want us-east-1 first by its own samples", st.Rank(all, nil), st.Status().OwnLatency)
	}
	return st
}

// BenchmarkObserve feeds passive samples of one busy region to a store,
// the steady state of a service: no ranking change, so no new snapshot.
func BenchmarkObserve(b *testing.B) {
	st := benchStore(b, benchClient(b))
	b.ReportAllocs()
	for b.Loop() {
		st.Observe("us-east-1", 21*time.Millisecond, nil)
	}
}

// BenchmarkObserveFailure alternates a failure and a success, so the
// region's rank changes (suspect, then back) and a snapshot is rebuilt on
// every call: the worst case of the update path. Failure-rate ejection is
// off: at one failure in two it would eject the region for good and the
// loop would measure a cheaper path.
func BenchmarkObserveFailure(b *testing.B) {
	st := benchStore(b, benchClient(b, func(o *multiregion.Options) { o.DisableFailureRateEjection = true }))
	all, _ := st.Client().Set()
	boom := errors.New("connection refused")
	st.Observe("us-east-1", 0, boom)
	if got := st.Rank(all, nil); got[len(got)-1] != "us-east-1" {
		b.Fatalf("after a failure the store ranks %v, want us-east-1 last", got)
	}
	st.Observe("us-east-1", 21*time.Millisecond, nil)
	if got := st.Rank(all, nil); got[0] != "us-east-1" {
		b.Fatalf("after a success the store ranks %v, want us-east-1 first", got)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			st.Observe("us-east-1", 0, boom)
		} else {
			st.Observe("us-east-1", 21*time.Millisecond, nil)
		}
		i++
	}
}

// BenchmarkObserveParallel is many goroutines reporting calls at once.
func BenchmarkObserveParallel(b *testing.B) {
	st := benchStore(b, benchClient(b))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			st.Observe("us-east-1", 21*time.Millisecond, nil)
		}
	})
}

// storePickFixture is a Client over three regions with five stores of
// every kind, each with samples: two with probers of their own, one ranked
// by its own calls, two ranked by the network view (one with a region
// ejected). want is what each store picks from all regions.
type storePickFixture struct {
	mr     *multiregion.Client
	stores []*multiregion.Store
	want   []multiregion.Region
	all    multiregion.RegionSet
}

func newStorePickFixture(tb testing.TB) storePickFixture {
	tb.Helper()
	fixed := func(lat map[multiregion.Region]time.Duration) multiregion.Prober {
		return multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) {
			return lat[r], nil
		})
	}
	// Gaps well above the noise of one sample, so one round ranks them all.
	network := map[multiregion.Region]time.Duration{"eu-west-1": 150 * time.Millisecond, "us-west-2": 60 * time.Millisecond, "us-east-1": 20 * time.Millisecond}
	mr, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = []multiregion.Region{"eu-west-1", "us-west-2", "us-east-1"}
		o.Prober = fixed(network)
		o.DisableBackgroundProbes = true
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = mr.Close() })
	f := storePickFixture{mr: mr}
	add := func(want multiregion.Region, optFns ...func(*multiregion.StoreOptions)) *multiregion.Store {
		st, err := mr.NewStore(fmt.Sprintf("bench:%d", len(f.stores)), nil, optFns...)
		if err != nil {
			tb.Fatal(err)
		}
		f.stores, f.want = append(f.stores, st), append(f.want, want)
		return st
	}
	add("eu-west-1", func(o *multiregion.StoreOptions) {
		o.Prober = fixed(map[multiregion.Region]time.Duration{"eu-west-1": 5 * time.Millisecond, "us-west-2": 50 * time.Millisecond, "us-east-1": 150 * time.Millisecond})
	})
	add("us-east-1", func(o *multiregion.StoreOptions) { o.Prober = fixed(network) })
	own := add("us-west-2")
	nearestOnly := add("us-east-1")
	ejected := add("us-west-2")
	if err := mr.Refresh(context.Background()); err != nil {
		tb.Fatal(err)
	}
	for r, d := range map[multiregion.Region]time.Duration{"eu-west-1": 90 * time.Millisecond, "us-west-2": 10 * time.Millisecond, "us-east-1": 40 * time.Millisecond} {
		own.Observe(r, d, nil)
	}
	nearestOnly.Observe("eu-west-1", time.Microsecond, nil) // fresh in one region only: the network view ranks
	boom := errors.New("connection refused")
	for range 3 {
		ejected.Observe("us-east-1", 0, boom)
	}
	ejected.Observe("us-west-2", 60*time.Millisecond, nil)
	all, err := mr.Set()
	if err != nil {
		tb.Fatal(err)
	}
	f.all = all
	for i, st := range f.stores {
		if got, err := st.Pick(all); err != nil || got != f.want[i] {
			tb.Fatalf("store %s: Pick = %s, %v; want %s", st.Name(), got, err, f.want[i])
		}
	}
	return f
}

// BenchmarkStorePick is the pick path of an adapter: a Store's Pick, with
// several stores registered on the Client. It allocates nothing.
func BenchmarkStorePick(b *testing.B) {
	f := newStorePickFixture(b)
	if n := testing.AllocsPerRun(100, func() {
		for _, st := range f.stores {
			_, _ = st.Pick(f.all)
		}
	}); n != 0 {
		b.Fatalf("Store.Pick allocates: %v allocs per round of %d picks", n, len(f.stores))
	}
	b.ReportAllocs()
	var (
		r   multiregion.Region
		err error
	)
	i := 0
	for b.Loop() {
		r, err = f.stores[i%len(f.stores)].Pick(f.all)
		i++
	}
	if k := (i - 1) % len(f.stores); err != nil || r != f.want[k] {
		b.Fatalf("Pick = %s, %v; want %s", r, err, f.want[k])
	}
}

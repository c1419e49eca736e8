package multiregion_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/regionkit/multiregion"
)

// benchClient is a Client over six regions with fixed probe latencies and
// no background probes, ranked by one Refresh.
func benchClient(b *testing.B) *multiregion.Client {
	b.Helper()
	lat := map[multiregion.Region]time.Duration{
		"us-east-1": 20 * time.Millisecond, "us-east-2": 25 * time.Millisecond,
		"us-west-2": 70 * time.Millisecond, "eu-west-1": 90 * time.Millisecond,
		"eu-central-1": 100 * time.Millisecond, "ap-northeast-1": 160 * time.Millisecond,
	}
	mr, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = []multiregion.Region{"ap-northeast-1", "eu-central-1", "eu-west-1", "us-west-2", "us-east-2", "us-east-1"}
		o.Prober = multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) {
			return lat[r], nil
		})
		o.DisableBackgroundProbes = true
	})
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

// BenchmarkObserve feeds passive samples of one busy region, the steady
// state of a service: no ranking change, so no new snapshot.
func BenchmarkObserve(b *testing.B) {
	mr := benchClient(b)
	b.ReportAllocs()
	for b.Loop() {
		mr.Observe("us-east-1", 21*time.Millisecond, nil)
	}
}

// BenchmarkObserveFailure alternates a failure and a success, so the
// region's rank changes (suspect, then back) and a snapshot is rebuilt on
// every call: the worst case of the update path.
func BenchmarkObserveFailure(b *testing.B) {
	mr := benchClient(b)
	boom := errors.New("connection refused")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			mr.Observe("us-east-1", 0, boom)
		} else {
			mr.Observe("us-east-1", 21*time.Millisecond, nil)
		}
		i++
	}
}

// BenchmarkObserveParallel is many goroutines reporting calls at once.
func BenchmarkObserveParallel(b *testing.B) {
	mr := benchClient(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mr.Observe("us-east-1", 21*time.Millisecond, nil)
		}
	})
}

package cache_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion/cache"
)

// benchSetup returns a Store whose reads go to us-east-1 and a direct
// go-redis client of the same server, with the same go-redis options.
func benchSetup(b *testing.B) (*cache.Store, *redis.Client) {
	e := newEnv(b, use1, false)
	s := e.store()
	ctx := testCtx(b)
	if err := s.Set(ctx, "bench", "a value of some length", 0); err != nil {
		b.Fatal(err)
	}
	if _, r, err := s.Get(ctx, "bench"); err != nil || r != use1 {
		b.Fatalf("routed Get: %s %v", r, err)
	}
	raw := redis.NewClient(&redis.Options{Addr: e.reg[use1].m.Addr(), MaxRetries: -1, DialerRetries: 1,
		ReadTimeout: cache.DefaultReadTimeout, WriteTimeout: cache.DefaultWriteTimeout, DialTimeout: cache.DefaultDialTimeout})
	b.Cleanup(func() { _ = raw.Close() })
	return s, raw
}

// BenchmarkGetRouted is Store.Get: pick, the call loop, the region's client.
func BenchmarkGetRouted(b *testing.B) {
	s, _ := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Get(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRaw is go-redis's Get on the same server.
func BenchmarkGetRaw(b *testing.B) {
	_, raw := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := raw.Get(ctx, "bench").Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRoutedVsRaw alternates the two in one loop (switching which
// goes first), so that machine noise hits both alike, and reports each one's
// median and their ratio: medians, because on a shared machine a few
// stalls would dominate the means.
func BenchmarkGetRoutedVsRaw(b *testing.B) {
	s, raw := benchSetup(b)
	ctx := context.Background()
	var routed, direct []time.Duration
	getRouted := func() {
		t0 := time.Now()
		if _, _, err := s.Get(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
		routed = append(routed, time.Since(t0))
	}
	getRaw := func() {
		t0 := time.Now()
		if err := raw.Get(ctx, "bench").Err(); err != nil {
			b.Fatal(err)
		}
		direct = append(direct, time.Since(t0))
	}
	odd := false
	b.ReportAllocs()
	for b.Loop() {
		if odd = !odd; odd {
			getRouted()
			getRaw()
		} else {
			getRaw()
			getRouted()
		}
	}
	mr, md := median(routed), median(direct)
	b.ReportMetric(float64(mr.Nanoseconds()), "routed-p50-ns")
	b.ReportMetric(float64(md.Nanoseconds()), "raw-p50-ns")
	b.ReportMetric(float64(mr)/float64(md), "routed/raw")
}

func median(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

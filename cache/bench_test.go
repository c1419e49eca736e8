package cache_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/internal/testutil"
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
	raw := redis.NewClient(&redis.Options{Addr: e.reg[use1].m.Addr(), MaxRetries: -1, DialerRetries: 1, Username: cacheUser, Password: cachePassword,
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

// BenchmarkGetRoutedVsRaw runs the two alternately in one loop and reports
// each one's median and their ratio (testutil.RoutedVsRaw).
func BenchmarkGetRoutedVsRaw(b *testing.B) {
	s, raw := benchSetup(b)
	ctx := context.Background()
	testutil.RoutedVsRaw(b, func() error {
		_, _, err := s.Get(ctx, "bench")
		return err
	}, func() error { return raw.Get(ctx, "bench").Err() })
}

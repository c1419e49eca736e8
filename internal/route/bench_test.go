package route_test

import (
	"context"
	"testing"
	"time"

	"github.com/regionkit/multiregion/internal/route"
)

// BenchmarkRun is the loop's own cost per call: pick, one attempt that
// reports one network call, observe. The adapters' routed/raw benchmarks
// (dynamo BenchmarkGetRoutedVsRaw) put it next to a real round trip.
func BenchmarkRun(b *testing.B) {
	l, _ := setup(b)
	benchRun(b, l)
}

// benchRun times l.Run of a one-attempt read that reports one network call.
func benchRun(b *testing.B, l *route.Loop) {
	ctx := context.Background()
	call := route.Call{Op: "fake.Get", Kind: route.Read}
	fn := func(ctx context.Context, a *route.Attempt) error { return a.Observe(ctx, time.Now(), nil) }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Run(ctx, call, fn); err != nil {
			b.Fatal(err)
		}
	}
}

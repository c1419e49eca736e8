package testutil

import (
	"slices"
	"testing"
	"time"
)

// RoutedVsRaw is the adapters' routed-against-raw benchmark: it runs
// routed (one call through the adapter) and raw (the same call through the
// driver, same region) alternately in one b.Loop, switching which goes
// first, so that machine noise hits both alike, and reports the median
// latency of each and their ratio (metric "routed/raw"). Medians, because
// on a shared machine a few stalls of several milliseconds would dominate
// means. One call of each runs first, untimed, to warm connections. An
// error from either fails the benchmark.
func RoutedVsRaw(b *testing.B, routed, raw func() error) {
	b.Helper()
	for _, fn := range []func() error{routed, raw} {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	var viaAdapter, direct []time.Duration
	timed := func(fn func() error, into *[]time.Duration) {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		*into = append(*into, time.Since(t0))
	}
	b.ReportAllocs()
	odd := false
	for b.Loop() {
		if odd = !odd; odd {
			timed(routed, &viaAdapter)
			timed(raw, &direct)
		} else {
			timed(raw, &direct)
			timed(routed, &viaAdapter)
		}
	}
	mr, md := median(viaAdapter), median(direct)
	b.ReportMetric(float64(mr.Nanoseconds()), "routed-p50-ns")
	b.ReportMetric(float64(md.Nanoseconds()), "raw-p50-ns")
	if md > 0 {
		b.ReportMetric(float64(mr)/float64(md), "routed/raw")
	}
}

func median(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

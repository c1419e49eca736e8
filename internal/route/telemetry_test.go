package route_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// otelSetup is setup with an OTel SDK meter (manual reader) and tracer
// (span recorder) on the Client.
func otelSetup(t testing.TB) (*route.Loop, *fakeStore, *sdkmetric.ManualReader, *tracetest.SpanRecorder) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	l, f := setup(t, func(o *multiregion.Options) { o.MeterProvider, o.TracerProvider = mp, tp })
	return l, f, reader, spans
}

func collect(t testing.TB, r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// sum is the value of the counter name at the data point whose attributes
// include every kv, or -1 if there is none.
func sum(t testing.TB, ms map[string]metricdata.Metrics, name string, kv ...attribute.KeyValue) int64 {
	t.Helper()
	m, ok := ms[name]
	if !ok {
		return -1
	}
	s, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a sum", name)
	for _, dp := range s.DataPoints {
		if hasAll(dp.Attributes, kv) {
			return dp.Value
		}
	}
	return -1
}

func hasAll(set attribute.Set, kv []attribute.KeyValue) bool {
	for _, want := range kv {
		got, ok := set.Value(want.Key)
		if !ok || got != want.Value {
			return false
		}
	}
	return true
}

func attr(k, v string) attribute.KeyValue { return attribute.String(k, v) }

func TestTelemetry_FailoverCall(t *testing.T) {
	l, f, reader, spans := otelSetup(t)
	f.set(use1, errRefused)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	require.NoError(t, err)
	require.Equal(t, usw2, r)

	ms := collect(t, reader)
	store := attr("multiregion.store", "fake:one")
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.calls", store, attr("multiregion.region", "us-west-2"), attr("multiregion.outcome", "ok")))
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.attempts", store, attr("multiregion.region", "us-east-1"), attr("multiregion.outcome", "not_applied")))
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.attempts", store, attr("multiregion.region", "us-west-2"), attr("multiregion.outcome", "ok")))
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.failovers", store, attr("multiregion.from", "us-east-1"), attr("multiregion.to", "us-west-2")))
	h, ok := ms["multiregion.call.duration"].Data.(metricdata.Histogram[float64])
	require.True(t, ok)
	require.Len(t, h.DataPoints, 1)
	assert.EqualValues(t, 1, h.DataPoints[0].Count)

	// The gauges: latency averages of the network view (the probe's 10,
	// 20, 30 ms) and every region healthy.
	g, ok := ms["multiregion.region.latency"].Data.(metricdata.Gauge[float64])
	require.True(t, ok)
	var netUse1 float64
	for _, dp := range g.DataPoints {
		if hasAll(dp.Attributes, []attribute.KeyValue{attr("multiregion.store", "network"), attr("multiregion.region", "us-east-1")}) {
			netUse1 = dp.Value
		}
	}
	assert.InDelta(t, 0.010, netUse1, 1e-9)
	hg, ok := ms["multiregion.region.healthy"].Data.(metricdata.Gauge[int64])
	require.True(t, ok)
	assert.Len(t, hg.DataPoints, 6, "3 regions × (network view + the store)")

	ended := spans.Ended()
	require.Len(t, ended, 1, "one span per routed call")
	sp := ended[0]
	assert.Equal(t, "fake.Get", sp.Name())
	attrs := attribute.NewSet(sp.Attributes()...)
	v, _ := attrs.Value("multiregion.region")
	assert.Equal(t, "us-west-2", v.AsString())
	v, _ = attrs.Value("multiregion.attempts")
	assert.EqualValues(t, 2, v.AsInt64())
	v, _ = attrs.Value("multiregion.regions_tried")
	assert.Equal(t, []string{"us-east-1", "us-west-2"}, v.AsStringSlice())
	require.Len(t, sp.Events(), 1)
	assert.Equal(t, "failover", sp.Events()[0].Name)
}

func TestTelemetry_NoRegionAndEjection(t *testing.T) {
	l, f, reader, spans := otelSetup(t)
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		f.set(r, errRefused)
	}
	// Three failed calls eject every region for the store; the fourth finds
	// none healthy.
	for range 3 {
		_, err := l.Run(context.Background(), route.Call{Op: "fake.Put", Kind: route.Write}, f.call)
		require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	}
	ms := collect(t, reader)
	store := attr("multiregion.store", "fake:one")
	assert.EqualValues(t, 3, sum(t, ms, "multiregion.calls", store, attr("multiregion.outcome", "no_healthy_region")))
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.health.changes", store, attr("multiregion.region", "us-east-1"),
		attribute.Bool("multiregion.healthy", false)))
	hg := ms["multiregion.region.healthy"].Data.(metricdata.Gauge[int64])
	for _, dp := range hg.DataPoints {
		if hasAll(dp.Attributes, []attribute.KeyValue{store}) {
			assert.Zero(t, dp.Value, "ejected for the store: %v", dp.Attributes)
		} else {
			assert.EqualValues(t, 1, dp.Value, "the network view still has it: %v", dp.Attributes)
		}
	}
	for _, sp := range spans.Ended() {
		assert.Equal(t, "Error", sp.Status().Code.String())
		require.NotEmpty(t, sp.Events())
	}
}

// A cancelled call is "canceled", never a region failure.
func TestTelemetry_Canceled(t *testing.T) {
	l, _, reader, _ := otelSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := l.Run(ctx, route.Call{Op: "fake.Get", Kind: route.Read}, func(ctx context.Context, a *route.Attempt) error {
		cancel()
		<-ctx.Done()
		return a.Observe(ctx, time.Now(), ctx.Err())
	})
	require.ErrorIs(t, err, context.Canceled)
	ms := collect(t, reader)
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.calls", attr("multiregion.outcome", "canceled")))
	assert.EqualValues(t, -1, sum(t, ms, "multiregion.health.changes"), "no region ejected")
}

// BenchmarkRunOTel is BenchmarkRun with the OTel SDK's meter and tracer
// on (a manual reader, every span recorded): the cost telemetry adds.
func BenchmarkRunOTel(b *testing.B) {
	l, _, _, _ := otelSetup(b)
	benchRun(b, l)
}

// BenchmarkRunOTelMetrics is BenchmarkRunOTel with metrics only (no
// TracerProvider): the usual production set-up when traces are sampled
// elsewhere.
func BenchmarkRunOTelMetrics(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	l, _ := setup(b, func(o *multiregion.Options) { o.MeterProvider = mp })
	benchRun(b, l)
}

// A hedged read is counted in multiregion.hedges and is a "hedge" event of
// the call's span.
func TestTelemetry_Hedge(t *testing.T) {
	l, _, reader, spans := otelSetup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: time.Millisecond})
	slow := func(ctx context.Context, a *route.Attempt) (int, error) {
		start := time.Now()
		if a.Region == use1 {
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return 0, a.Observe(ctx, start, ctx.Err())
			}
		}
		return 1, a.Observe(ctx, start, nil)
	}
	_, r, err := route.RunValue(context.Background(), l, route.Call{Op: "fake.Get", Kind: route.Read}, slow)
	require.NoError(t, err)
	require.Equal(t, usw2, r)
	ms := collect(t, reader)
	assert.EqualValues(t, 1, sum(t, ms, "multiregion.hedges", attr("multiregion.store", "fake:one"), attr("multiregion.from", "us-east-1"), attr("multiregion.to", "us-west-2")))
	ended := spans.Ended()
	require.Len(t, ended, 1)
	var names []string
	for _, ev := range ended[0].Events() {
		names = append(names, ev.Name)
	}
	assert.Contains(t, names, "hedge")
}

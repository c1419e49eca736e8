package singlewriter_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// logLines counts the log lines in logs at level that contain msg.
func logLines(logs *testutil.SyncBuffer, level, msg string) int {
	n := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level="+level) && strings.Contains(line, msg) {
			n++
		}
	}
	return n
}

// A control plane that fails five refreshes in a row is one Warn, then one
// Info when it answers again; a writer move is one Info. The refreshes
// and the move are counted in metrics.
func TestRefreshFailuresLoggedOnceAndCounted(t *testing.T) {
	logs := &testutil.SyncBuffer{}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	mr, err := multiregion.New(context.Background(), aws.Config{}, multiregion.WithRegions(use1, usw2, euw1), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		o.MeterProvider = mp
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	store, conns, clock := newFakeStore(use1, use1, usw2, euw1), newFakeConns(), multiregiontest.NewFakeClock(t0)
	kit, err := singlewriter.New(testCtx(t), mr, store, conns.Connect, conns.Close, func(o *singlewriter.Options) {
		o.Kind, o.Store, o.RefreshInterval, o.Clock = multiregion.ElastiCacheGlobal, "cache sessions", -1, clock
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = kit.Close() })

	store.Fail(errors.New("DescribeGlobalReplicationGroups: 503"))
	for range 5 {
		clock.Advance(time.Minute)
		require.Error(t, kit.Refresh(testCtx(t)))
	}
	store.Fail(nil)
	store.Switchover(euw1)
	clock.Advance(time.Minute)
	require.NoError(t, kit.Refresh(testCtx(t)))

	assert.Equal(t, 1, logLines(logs, "WARN", "topology refresh failed"), "once per streak")
	assert.Equal(t, 1, logLines(logs, "INFO", "topology refresh recovered"))
	assert.Equal(t, 1, logLines(logs, "INFO", "writer moved"))

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			s, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				continue
			}
			for _, dp := range s.DataPoints {
				st, _ := dp.Attributes.Value(attribute.Key("multiregion.store"))
				oc, _ := dp.Attributes.Value(attribute.Key("multiregion.outcome"))
				to, _ := dp.Attributes.Value(attribute.Key("multiregion.to"))
				got[m.Name+"|"+st.AsString()+"|"+oc.AsString()+to.AsString()] += dp.Value
			}
		}
	}
	assert.EqualValues(t, 5, got["multiregion.topology.refreshes|cache sessions|error"])
	assert.EqualValues(t, 2, got["multiregion.topology.refreshes|cache sessions|ok"], "the first load and the recovery")
	assert.EqualValues(t, 1, got["multiregion.writer.moves|cache sessions|eu-west-1"])
}

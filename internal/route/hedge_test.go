package route_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

func TestLatencyWindowQuantile(t *testing.T) {
	var w route.LatencyWindow
	_, n := w.Quantile(0.5)
	assert.Zero(t, n)
	for i := 1; i <= 100; i++ {
		w.Add(time.Duration(i) * time.Millisecond)
	}
	d, n := w.Quantile(0.95)
	assert.Equal(t, 100, n)
	assert.Equal(t, 95*time.Millisecond, d, "nearest rank")
	for i := 0; i < 1000; i++ { // the window keeps the last 256
		w.Add(time.Second)
	}
	d, n = w.Quantile(0.01)
	assert.Equal(t, 256, n)
	assert.Equal(t, time.Second, d)
}

func TestHedgeBudget(t *testing.T) {
	b := route.NewHedgeBudget(0.05, 2)
	assert.True(t, b.Take())
	assert.True(t, b.Take())
	assert.False(t, b.Take(), "burst spent")
	for range 19 {
		b.Earn()
	}
	assert.False(t, b.Take(), "19 calls earn 0.95 of a hedge")
	b.Earn()
	assert.True(t, b.Take(), "20 calls earn one at 5 %")
}

func TestHedgerDelay(t *testing.T) {
	h := route.NewHedger(route.Hedge{})
	_, ok := h.Delay()
	assert.False(t, ok, "no percentile before MinHedgeSamples")
	for range route.MinHedgeSamples {
		h.Observe(10 * time.Millisecond)
	}
	for range 16 { // recomputed within 16 calls
		_, _ = h.Delay()
	}
	d, ok := h.Delay()
	require.True(t, ok)
	assert.Equal(t, 10*time.Millisecond, d)

	fixed := route.NewHedger(route.Hedge{After: 7 * time.Millisecond})
	d, ok = fixed.Delay()
	assert.True(t, ok)
	assert.Equal(t, 7*time.Millisecond, d)
}

func TestHedgeValidate(t *testing.T) {
	for _, bad := range []route.Hedge{{After: -1}, {Percentile: 1}, {Percentile: -0.1}, {Budget: 1.5}, {Budget: -0.1}, {Burst: -1}} {
		var oe *multiregion.OptionError
		assert.ErrorAs(t, bad.Validate(), &oe, "%+v", bad)
	}
	assert.NoError(t, route.Hedge{}.Validate())
	assert.NoError(t, route.Hedge{After: time.Millisecond, Budget: 0.1}.Validate())
}

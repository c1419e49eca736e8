package multiregion

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Internal tests of the pure routing pieces: the ranking (order.go) and the
// per-region state machine (health.go). The public behaviour is tested in
// router_test.go and store_test.go through Client and Store.

// rankOf ranks states from the previous order prev through the router's
// own republish path, whatever rankRegions' exact parameters are.
func rankOf(states []regionState, prev []uint8, margin float64) []uint8 {
	var all RegionSet
	for i := range states {
		all = all.With(i)
	}
	rt := &router{states: states, margin: margin, set: all}
	rt.snap.Store(&snapshot{order: slices.Clone(prev)})
	rt.republishLocked(time.Time{})
	return rt.snap.Load().order
}

func ms(f float64) float64 { return f * float64(time.Millisecond) }

// healthyAt returns a healthy, measured state with the given EWMA in ms.
func healthyAt(latencyMS float64) regionState {
	return regionState{healthy: true, measured: true, ewma: ms(latencyMS), samples: 1}
}

func identity(n int) []uint8 {
	out := make([]uint8, n)
	for i := range out {
		out[i] = uint8(i)
	}
	return out
}

func TestRankRegions_ByLatencyTiesByPreference(t *testing.T) {
	states := []regionState{healthyAt(50), healthyAt(20), healthyAt(50), healthyAt(20), healthyAt(5)}
	got := rankOf(states, identity(len(states)), 0.05)
	assert.Equal(t, []uint8{4, 1, 3, 0, 2}, got)
}

func TestRankRegions_MeasuredBeforeUnmeasuredBeforeEjected(t *testing.T) {
	states := []regionState{
		{healthy: true}, // 0: unmeasured
		{healthy: false, measured: true, ewma: ms(1)}, // 1: ejected, fastest of all
		healthyAt(300),   // 2: measured, slow
		{healthy: true},  // 3: unmeasured
		{healthy: false}, // 4: ejected, unmeasured
		{healthy: false, measured: true, ewma: ms(9)}, // 5: ejected
		{healthy: false, measured: true, ewma: ms(1)}, // 6: ejected, tie with 1
		healthyAt(100), // 7: measured
	}
	got := rankOf(states, identity(len(states)), 0.05)
	// measured by latency, unmeasured by preference, ejected: measured by
	// latency (ties by preference), then unmeasured.
	assert.Equal(t, []uint8{7, 2, 0, 3, 1, 6, 5, 4}, got)
}

func TestRankRegions_Hysteresis(t *testing.T) {
	const margin = 0.05
	tests := []struct {
		name       string
		holder     float64 // latency (ms) of the region ranked first before
		challenger float64
		want       []uint8
	}{
		{"slower challenger", 100, 120, []uint8{0, 1}},
		{"equal", 100, 100, []uint8{0, 1}},
		{"4% faster: kept", 100, 96, []uint8{0, 1}},
		{"exactly 5% faster: kept", 100, 95, []uint8{0, 1}},
		{"just over 5% faster: switch", 100, 94.999999, []uint8{1, 0}},
		{"much faster: switch", 100, 10, []uint8{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			states := []regionState{healthyAt(tt.holder), healthyAt(tt.challenger)}
			got := rankOf(states, []uint8{0, 1}, margin)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("holder is not the preferred region", func(t *testing.T) {
		// Region 1 holds rank 0; region 0 (preferred) is 3% faster: kept.
		states := []regionState{healthyAt(97), healthyAt(100)}
		assert.Equal(t, []uint8{1, 0}, rankOf(states, []uint8{1, 0}, margin))
		// Without hysteresis the faster one wins at once.
		assert.Equal(t, []uint8{0, 1}, rankOf(states, []uint8{1, 0}, 0))
	})

	t.Run("hysteresis at every rank", func(t *testing.T) {
		// prev [0 1 2]; 0 stays first (fastest); 2 is 3% faster than 1: kept second.
		states := []regionState{healthyAt(10), healthyAt(100), healthyAt(97)}
		assert.Equal(t, []uint8{0, 1, 2}, rankOf(states, []uint8{0, 1, 2}, margin))
		states[2].ewma = ms(90)
		assert.Equal(t, []uint8{0, 2, 1}, rankOf(states, []uint8{0, 1, 2}, margin))
	})
}

func TestRankRegions_IsPermutation(t *testing.T) {
	// Whatever the states, the result lists every position exactly once.
	for n := 1; n <= MaxRegions; n += 7 {
		states := make([]regionState, n)
		for i := range states {
			states[i] = regionState{healthy: i%3 != 0, measured: i%2 == 0, ewma: float64((i * 7919) % 113), failures: i % 5 % 2}
		}
		got := rankOf(states, identity(n), 0.05)
		require.Len(t, got, n)
		seen := map[uint8]bool{}
		for _, i := range got {
			require.Less(t, int(i), n)
			require.False(t, seen[i], "position %d twice", i)
			seen[i] = true
		}
	}
}

func TestRegionState_Sample(t *testing.T) {
	p := healthPolicy{weight: 0.2}
	var s regionState
	s.sample(0, time.Time{}, p)
	s.sample(-time.Second, time.Time{}, p)
	assert.False(t, s.measured, "non-positive samples are ignored")
	assert.Zero(t, s.samples)

	s.sample(100*time.Millisecond, time.Time{}, p)
	assert.True(t, s.measured)
	assert.Equal(t, ms(100), s.ewma, "first sample is taken whole")

	s.sample(150*time.Millisecond, time.Time{}, p) // 100 + 0.2*(150-100)
	assert.Equal(t, ms(110), s.ewma)
	s.sample(60*time.Millisecond, time.Time{}, p) // 110 + 0.2*(60-110)
	assert.Equal(t, ms(100), s.ewma)
	assert.Equal(t, uint64(3), s.samples)

	half := regionState{}
	half.sample(100*time.Millisecond, time.Time{}, healthPolicy{weight: 0.5})
	half.sample(180*time.Millisecond, time.Time{}, healthPolicy{weight: 0.5})
	assert.Equal(t, ms(140), half.ewma)
}

func TestEjectionWait(t *testing.T) {
	p := healthPolicy{interval: 5 * time.Second, maxEjection: time.Minute}
	want := map[int]time.Duration{
		0: 0, 1: 0,
		2: 5 * time.Second, 3: 10 * time.Second, 4: 20 * time.Second, 5: 40 * time.Second,
		6: time.Minute, 7: time.Minute, 100: time.Minute, 1 << 30: time.Minute,
	}
	for n, w := range want {
		assert.Equal(t, w, ejectionWait(n, p), "ejection %d", n)
	}
	// A cap below the interval caps the first backoff too.
	assert.Equal(t, time.Second, ejectionWait(2, healthPolicy{interval: 5 * time.Second, maxEjection: time.Second}))
}

func TestRegionSet(t *testing.T) {
	var s RegionSet
	s = s.With(0).With(5).With(63)
	assert.True(t, s.Has(0))
	assert.True(t, s.Has(5))
	assert.True(t, s.Has(63))
	assert.False(t, s.Has(1))
	assert.False(t, s.Has(-1))
	assert.False(t, s.Has(64))
	assert.Equal(t, 3, s.Len())
	s = s.Without(5)
	assert.False(t, s.Has(5))
	assert.Equal(t, 2, s.Len())
	assert.Contains(t, s.String(), "RegionSet(")
}

func TestPickAllocatesNothing(t *testing.T) {
	o := Options{Regions: []Region{"us-east-1", "us-west-2", "eu-west-1"}}
	resolveDefaults(&o)
	index := map[Region]int{"us-east-1": 0, "us-west-2": 1, "eu-west-1": 2}
	all := RegionSet(0b111)
	rt := newRouter(&o, index, "", all, nil, true)
	rt.observe(2, time.Millisecond, nil, true)
	allowed := RegionSet(0).With(0).With(2)
	i, err := rt.pick(allowed)
	require.NoError(t, err)
	assert.Equal(t, 2, i)
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = rt.pick(allowed) }))
	i, _ = rt.pick(0)
	assert.Equal(t, -1, i)
	// A store's router, ranked by the network view, picks without
	// allocating too.
	st := newRouter(&o, index, "s", all, rt, false)
	st.recompute()
	i, _ = st.pick(allowed)
	assert.Equal(t, 2, i, "the store ranks by the network view until it has samples of its own")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = st.pick(allowed) }))
}

package multiregion_test

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// callsUntilEjected feeds a store calls to use1 that fail when fail(k) says
// so and returns how many it took to eject use1 (-1: not within n).
func callsUntilEjected(st *multiregion.Store, n int, fail func(k int) bool) int {
	for k := 1; k <= n; k++ {
		var err error
		if fail(k) {
			err = errProbe
		}
		st.Observe(use1, 20*time.Millisecond, err)
		if !st.Healthy(use1) {
			return k
		}
	}
	return -1
}

// Failure-rate ejection: a region failing a fifth of its calls at random is
// ejected within a bounded number of calls, for every seed; one failing 1 %
// is never ejected in ten thousand calls; and without the feature, a region
// that never fails twice in a row is never ejected at all. The consecutive
// failure threshold is set out of reach, so that only the rate ejects.
func TestFailureRate_Ejection(t *testing.T) {
	everyFifth := func(k int) bool { return k%5 == 0 }
	tests := []struct {
		name     string
		rate     float64 // random failure rate; 0: everyFifth
		calls    int
		maxCalls int // ejected within this many calls; 0: never
		disable  bool
	}{
		{name: "20 % random", rate: 0.20, calls: 1000, maxCalls: 100},
		{name: "10 % random", rate: 0.10, calls: 5000, maxCalls: 1000},
		{name: "1 % random", rate: 0.01, calls: 10000},
		{name: "every fifth call", calls: 1000, maxCalls: 20},
		{name: "every fifth call, rate ejection off", calls: 1000, disable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			worst := 0
			for seed := uint64(1); seed <= 20; seed++ {
				c := newTestClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
					o.DisableFailureRateEjection = tt.disable
					o.FailureThreshold = 1000 // the rate alone ejects
				})
				st := newTestStore(t, c)
				rng := rand.New(rand.NewPCG(seed, 14))
				fail := everyFifth
				if tt.rate > 0 {
					fail = func(int) bool { return rng.Float64() < tt.rate }
				}
				got := callsUntilEjected(st, tt.calls, fail)
				if tt.maxCalls == 0 {
					assert.Equal(t, -1, got, "seed %d: ejected after %d calls", seed, got)
					continue
				}
				require.Positive(t, got, "seed %d: never ejected", seed)
				worst = max(worst, got)
			}
			if tt.maxCalls > 0 {
				assert.LessOrEqual(t, worst, tt.maxCalls)
				t.Logf("ejected after at most %d calls", worst)
			}
		})
	}
}

// An ejection by rate reaches the HealthTracer and the log like any other,
// with a *FailureRateError wrapping the last failure; Status shows the rate.
func TestFailureRate_ReportedLikeOtherEjections(t *testing.T) {
	tr := &recordingTracer{}
	var logs bytes.Buffer
	c := newTestClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
		o.HealthTracer = tr
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	st := newTestStore(t, c)
	require.Equal(t, 20, callsUntilEjected(st, 100, func(k int) bool { return k%5 == 0 }),
		"4 failures in 20 outcomes (20 % ≥ 10 %), never two in a row")

	require.Len(t, tr.changes, 1)
	ch := tr.changes[0]
	assert.Equal(t, use1, ch.Region)
	assert.False(t, ch.Healthy)
	assert.Equal(t, st.Name(), ch.Store)
	var fr *multiregion.FailureRateError
	require.ErrorAs(t, ch.Err, &fr)
	assert.Equal(t, use1, fr.Region)
	assert.InDelta(t, 0.2, fr.Rate, 1e-9)
	assert.Equal(t, 20, fr.Outcomes)
	assert.ErrorIs(t, ch.Err, errProbe)

	assert.Contains(t, logs.String(), "region ejected")
	assert.Contains(t, logs.String(), "failed 20 % of its last 20 calls and probes")

	s := storeStatus(t, st, use1)
	assert.False(t, s.Healthy)
	assert.InDelta(t, 0.2, s.FailureRate, 1e-9)
	assert.Equal(t, 20, s.Outcomes)
	assert.Equal(t, 1, s.Ejections)
}

// The window outlives a readmission: a region readmitted with a bad recent
// record is ejected again at its next failure, with the backoff of a second
// ejection; enough successes wash the record out.
func TestFailureRate_ProbationAfterReadmission(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1, usw2})
	st := newTestStore(t, c)
	require.Equal(t, 20, callsUntilEjected(st, 100, func(k int) bool { return k%5 == 0 }))

	st.Observe(use1, 20*time.Millisecond, nil) // a last-resort call succeeds: readmitted
	require.True(t, st.Healthy(use1))
	st.Observe(use1, 0, errProbe)
	assert.False(t, st.Healthy(use1), "4+1 failures in 22 outcomes: still ≥ 10 %")
	assert.Equal(t, 2, storeStatus(t, st, use1).Ejections)
}

func TestFailureRate_OptionsValidated(t *testing.T) {
	tests := []struct {
		name  string
		field string
		set   func(*multiregion.Options)
	}{
		{"window too large", "FailureRateWindow", func(o *multiregion.Options) { o.FailureRateWindow = multiregion.MaxFailureRateWindow + 1 }},
		{"negative window", "FailureRateWindow", func(o *multiregion.Options) { o.FailureRateWindow = -1 }},
		{"min calls above window", "FailureRateMinCalls", func(o *multiregion.Options) { o.FailureRateWindow, o.FailureRateMinCalls = 10, 11 }},
		{"min calls above default window", "FailureRateMinCalls", func(o *multiregion.Options) { o.FailureRateMinCalls = multiregion.DefaultFailureRateWindow + 1 }},
		{"threshold above 1", "FailureRateThreshold", func(o *multiregion.Options) { o.FailureRateThreshold = 1.5 }},
		{"negative threshold", "FailureRateThreshold", func(o *multiregion.Options) { o.FailureRateThreshold = -0.1 }},
		{"NaN threshold", "FailureRateThreshold", func(o *multiregion.Options) { o.FailureRateThreshold = math.NaN() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := multiregion.New(t.Context(), aws.Config{}, func(o *multiregion.Options) {
				o.Regions = []multiregion.Region{use1}
				o.DisableBackgroundProbes = true
				tt.set(o)
			})
			var oe *multiregion.OptionError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.field, oe.Field)
			assert.True(t, errors.Is(err, multiregion.ErrInvalidOptions) || strings.Contains(err.Error(), tt.field))
		})
	}
}

func TestFailureRate_Defaults(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1})
	o := c.Options()
	assert.Equal(t, multiregion.DefaultFailureRateWindow, o.FailureRateWindow)
	assert.Equal(t, multiregion.DefaultFailureRateMinCalls, o.FailureRateMinCalls)
	assert.InDelta(t, multiregion.DefaultFailureRateThreshold, o.FailureRateThreshold, 0)

	small := newTestClient(t, []multiregion.Region{use1}, func(o *multiregion.Options) { o.FailureRateWindow = 8 })
	assert.Equal(t, 8, small.Options().FailureRateMinCalls, "the default min calls is capped at the window")
}

// RefreshDue keeps the probe loops' schedule: every ProbeInterval, and
// every fifth of it for a region that is young (fewer than 5 samples) or
// ejected, so that a recovery is seen within a fifth of the interval.
func TestRefreshDue_ReprobesAwaitedRegionsSooner(t *testing.T) {
	clk := multiregiontest.NewFakeClock(epoch)
	p := newFakeProber()
	p.set(use1, 10*time.Millisecond, nil)
	p.set(usw2, 50*time.Millisecond, nil)
	c := newTestClient(t, []multiregion.Region{use1, usw2}, withProber(p), withClock(clk), func(o *multiregion.Options) { o.ProbeInterval = time.Second })
	ctx := t.Context()
	require.Equal(t, epoch, c.NextProbe(), "never probed: due at once")
	for k := 1; k <= 5; k++ {
		require.NoError(t, c.RefreshDue(ctx))
		assert.Equal(t, k, p.count(use1))
		next := c.NextProbe()
		if k < 5 {
			assert.Equal(t, 200*time.Millisecond, next.Sub(clk.Now()), "young: after %d samples", k)
		} else {
			assert.Equal(t, time.Second, next.Sub(clk.Now()), "5 samples: the usual interval")
		}
		clk.Advance(next.Sub(clk.Now()))
	}

	// Ejected by failing probes: probed again a fifth of the interval later.
	p.set(use1, 0, errProbe)
	for i := range 3 {
		if i > 0 {
			clk.Advance(c.NextProbe().Sub(clk.Now()))
		}
		require.NoError(t, c.RefreshDue(ctx))
	}
	require.False(t, c.Healthy(use1))
	assert.Equal(t, 200*time.Millisecond, c.NextProbe().Sub(clk.Now()))
	p.set(use1, 10*time.Millisecond, nil)
	clk.Advance(200 * time.Millisecond)
	require.NoError(t, c.RefreshDue(ctx))
	assert.True(t, c.Healthy(use1), "readmitted a fifth of the interval after it healed")
}

package multiregion

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of the refinements of the moving average and of the ranking that
// routersim relies on: spikes held back, level shifts, passive spacing,
// suspect demotion and the noise barrier of the hysteresis.

var testPolicy = healthPolicy{weight: 0.2, threshold: 3, interval: 5 * time.Second, maxEjection: time.Minute}

func sampled(ms0 float64, rest ...float64) regionState {
	s := regionState{healthy: true}
	s.sample(time.Duration(ms(ms0)), time.Time{}, testPolicy)
	for _, x := range rest {
		s.sample(time.Duration(ms(x)), time.Time{}, testPolicy)
	}
	return s
}

func TestSample_SingleSpikeIsHeldBack(t *testing.T) {
	s := sampled(20, 200) // one sample above 2× the average
	assert.Equal(t, ms(20), s.ewma, "a lone spike must not move the average")
	assert.Equal(t, uint64(1), s.samples, "a held-back sample is not counted in Samples")
	s.sample(21*time.Millisecond, time.Time{}, testPolicy)
	assert.InDelta(t, ms(20.2), s.ewma, 1, "an ordinary sample ends the run and is folded in")
	s.sample(200*time.Millisecond, time.Time{}, testPolicy)
	s.sample(200*time.Millisecond, time.Time{}, testPolicy)
	assert.Less(t, s.ewma, ms(40), "two spikes in a row are still held back")
}

func TestSample_LevelShiftUpAfterThreeSlowSamples(t *testing.T) {
	s := sampled(20, 300, 300, 300)
	assert.Equal(t, ms(300), s.ewma, "three samples above 2× restart the average")
	assert.Equal(t, 1.0, s.vf, "a restarted average has the noise of one sample")
}

func TestSample_LevelShiftDownAtOnce(t *testing.T) {
	s := sampled(300, 310, 290, 300)
	s.sample(20*time.Millisecond, time.Time{}, testPolicy)
	assert.Equal(t, ms(20), s.ewma, "one sample below half the average is believed at once")
	assert.InDelta(t, ms(2), s.dev, 1, "the noise estimate restarts at 10 % of the new level")
}

func TestSample_VarianceFactorTendsToSteadyState(t *testing.T) {
	s := sampled(50)
	for range 200 {
		s.sample(50*time.Millisecond, time.Time{}, testPolicy)
	}
	assert.InDelta(t, 0.2/1.8, s.vf, 1e-9, "vf → w/(2-w)")
	assert.Less(t, s.dev, ms(0.01), "no jitter: the mean deviation decays to ~0")
}

func TestPassiveSpacing(t *testing.T) {
	now := time.Unix(100, 0)
	s := regionState{healthy: true}
	s.succeed(20*time.Millisecond, false, now, testPolicy)
	require.Equal(t, ms(20), s.ewma)

	// Within ProbeInterval/10 an ordinary passive sample is skipped ...
	_, rank := s.succeed(30*time.Millisecond, false, now.Add(100*time.Millisecond), testPolicy)
	assert.Equal(t, ms(20), s.ewma)
	assert.False(t, rank, "a skipped sample changes nothing the ranking reads")
	// ... a probe never is ...
	s.succeed(30*time.Millisecond, true, now.Add(200*time.Millisecond), testPolicy)
	assert.InDelta(t, ms(22), s.ewma, 1)
	// ... and a far-off passive sample never is.
	s.succeed(200*time.Millisecond, false, now.Add(300*time.Millisecond), testPolicy)
	assert.Equal(t, 1, s.slowRun)
	// A skipped ordinary sample still ends a run of slow ones.
	s.succeed(22*time.Millisecond, false, now.Add(350*time.Millisecond), testPolicy)
	assert.Zero(t, s.slowRun)
	// After the spacing, ordinary samples are folded again.
	s.succeed(40*time.Millisecond, false, now.Add(time.Second), testPolicy)
	assert.Greater(t, s.ewma, ms(23))
}

func TestSuspectRegionRankedAfterCleanOnes(t *testing.T) {
	now := time.Unix(100, 0)
	states := []regionState{sampled(20), sampled(70), sampled(140)}
	order := rankOf(states, identity(3), 0.05)
	require.Equal(t, []uint8{0, 1, 2}, order)

	states[0].fail(errors.New("refused"), now, testPolicy)
	assert.True(t, states[0].healthy, "one failure does not eject")
	assert.Equal(t, []uint8{1, 2, 0}, rankOf(states, order, 0.05), "but the region is tried last")

	_, rank := states[0].succeed(20*time.Millisecond, true, now, testPolicy)
	assert.True(t, rank, "a success clears the suspicion")
	assert.Equal(t, []uint8{0, 1, 2}, rankOf(states, []uint8{1, 2, 0}, 0.05), "and the faster region wins its rank back")
}

func TestHysteresis_NoiseBarrier(t *testing.T) {
	// Holder 43 ms, challenger 40 ms: 7 % faster, beyond the 5 % margin.
	// With one sample each the gap is within three standard errors: kept.
	holder, challenger := sampled(43), sampled(40)
	assert.False(t, beats(challenger, holder, 0.05), "one noisy sample each cannot tell 40 from 43")

	// Many steady samples shrink the standard errors: now the gap is real.
	for range 100 {
		holder.sample(43*time.Millisecond, time.Time{}, testPolicy)
		challenger.sample(40*time.Millisecond, time.Time{}, testPolicy)
	}
	assert.True(t, beats(challenger, holder, 0.05))

	// Still never within the margin, however steady.
	near := sampled(42)
	for range 100 {
		near.sample(42*time.Millisecond, time.Time{}, testPolicy)
	}
	assert.False(t, beats(near, holder, 0.05), "2.3 % faster is within the 5 % margin")
}

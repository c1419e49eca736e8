package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// routerClient is a Client driven in virtual time: no background probes,
// a fake prober and a fake clock.
func routerClient(t *testing.T, regions []multiregion.Region, fns ...func(*multiregion.Options)) (*multiregion.Client, *fakeProber, *multiregiontest.FakeClock) {
	t.Helper()
	p := newFakeProber()
	clk := multiregiontest.NewFakeClock(epoch)
	c := newTestClient(t, regions, append([]func(*multiregion.Options){withProber(p), withClock(clk)}, fns...)...)
	return c, p, clk
}

func rankAll(t *testing.T, c *multiregion.Client) []multiregion.Region {
	t.Helper()
	all, err := c.Set()
	require.NoError(t, err)
	return c.Rank(all, nil)
}

func TestRouter_EWMAOfProbes(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1})
	st := status(t, c, use1)
	assert.False(t, st.Measured)
	assert.Zero(t, st.Latency)

	for _, step := range []struct {
		sample, want time.Duration
	}{
		{100 * time.Millisecond, 100 * time.Millisecond}, // first sample taken whole
		{150 * time.Millisecond, 110 * time.Millisecond}, // 100 + 0.2 × (150 − 100)
		{60 * time.Millisecond, 100 * time.Millisecond},  // 110 + 0.2 × (60 − 110)
		{125 * time.Millisecond, 105 * time.Millisecond}, // 100 + 0.2 × 25
	} {
		p.set(use1, step.sample, nil)
		refresh(t, c)
		st := status(t, c, use1)
		assert.True(t, st.Measured)
		assert.Equal(t, step.want, st.Latency, "after a sample of %v", step.sample)
	}
	assert.Equal(t, uint64(4), status(t, c, use1).Samples)
}

func TestRouter_EWMAWeightOption(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1}, func(o *multiregion.Options) { o.EWMAWeight = 0.5 })
	p.set(use1, 100*time.Millisecond, nil)
	refresh(t, c)
	p.set(use1, 180*time.Millisecond, nil)
	refresh(t, c)
	assert.Equal(t, 140*time.Millisecond, status(t, c, use1).Latency)
}

func TestRouter_ObserveFeedsTheAverage(t *testing.T) {
	c, _, clk := routerClient(t, []multiregion.Region{use1, usw2})
	c.Observe(usw2, 100*time.Millisecond, nil)
	st := status(t, c, usw2)
	require.True(t, st.Measured)
	assert.Equal(t, 100*time.Millisecond, st.Latency)
	assert.Equal(t, usw2, mustNearest(t, c), "measured beats unmeasured")

	clk.Advance(time.Minute) // passive samples are spaced in time
	c.Observe(usw2, 150*time.Millisecond, nil)
	assert.Equal(t, 110*time.Millisecond, status(t, c, usw2).Latency)

	// rtt 0 reports a success without a sample.
	clk.Advance(time.Minute)
	c.Observe(usw2, 0, nil)
	assert.Equal(t, 110*time.Millisecond, status(t, c, usw2).Latency)
	assert.Equal(t, uint64(2), status(t, c, usw2).Samples)
	c.Observe(use1, 0, nil)
	assert.False(t, status(t, c, use1).Measured)
}

// Observe(r, 0, nil) reports a success without a sample: it must not use
// up the slot of the next passive sample.
func TestRouter_ObserveWithoutSampleDoesNotSuppressTheNext(t *testing.T) {
	c, _, clk := routerClient(t, []multiregion.Region{use1})
	c.Observe(use1, 100*time.Millisecond, nil)
	clk.Advance(time.Minute)
	c.Observe(use1, 0, nil) // e.g. a scan: success, no latency sample
	c.Observe(use1, 150*time.Millisecond, nil)
	st := status(t, c, use1)
	assert.Equal(t, uint64(2), st.Samples, "the 150ms sample was dropped because of the rtt-0 observation before it")
	assert.Equal(t, 110*time.Millisecond, st.Latency)
}

func mustNearest(t *testing.T, c *multiregion.Client) multiregion.Region {
	t.Helper()
	r, err := c.Nearest(context.Background())
	require.NoError(t, err)
	return r
}

func TestRouter_RankByLatency(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	p.set(use1, 150*time.Millisecond, nil)
	p.set(usw2, 60*time.Millisecond, nil)
	p.set(euw1, 5*time.Millisecond, nil)
	refresh(t, c)
	assert.Equal(t, []multiregion.Region{euw1, usw2, use1}, rankAll(t, c))
	assert.Equal(t, euw1, mustNearest(t, c))
}

func TestRouter_TiesByPreferenceOrder(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1, use2})
	p.set(use1, 50*time.Millisecond, nil)
	p.set(usw2, 10*time.Millisecond, nil)
	p.set(euw1, 50*time.Millisecond, nil)
	p.set(use2, 10*time.Millisecond, nil)
	for range 5 { // stable over rounds
		refresh(t, c)
		assert.Equal(t, []multiregion.Region{usw2, use2, use1, euw1}, rankAll(t, c))
	}

	c2, _, _ := routerClient(t, []multiregion.Region{euw1, use1, usw2})
	refresh(t, c2) // every region 10ms
	assert.Equal(t, []multiregion.Region{euw1, use1, usw2}, rankAll(t, c2))
}

func TestRouter_MeasuredBeforeUnmeasured(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, rankAll(t, c), "preference order before any sample")
	assert.Equal(t, use1, mustNearest(t, c))
	c.Observe(euw1, 500*time.Millisecond, nil)
	assert.Equal(t, []multiregion.Region{euw1, use1, usw2}, rankAll(t, c))
	assert.Equal(t, euw1, mustNearest(t, c))
}

// steadyRounds is enough probe rounds of constant samples for a region's
// jitter estimate to die out, so that only SwitchMargin decides.
const steadyRounds = 60

func TestRouter_HysteresisBoundary(t *testing.T) {
	for _, tt := range []struct {
		challenger time.Duration
		want       multiregion.Region
	}{
		{120 * time.Millisecond, use1},
		{100 * time.Millisecond, use1},
		{96 * time.Millisecond, use1},
		{95 * time.Millisecond, use1},                     // exactly 5 % faster: kept
		{95*time.Millisecond - 10*time.Microsecond, usw2}, // just past: switch
		{80 * time.Millisecond, usw2},
	} {
		t.Run(tt.challenger.String(), func(t *testing.T) {
			c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
			p.set(use1, 100*time.Millisecond, nil)
			p.set(usw2, tt.challenger, nil)
			for range steadyRounds {
				refresh(t, c)
			}
			assert.Equal(t, tt.want, mustNearest(t, c))
			assert.Equal(t, 100*time.Millisecond, status(t, c, use1).Latency)
			assert.Equal(t, tt.challenger, status(t, c, usw2).Latency)
		})
	}
}

func TestRouter_HysteresisKeepsCurrentChoice(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	steady := func(a, w time.Duration) {
		t.Helper()
		p.set(use1, a, nil)
		p.set(usw2, w, nil)
		for range steadyRounds {
			refresh(t, c)
		}
	}
	steady(100*time.Millisecond, 120*time.Millisecond)
	require.Equal(t, use1, mustNearest(t, c))
	steady(100*time.Millisecond, 96*time.Millisecond) // faster, but by less than 5 %
	assert.Equal(t, use1, mustNearest(t, c), "kept: us-west-2 is only 4 %% faster")
	steady(100*time.Millisecond, 90*time.Millisecond)
	assert.Equal(t, usw2, mustNearest(t, c), "switched: us-west-2 is 10 %% faster")
	// us-west-2 now holds: us-east-1 must beat 90ms by more than 5 % (85.5ms).
	steady(88*time.Millisecond, 90*time.Millisecond)
	assert.Equal(t, usw2, mustNearest(t, c), "kept: us-east-1 is faster, but by less than 5 %%")
	steady(80*time.Millisecond, 90*time.Millisecond)
	assert.Equal(t, use1, mustNearest(t, c))
}

func TestRouter_EjectAfterThreeConsecutiveFailures(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	p.set(use1, 0, errProbe)
	refresh(t, c)
	refresh(t, c)
	assert.True(t, c.Healthy(use1), "2 failures are not enough")
	assert.Equal(t, 2, status(t, c, use1).ConsecutiveFailures)

	p.set(use1, 5*time.Millisecond, nil)
	refresh(t, c)
	assert.Zero(t, status(t, c, use1).ConsecutiveFailures, "a success resets the count")

	p.set(use1, 0, errProbe)
	refresh(t, c)
	refresh(t, c)
	assert.True(t, c.Healthy(use1))
	refresh(t, c)
	assert.False(t, c.Healthy(use1), "3 consecutive failures eject")
	assert.True(t, c.Healthy(usw2))
	assert.Equal(t, usw2, mustNearest(t, c))
	st := status(t, c, use1)
	assert.Equal(t, 3, st.ConsecutiveFailures)
	assert.Equal(t, 1, st.Ejections)
	assert.ErrorIs(t, st.LastError, errProbe)
}

func TestRouter_FailureThresholdOption(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) { o.FailureThreshold = 1 })
	p.set(use1, 0, errProbe)
	refresh(t, c)
	assert.False(t, c.Healthy(use1))
}

func TestRouter_ObserveFailuresCountLikeProbeFailures(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	callErr := errors.New("dynamo.Get: 500")
	p.set(use1, 0, errProbe)
	refresh(t, c)
	c.Observe(use1, 0, callErr)
	assert.True(t, c.Healthy(use1))
	refresh(t, c)
	assert.False(t, c.Healthy(use1), "probe, call, probe: 3 consecutive failures")

	c2, _, _ := routerClient(t, []multiregion.Region{use1, usw2})
	for range 2 {
		c2.Observe(use1, 0, callErr)
	}
	c2.Observe(use1, 3*time.Millisecond, nil)
	c2.Observe(use1, 0, callErr)
	c2.Observe(use1, 0, callErr)
	assert.True(t, c2.Healthy(use1), "a successful call resets the count")
	c2.Observe(use1, 0, context.DeadlineExceeded)
	assert.False(t, c2.Healthy(use1), "a timeout is a failure")
	assert.ErrorIs(t, status(t, c2, use1).LastError, context.DeadlineExceeded)
}

func TestRouter_CanceledNeverCounts(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	for range 5 {
		c.Observe(use1, 0, context.Canceled)
		c.Observe(use1, 0, fmt.Errorf("dynamo.Put: %w", context.Canceled))
		c.Observe(use1, 0, &multiregion.RegionError{Region: use1, Op: "x", Err: context.Canceled})
	}
	st := status(t, c, use1)
	assert.True(t, st.Healthy)
	assert.Zero(t, st.ConsecutiveFailures)
	assert.NoError(t, st.LastError)

	// A prober that reports context.Canceled is not counted either.
	p.set(usw2, 0, fmt.Errorf("dial: %w", context.Canceled))
	for range 5 {
		refresh(t, c)
	}
	st = status(t, c, usw2)
	assert.True(t, st.Healthy)
	assert.Zero(t, st.ConsecutiveFailures)

	// Nor is a round whose caller gave up.
	p.set(use1, 0, errProbe)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		assert.ErrorIs(t, c.Refresh(ctx), context.Canceled)
	}
	assert.True(t, c.Healthy(use1))
	assert.Zero(t, status(t, c, use1).ConsecutiveFailures)
}

func TestRouter_OnlyProbesReadmit(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	for range 3 {
		c.Observe(use1, 0, errProbe)
	}
	require.False(t, c.Healthy(use1))
	for range 10 {
		c.Observe(use1, time.Millisecond, nil)
	}
	assert.False(t, c.Healthy(use1), "a successful call does not readmit an ejected region")
	p.set(use1, time.Millisecond, nil)
	refresh(t, c)
	assert.True(t, c.Healthy(use1), "a successful probe does (first ejection: no wait)")
}

func TestRouter_EjectionBackoff(t *testing.T) {
	const interval = time.Second
	c, p, clk := routerClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
		o.ProbeInterval = interval
		o.MaxEjection = 4 * time.Second
	})
	eject := func() {
		t.Helper()
		p.set(use1, 0, errProbe)
		for range 3 {
			refresh(t, c)
		}
		require.False(t, c.Healthy(use1))
		p.set(use1, time.Millisecond, nil)
	}
	// readmittedAfter checks the region stays out until wait has passed
	// since its ejection, probing every millisecond of virtual time around it.
	readmittedAfter := func(wait time.Duration) {
		t.Helper()
		if wait > 0 {
			refresh(t, c)
			assert.False(t, c.Healthy(use1), "readmitted at once, want a wait of %v", wait)
			clk.Advance(wait - time.Millisecond)
			refresh(t, c)
			assert.False(t, c.Healthy(use1), "readmitted 1ms before the wait of %v ended", wait)
			clk.Advance(time.Millisecond)
		}
		refresh(t, c)
		assert.True(t, c.Healthy(use1), "not readmitted after %v", wait)
	}

	eject()
	assert.Equal(t, 1, status(t, c, use1).Ejections)
	readmittedAfter(0) // 1st: the next successful probe
	eject()
	assert.Equal(t, 2, status(t, c, use1).Ejections)
	readmittedAfter(interval) // 2nd: ProbeInterval
	eject()
	readmittedAfter(2 * interval) // 3rd: twice that
	eject()
	readmittedAfter(4 * interval) // 4th: 4s, the cap
	eject()
	assert.Equal(t, 5, status(t, c, use1).Ejections)
	readmittedAfter(4 * interval) // 5th: capped at MaxEjection

	// Healthy for exactly MaxEjection: still the same streak.
	clk.Advance(4 * time.Second)
	eject()
	assert.Equal(t, 6, status(t, c, use1).Ejections)
	readmittedAfter(4 * interval)

	// Healthy for longer than MaxEjection: a new streak, no wait.
	clk.Advance(4*time.Second + time.Nanosecond)
	eject()
	assert.Equal(t, 1, status(t, c, use1).Ejections)
	readmittedAfter(0)
}

func TestRouter_NoHealthyRegion(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	e1, e2 := errors.New("refused in us-east-1"), errors.New("reset in us-west-2")
	p.set(use1, 0, e1)
	p.set(usw2, 0, e2)
	p.set(euw1, 0, errProbe)
	for range 3 {
		refresh(t, c)
	}
	r, err := c.Nearest(context.Background())
	assert.Empty(t, r, "never a wrong region")
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	assert.ElementsMatch(t, []multiregion.Region{use1, usw2, euw1}, nh.Allowed)
	require.Len(t, nh.LastErrors, len(nh.Allowed))
	for i, r := range nh.Allowed {
		var re *multiregion.RegionError
		require.ErrorAs(t, nh.LastErrors[i], &re, "last error of %s", r)
		assert.Equal(t, r, re.Region)
		assert.Equal(t, "probe", re.Op)
		assert.Contains(t, err.Error(), string(r))
	}
	assert.ErrorIs(t, err, e1, "the causes are reachable")
	assert.ErrorIs(t, err, e2)
	assert.Contains(t, err.Error(), e1.Error())

	// Pick of a subset names only that subset.
	set, err := c.Set(usw2)
	require.NoError(t, err)
	r, err = c.Pick(set)
	assert.Empty(t, r)
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, []multiregion.Region{usw2}, nh.Allowed)
	assert.Equal(t, []error{nh.LastErrors[0]}, nh.LastErrors)
	assert.ErrorIs(t, err, e2)
	assert.NotErrorIs(t, err, e1)

	// NoHealthy carries the operation.
	err = c.NoHealthy("dynamo.Put", set)
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "dynamo.Put", nh.Op)
	assert.Contains(t, err.Error(), "dynamo.Put")

	// The empty set has no healthy region either.
	_, err = c.Pick(0)
	assert.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)

	// One region coming back is picked.
	p.set(usw2, 7*time.Millisecond, nil)
	refresh(t, c)
	assert.Equal(t, usw2, mustNearest(t, c))
}

func TestRouter_NearestCanceledContext(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Nearest(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// Whatever the health of the regions, Pick(set) returns a healthy member of
// set, or ErrNoHealthyRegion exactly when set has no healthy member.
func TestRouter_PickNeverLeavesTheSet(t *testing.T) {
	regions := []multiregion.Region{use1, use2, usw2, euw1, "eu-central-1", "ap-northeast-1"}
	c, _, clk := routerClient(t, regions, func(o *multiregion.Options) { o.FailureThreshold = 1 })
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 2000 {
		r := regions[rng.IntN(len(regions))]
		switch rng.IntN(3) {
		case 0:
			c.Observe(r, 0, errProbe)
		default:
			c.Observe(r, time.Duration(1+rng.IntN(200))*time.Millisecond, nil)
		}
		if rng.IntN(10) == 0 {
			refresh(t, c) // readmits the ejected ones
		}
		clk.Advance(time.Duration(rng.IntN(1000)) * time.Millisecond)

		set := multiregion.RegionSet(rng.Uint64() & (1<<len(regions) - 1))
		anyHealthy := false
		for i, r := range regions {
			anyHealthy = anyHealthy || (set.Has(i) && c.Healthy(r))
		}
		got, err := c.Pick(set)
		if !anyHealthy {
			require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion, "step %d", step)
			require.Empty(t, got)
			continue
		}
		require.NoError(t, err, "step %d", step)
		i, err := c.Index(got)
		require.NoError(t, err)
		require.True(t, set.Has(i), "step %d: Pick(%v) = %s, outside the set", step, set, got)
		require.True(t, c.Healthy(got), "step %d: Pick returned ejected %s", step, got)
		// Pick is the first healthy region of Rank.
		for _, r := range c.Rank(set, nil) {
			if c.Healthy(r) {
				require.Equal(t, r, got)
				break
			}
		}
	}
}

func TestRouter_RankHealthyFirstThenEjected(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1, use2})
	p.set(use1, 1*time.Millisecond, nil) // fastest, but will be ejected
	p.set(usw2, 100*time.Millisecond, nil)
	p.set(euw1, 5*time.Millisecond, nil)
	p.set(use2, 1*time.Millisecond, nil) // ejected too, tie with us-east-1
	refresh(t, c)
	for _, r := range []multiregion.Region{use1, use2} {
		for range 3 {
			c.Observe(r, 0, errProbe)
		}
	}
	all, err := c.Set()
	require.NoError(t, err)
	assert.Equal(t, []multiregion.Region{euw1, usw2, use1, use2}, c.Rank(all, nil))

	set, err := c.Set(use2, usw2)
	require.NoError(t, err)
	dst := []multiregion.Region{"keep-me"}
	assert.Equal(t, []multiregion.Region{"keep-me", usw2, use2}, c.Rank(set, dst), "Rank appends to dst")
	assert.Empty(t, c.Rank(0, nil))
}

func TestRouter_StatusInPickOrder(t *testing.T) {
	c, p, clk := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	p.set(use1, 80*time.Millisecond, nil)
	p.set(usw2, 0, errProbe)
	p.set(euw1, 20*time.Millisecond, nil)
	refresh(t, c)
	clk.Advance(time.Second)
	refresh(t, c)
	clk.Advance(time.Second)
	refresh(t, c)

	sts := c.Status()
	require.Len(t, sts, 3)
	var order []multiregion.Region
	for _, s := range sts {
		order = append(order, s.Region)
	}
	assert.Equal(t, rankAll(t, c), order)
	assert.Equal(t, []multiregion.Region{euw1, use1, usw2}, order)

	eu := sts[0]
	assert.True(t, eu.Healthy)
	assert.True(t, eu.Measured)
	assert.Equal(t, 20*time.Millisecond, eu.Latency)
	assert.Equal(t, uint64(3), eu.Samples)
	assert.Zero(t, eu.ConsecutiveFailures)
	assert.NoError(t, eu.LastError)
	assert.Equal(t, epoch.Add(2*time.Second), eu.LastProbe)
	assert.Zero(t, eu.Ejections)

	w := sts[2]
	assert.False(t, w.Healthy)
	assert.False(t, w.Measured)
	assert.Zero(t, w.Latency)
	assert.Equal(t, 3, w.ConsecutiveFailures)
	assert.ErrorIs(t, w.LastError, errProbe)
	assert.Equal(t, epoch.Add(2*time.Second), w.LastProbe)
	assert.Equal(t, 1, w.Ejections)
}

func TestRouter_SetIndexHealthyUnknown(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	all, err := c.Set()
	require.NoError(t, err)
	assert.Equal(t, 3, all.Len())

	s, err := c.Set(euw1, use1)
	require.NoError(t, err)
	assert.True(t, s.Has(0))
	assert.False(t, s.Has(1))
	assert.True(t, s.Has(2))

	i, err := c.Index(usw2)
	require.NoError(t, err)
	assert.Equal(t, 1, i)

	for _, bad := range []multiregion.Region{"ap-south-1", "", "not a region"} {
		_, err = c.Set(use1, bad)
		assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
		var ure *multiregion.UnknownRegionError
		require.ErrorAs(t, err, &ure)
		assert.Equal(t, bad, ure.Region)
		i, err = c.Index(bad)
		assert.Equal(t, -1, i)
		assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
		assert.False(t, c.Healthy(bad))

		before := c.Status()
		c.Observe(bad, 0, errProbe) // ignored, no panic
		c.Observe(bad, time.Millisecond, nil)
		assert.Equal(t, before, c.Status())
	}
	assert.True(t, c.Healthy(use1))
}

func TestRouter_ConcurrentObservePick(t *testing.T) {
	regions := []multiregion.Region{use1, use2, usw2, euw1}
	c, _, clk := routerClient(t, regions)
	all, err := c.Set()
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var dst []multiregion.Region
			for n := range 2000 {
				r := regions[rng.IntN(len(regions))]
				if rng.IntN(4) == 0 {
					c.Observe(r, 0, errProbe)
				} else {
					c.Observe(r, time.Duration(1+rng.IntN(100))*time.Millisecond, nil)
				}
				set := multiregion.RegionSet(rng.IntN(16))
				if got, err := c.Pick(set); err == nil {
					if i, _ := c.Index(got); !set.Has(i) {
						errs <- fmt.Errorf("Pick(%v) = %s", set, got)
						return
					}
				} else if !errors.Is(err, multiregion.ErrNoHealthyRegion) {
					errs <- err
					return
				}
				dst = c.Rank(all, dst[:0])
				if len(dst) != len(regions) {
					errs <- fmt.Errorf("Rank returned %v", dst)
					return
				}
				if n%100 == 0 {
					_ = c.Status()
					_ = c.Refresh(context.Background())
					clk.Advance(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

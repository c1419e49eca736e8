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

// A store's calls feed the store's own average, never the network view's.
// One region's own sample does not rank the store: until every healthy
// region of the store has a fresh sample of its own, it ranks by the
// network view.
func TestStore_ObserveFeedsTheAverage(t *testing.T) {
	c, _, clk := routerClient(t, []multiregion.Region{use1, usw2})
	st := newTestStore(t, c)
	st.Observe(usw2, 100*time.Millisecond, nil)
	s := storeStatus(t, st, usw2)
	require.True(t, s.Measured)
	assert.Equal(t, 100*time.Millisecond, s.Latency)
	assert.Equal(t, uint64(1), s.Samples)
	assert.False(t, status(t, c, usw2).Measured, "a store's calls never feed the network view")
	assert.Equal(t, use1, storePick(t, st), "one own sample does not rank the store: the network view (nothing measured) gives preference order")
	assert.False(t, st.Status().OwnLatency)

	clk.Advance(time.Minute) // passive samples are spaced in time
	st.Observe(usw2, 150*time.Millisecond, nil)
	assert.Equal(t, 110*time.Millisecond, storeStatus(t, st, usw2).Latency)

	// rtt 0 reports a success without a sample.
	clk.Advance(time.Minute)
	st.Observe(usw2, 0, nil)
	assert.Equal(t, 110*time.Millisecond, storeStatus(t, st, usw2).Latency)
	assert.Equal(t, uint64(2), storeStatus(t, st, usw2).Samples)
	st.Observe(use1, 0, nil)
	assert.False(t, storeStatus(t, st, use1).Measured)
	assert.Equal(t, use1, storePick(t, st))

	// A fresh own sample in every healthy region: the store ranks by them.
	st.Observe(use1, 300*time.Millisecond, nil)
	st.Observe(usw2, 110*time.Millisecond, nil)
	assert.True(t, st.Status().OwnLatency)
	assert.Equal(t, usw2, storePick(t, st))
	assert.Equal(t, []multiregion.Region{usw2, use1}, storeRankAll(t, st))
	assert.Equal(t, use1, mustNearest(t, c), "the network view is untouched")
	assert.False(t, status(t, c, use1).Measured)
}

// Observe(r, 0, nil) reports a success without a sample: it must not use
// up the slot of the next passive sample.
func TestStore_ObserveWithoutSampleDoesNotSuppressTheNext(t *testing.T) {
	c, _, clk := routerClient(t, []multiregion.Region{use1})
	st := newTestStore(t, c)
	st.Observe(use1, 100*time.Millisecond, nil)
	clk.Advance(time.Minute)
	st.Observe(use1, 0, nil) // e.g. a scan: success, no latency sample
	st.Observe(use1, 150*time.Millisecond, nil)
	s := storeStatus(t, st, use1)
	assert.Equal(t, uint64(2), s.Samples, "the 150ms sample was dropped because of the rtt-0 observation before it")
	assert.Equal(t, 110*time.Millisecond, s.Latency)
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
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	st := newTestStore(t, c)
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, rankAll(t, c), "preference order before any sample")
	assert.Equal(t, use1, mustNearest(t, c))
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, storeRankAll(t, st))
	// Only eu-west-1 answers; the other probes are cut short, which is not
	// counted: those regions stay unmeasured and clean (not suspect).
	p.set(use1, 0, fmt.Errorf("dial: %w", context.Canceled))
	p.set(usw2, 0, fmt.Errorf("dial: %w", context.Canceled))
	p.set(euw1, 500*time.Millisecond, nil)
	refresh(t, c)
	for _, r := range []multiregion.Region{use1, usw2} {
		require.False(t, status(t, c, r).Measured)
		require.Zero(t, status(t, c, r).ConsecutiveFailures)
	}
	assert.Equal(t, []multiregion.Region{euw1, use1, usw2}, rankAll(t, c))
	assert.Equal(t, euw1, mustNearest(t, c))
	assert.Equal(t, []multiregion.Region{euw1, use1, usw2}, storeRankAll(t, st), "a store without samples of its own ranks by the network view")
	assert.Equal(t, euw1, storePick(t, st))
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
	st := newTestStore(t, c)
	p.set(use1, 0, errProbe)
	refresh(t, c)
	assert.False(t, c.Healthy(use1))
	assert.True(t, st.Healthy(use1), "the network view's failures never eject a region for a store")
	st.Observe(usw2, 0, errProbe)
	assert.False(t, st.Healthy(usw2), "the threshold applies to a store's calls too")
	assert.True(t, c.Healthy(usw2))
}

// A store's call failures and its own probe failures count together; the
// network view's probes are not the store's.
func TestStore_CallFailuresCountLikeProbeFailures(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2})
	sp := newFakeProber()
	st := newTestStore(t, c, withStoreProber(sp))
	callErr := errors.New("dynamo.Get: 500")
	sp.set(use1, 0, errProbe)
	refresh(t, c) // the network's probe of us-east-1 succeeds, the store's fails
	st.Observe(use1, 0, callErr)
	assert.True(t, st.Healthy(use1))
	assert.Equal(t, 2, storeStatus(t, st, use1).ConsecutiveFailures)
	refresh(t, c)
	assert.False(t, st.Healthy(use1), "probe, call, probe: 3 consecutive failures")
	assert.True(t, c.Healthy(use1), "the network view's probes of us-east-1 succeeded")
	assert.Zero(t, status(t, c, use1).ConsecutiveFailures)

	c2, _, _ := routerClient(t, []multiregion.Region{use1, usw2})
	st2 := newTestStore(t, c2)
	for range 2 {
		st2.Observe(use1, 0, callErr)
	}
	st2.Observe(use1, 3*time.Millisecond, nil)
	st2.Observe(use1, 0, callErr)
	st2.Observe(use1, 0, callErr)
	assert.True(t, st2.Healthy(use1), "a successful call resets the count")
	st2.Observe(use1, 0, context.DeadlineExceeded)
	assert.False(t, st2.Healthy(use1), "a timeout is a failure")
	assert.ErrorIs(t, storeStatus(t, st2, use1).LastError, context.DeadlineExceeded)
	assert.True(t, c2.Healthy(use1), "a store's failures never eject a region from the network view")
}

func TestRouter_CanceledNeverCounts(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	sp := newFakeProber()
	st := newTestStore(t, c, withStoreProber(sp))
	for range 5 {
		st.Observe(use1, 0, context.Canceled)
		st.Observe(use1, 0, fmt.Errorf("dynamo.Put: %w", context.Canceled))
		st.Observe(use1, 0, &multiregion.RegionError{Region: use1, Op: "x", Err: context.Canceled})
		st.Observe(use1, 0, multiregion.ErrClosed)
	}
	s := storeStatus(t, st, use1)
	assert.True(t, s.Healthy)
	assert.Zero(t, s.ConsecutiveFailures)
	assert.NoError(t, s.LastError)

	// A prober that reports context.Canceled is not counted either, in the
	// network view or in the store's.
	p.set(usw2, 0, fmt.Errorf("dial: %w", context.Canceled))
	sp.set(usw2, 0, fmt.Errorf("dial: %w", context.Canceled))
	for range 5 {
		refresh(t, c)
	}
	for _, s := range []multiregion.RegionStatus{status(t, c, usw2), storeStatus(t, st, usw2)} {
		assert.True(t, s.Healthy)
		assert.Zero(t, s.ConsecutiveFailures)
	}

	// Nor is a round whose caller gave up.
	p.set(use1, 0, errProbe)
	sp.set(use1, 0, errProbe)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		assert.ErrorIs(t, c.Refresh(ctx), context.Canceled)
		assert.ErrorIs(t, st.Refresh(ctx), context.Canceled)
	}
	assert.True(t, c.Healthy(use1))
	assert.Zero(t, status(t, c, use1).ConsecutiveFailures)
	assert.True(t, st.Healthy(use1))
	assert.Zero(t, storeStatus(t, st, use1).ConsecutiveFailures)
}

// A store readmits a region it ejected on a success of its own: a call, or
// its own probe. The network view's probes never readmit it.
func TestStore_ReadmitsOnlyOnItsOwnSuccess(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2})
	a := newTestStore(t, c)
	for range 3 {
		a.Observe(use1, 0, errProbe)
	}
	require.False(t, a.Healthy(use1))
	p.set(use1, time.Millisecond, nil)
	for range 3 {
		refresh(t, c)
	}
	require.True(t, c.Healthy(use1))
	assert.False(t, a.Healthy(use1), "a successful network probe does not readmit a region a store ejected")
	a.Observe(use1, time.Millisecond, nil)
	assert.True(t, a.Healthy(use1), "a successful call of the store does (first ejection: no wait)")

	// With a prober of its own, the store's probe readmits too.
	sp := newFakeProber()
	b := newTestStore(t, c, withStoreProber(sp))
	for range 3 {
		b.Observe(use1, 0, errProbe)
	}
	require.False(t, b.Healthy(use1))
	storeRefresh(t, b)
	assert.True(t, b.Healthy(use1), "the store's own successful probe readmits (first ejection: no wait)")
}

// The ejection backoff holds for every way a region comes back: the
// network view's probes, a store's own probe, a store's successful call.
func TestRouter_EjectionBackoff(t *testing.T) {
	const interval = time.Second
	type view struct {
		eject     func(t *testing.T) // three failures in us-east-1
		succeed   func(t *testing.T) // one success in us-east-1
		healthy   func() bool
		ejections func(t *testing.T) int
	}
	views := map[string]func(t *testing.T, c *multiregion.Client, p *fakeProber) view{
		"network probe": func(t *testing.T, c *multiregion.Client, p *fakeProber) view {
			return view{
				eject: func(t *testing.T) {
					p.set(use1, 0, errProbe)
					for range 3 {
						refresh(t, c)
					}
					p.set(use1, time.Millisecond, nil)
				},
				succeed:   func(t *testing.T) { refresh(t, c) },
				healthy:   func() bool { return c.Healthy(use1) },
				ejections: func(t *testing.T) int { return status(t, c, use1).Ejections },
			}
		},
		"store probe": func(t *testing.T, c *multiregion.Client, _ *fakeProber) view {
			sp := newFakeProber()
			st := newTestStore(t, c, withStoreProber(sp))
			return view{
				eject: func(t *testing.T) {
					sp.set(use1, 0, errProbe)
					for range 3 {
						storeRefresh(t, st)
					}
					sp.set(use1, time.Millisecond, nil)
				},
				succeed:   func(t *testing.T) { storeRefresh(t, st) },
				healthy:   func() bool { return st.Healthy(use1) },
				ejections: func(t *testing.T) int { return storeStatus(t, st, use1).Ejections },
			}
		},
		"store call": func(t *testing.T, c *multiregion.Client, _ *fakeProber) view {
			st := newTestStore(t, c)
			return view{
				eject: func(t *testing.T) {
					for range 3 {
						st.Observe(use1, 0, errProbe)
					}
				},
				succeed:   func(t *testing.T) { st.Observe(use1, time.Millisecond, nil) },
				healthy:   func() bool { return st.Healthy(use1) },
				ejections: func(t *testing.T) int { return storeStatus(t, st, use1).Ejections },
			}
		},
	}
	for name, mk := range views {
		t.Run(name, func(t *testing.T) {
			c, p, clk := routerClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
				o.ProbeInterval = interval
				o.MaxEjection = 4 * time.Second
			})
			v := mk(t, c, p)
			eject := func() {
				t.Helper()
				v.eject(t)
				require.False(t, v.healthy())
			}
			// readmittedAfter checks the region stays out until wait has passed
			// since its ejection, trying every millisecond of virtual time around it.
			readmittedAfter := func(wait time.Duration) {
				t.Helper()
				if wait > 0 {
					v.succeed(t)
					assert.False(t, v.healthy(), "readmitted at once, want a wait of %v", wait)
					clk.Advance(wait - time.Millisecond)
					v.succeed(t)
					assert.False(t, v.healthy(), "readmitted 1ms before the wait of %v ended", wait)
					clk.Advance(time.Millisecond)
				}
				v.succeed(t)
				assert.True(t, v.healthy(), "not readmitted after %v", wait)
			}

			eject()
			assert.Equal(t, 1, v.ejections(t))
			readmittedAfter(0) // 1st: the next success
			eject()
			assert.Equal(t, 2, v.ejections(t))
			readmittedAfter(interval) // 2nd: ProbeInterval
			eject()
			readmittedAfter(2 * interval) // 3rd: twice that
			eject()
			readmittedAfter(4 * interval) // 4th: 4s, the cap
			eject()
			assert.Equal(t, 5, v.ejections(t))
			readmittedAfter(4 * interval) // 5th: capped at MaxEjection

			// Healthy for exactly MaxEjection: still the same streak.
			clk.Advance(4 * time.Second)
			eject()
			assert.Equal(t, 6, v.ejections(t))
			readmittedAfter(4 * interval)

			// Healthy for longer than MaxEjection: a new streak, no wait.
			clk.Advance(4*time.Second + time.Nanosecond)
			eject()
			assert.Equal(t, 1, v.ejections(t))
			readmittedAfter(0)
		})
	}
}

func TestRouter_NoHealthyRegion(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	// The store probes with the same prober: its own view fails alike.
	st := newNamedStore(t, c, "dynamo:orders", nil, withStoreProber(p))
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
	assert.Empty(t, nh.Store, "the network view has no store name")
	assert.Empty(t, nh.Op)
	assert.Empty(t, nh.Attempts)
	assert.NotContains(t, err.Error(), " on ")
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

	// The store's Pick and NoHealthy carry the store's name and its own
	// last errors; NoHealthy carries the operation.
	r, err = st.Pick(set)
	assert.Empty(t, r)
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "dynamo:orders", nh.Store)
	assert.Empty(t, nh.Op)
	assert.Equal(t, []multiregion.Region{usw2}, nh.Allowed)
	assert.ErrorIs(t, err, e2)
	assert.NotErrorIs(t, err, e1)
	err = st.NoHealthy("dynamo.Put", set, nil)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "dynamo.Put", nh.Op)
	assert.Equal(t, "dynamo:orders", nh.Store)
	assert.Equal(t, []multiregion.Region{usw2}, nh.Allowed)
	require.Len(t, nh.LastErrors, 1)
	var re *multiregion.RegionError
	require.ErrorAs(t, nh.LastErrors[0], &re)
	assert.Equal(t, usw2, re.Region)
	assert.Equal(t, "probe", re.Op)
	assert.Contains(t, err.Error(), "dynamo.Put")
	assert.Contains(t, err.Error(), "dynamo:orders")
	assert.ErrorIs(t, err, e2)

	// The empty set has no healthy region either.
	_, err = c.Pick(0)
	assert.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	_, err = st.Pick(0)
	assert.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)

	// One region coming back is picked, in both views.
	p.set(usw2, 7*time.Millisecond, nil)
	refresh(t, c)
	assert.Equal(t, usw2, mustNearest(t, c))
	assert.Equal(t, usw2, storePick(t, st))
}

func TestRouter_NearestCanceledContext(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Nearest(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// Whatever the health of the regions, Pick(set) returns a healthy member of
// set, or ErrNoHealthyRegion exactly when set has no healthy member: in the
// network view and in a store's, each by its own health.
func TestRouter_PickNeverLeavesTheSet(t *testing.T) {
	regions := []multiregion.Region{use1, use2, usw2, euw1, "eu-central-1", "ap-northeast-1"}
	c, p, clk := routerClient(t, regions, func(o *multiregion.Options) { o.FailureThreshold = 1 })
	sp := newFakeProber()
	withProbe := newTestStore(t, c, withStoreProber(sp))
	callsOnly := newTestStore(t, c)
	type view struct {
		name    string
		pick    func(multiregion.RegionSet) (multiregion.Region, error)
		healthy func(multiregion.Region) bool
		rank    func(multiregion.RegionSet, []multiregion.Region) []multiregion.Region
	}
	views := []view{
		{"network", c.Pick, c.Healthy, c.Rank},
		{"store with prober", withProbe.Pick, withProbe.Healthy, withProbe.Rank},
		{"store without prober", callsOnly.Pick, callsOnly.Healthy, callsOnly.Rank},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randomResult := func(fp *fakeProber, r multiregion.Region) {
		if rng.IntN(3) == 0 {
			fp.set(r, 0, errProbe)
		} else {
			fp.set(r, time.Duration(1+rng.IntN(200))*time.Millisecond, nil)
		}
	}
	sawNone, sawSome := map[string]int{}, map[string]int{}
	for step := range 2000 {
		r := regions[rng.IntN(len(regions))]
		st := withProbe
		if rng.IntN(2) == 0 {
			st = callsOnly
		}
		switch rng.IntN(3) {
		case 0:
			st.Observe(r, 0, errProbe)
		default:
			st.Observe(r, time.Duration(1+rng.IntN(200))*time.Millisecond, nil)
		}
		if rng.IntN(10) == 0 {
			for _, r := range regions {
				randomResult(p, r)
				randomResult(sp, r)
			}
			refresh(t, c) // ejects some, readmits others
		}
		clk.Advance(time.Duration(rng.IntN(1000)) * time.Millisecond)

		set := multiregion.RegionSet(rng.Uint64() & (1<<len(regions) - 1))
		for _, v := range views {
			anyHealthy := false
			for i, r := range regions {
				anyHealthy = anyHealthy || (set.Has(i) && v.healthy(r))
			}
			got, err := v.pick(set)
			if !anyHealthy {
				require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion, "step %d, %s", step, v.name)
				require.Empty(t, got)
				sawNone[v.name]++
				continue
			}
			sawSome[v.name]++
			require.NoError(t, err, "step %d, %s", step, v.name)
			i, err := c.Index(got)
			require.NoError(t, err)
			require.True(t, set.Has(i), "step %d, %s: Pick(%v) = %s, outside the set", step, v.name, set, got)
			require.True(t, v.healthy(got), "step %d, %s: Pick returned ejected %s", step, v.name, got)
			// Pick is the first healthy region of Rank.
			ranked := v.rank(set, nil)
			require.Len(t, ranked, set.Len(), "step %d, %s", step, v.name)
			for _, r := range ranked {
				if v.healthy(r) {
					require.Equal(t, r, got, "step %d, %s", step, v.name)
					break
				}
			}
		}
	}
	for _, v := range views { // the walk covers both outcomes in every view
		assert.Greater(t, sawNone[v.name], 20, v.name)
		assert.Greater(t, sawSome[v.name], 200, v.name)
	}
}

// Rank lists healthy regions first, then the ejected ones (by latency, then
// preference), in the network view and in a store's, whichever latencies
// the store ranks by.
func TestRouter_RankHealthyFirstThenEjected(t *testing.T) {
	lat := map[multiregion.Region]time.Duration{
		use1: 1 * time.Millisecond, // fastest, but will be ejected
		usw2: 100 * time.Millisecond,
		euw1: 5 * time.Millisecond,
		use2: 1 * time.Millisecond, // ejected too, tie with us-east-1
	}
	regions := []multiregion.Region{use1, usw2, euw1, use2}
	setLat := func(p *fakeProber) {
		for r, d := range lat {
			p.set(r, d, nil)
		}
	}
	ejected := []multiregion.Region{use1, use2}
	type view struct {
		rank    func(multiregion.RegionSet, []multiregion.Region) []multiregion.Region
		healthy func(multiregion.Region) bool
	}
	for name, setup := range map[string]func(t *testing.T, c *multiregion.Client, p *fakeProber) view{
		"network": func(t *testing.T, c *multiregion.Client, p *fakeProber) view {
			setLat(p)
			refresh(t, c)
			for _, r := range ejected {
				p.set(r, 0, errProbe)
			}
			for range 3 {
				refresh(t, c)
			}
			return view{c.Rank, c.Healthy}
		},
		"store ranked by the network view": func(t *testing.T, c *multiregion.Client, p *fakeProber) view {
			st := newTestStore(t, c)
			setLat(p)
			refresh(t, c)
			for _, r := range ejected {
				for range 3 {
					st.Observe(r, 0, errProbe)
				}
			}
			require.False(t, st.Status().OwnLatency)
			return view{st.Rank, st.Healthy}
		},
		"store with its own prober": func(t *testing.T, c *multiregion.Client, _ *fakeProber) view {
			sp := newFakeProber()
			setLat(sp) // the network view says 10ms everywhere: preference order
			st := newTestStore(t, c, withStoreProber(sp))
			refresh(t, c)
			for _, r := range ejected {
				for range 3 {
					st.Observe(r, 0, errProbe)
				}
			}
			require.True(t, st.Status().OwnLatency)
			require.Equal(t, regions, rankAll(t, c))
			return view{st.Rank, st.Healthy}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, p, _ := routerClient(t, regions)
			v := setup(t, c, p)
			for _, r := range ejected {
				require.False(t, v.healthy(r), r)
			}
			all, err := c.Set()
			require.NoError(t, err)
			assert.Equal(t, []multiregion.Region{euw1, usw2, use1, use2}, v.rank(all, nil))

			set, err := c.Set(use2, usw2)
			require.NoError(t, err)
			dst := []multiregion.Region{"keep-me"}
			assert.Equal(t, []multiregion.Region{"keep-me", usw2, use2}, v.rank(set, dst), "Rank appends to dst")
			assert.Empty(t, v.rank(0, nil))
		})
	}
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

	full := c.Status()
	assert.False(t, full.Closed)
	assert.Empty(t, full.Stores, "no store registered")
	sts := full.Network
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
	st := newTestStore(t, c)
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
		assert.False(t, st.Healthy(bad))

		before, beforeStore := c.Status(), st.Status()
		st.Observe(bad, 0, errProbe) // ignored, no panic
		st.Observe(bad, time.Millisecond, nil)
		assert.Equal(t, before, c.Status())
		assert.Equal(t, beforeStore, st.Status())
	}
	assert.True(t, c.Healthy(use1))
	assert.True(t, st.Healthy(use1))
}

func TestStore_ConcurrentObservePick(t *testing.T) {
	regions := []multiregion.Region{use1, use2, usw2, euw1}
	c, _, clk := routerClient(t, regions)
	stores := []*multiregion.Store{newTestStore(t, c), newTestStore(t, c, withStoreProber(newFakeProber()))}
	all, err := c.Set()
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			st := stores[g%len(stores)]
			var dst []multiregion.Region
			for n := range 2000 {
				r := regions[rng.IntN(len(regions))]
				if rng.IntN(4) == 0 {
					st.Observe(r, 0, errProbe)
				} else {
					st.Observe(r, time.Duration(1+rng.IntN(100))*time.Millisecond, nil)
				}
				set := multiregion.RegionSet(rng.IntN(16))
				for _, pick := range []func(multiregion.RegionSet) (multiregion.Region, error){st.Pick, c.Pick} {
					if got, err := pick(set); err == nil {
						if i, _ := c.Index(got); !set.Has(i) {
							errs <- fmt.Errorf("Pick(%v) = %s", set, got)
							return
						}
					} else if !errors.Is(err, multiregion.ErrNoHealthyRegion) {
						errs <- err
						return
					}
				}
				dst = st.Rank(all, dst[:0])
				if len(dst) != len(regions) {
					errs <- fmt.Errorf("Rank returned %v", dst)
					return
				}
				if n%100 == 0 {
					_ = c.Status()
					_ = st.Status()
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

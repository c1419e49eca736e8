package cache_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
)

// A handle's MaxLag skips a lagging replica the store's own bound (none)
// lets through; Exclude and Prefer steer its reads; bad options are typed
// errors before any traffic.
func TestWithRead(t *testing.T) {
	e := newEnv(t, use1, false)
	e.setRTT(usw2, time.Millisecond) // us-west-2 would serve reads
	e.reg[use1].setInfo("master", 1000, true)
	e.reg[usw2].setInfo("slave", 1000, true)
	e.reg[euw1].setInfo("slave", 1000, true)
	s := e.store(func(o *cache.Options) { o.LagInterval = 10 * time.Millisecond })
	ctx := testCtx(t)
	// The primary moves on; us-west-2 stops applying (its link is down).
	// The store has no MaxLag, so its topology does not follow the lag; a
	// handle's bound reads the latest measurement.
	e.reg[use1].setInfo("master", 5000, true)
	e.reg[usw2].setInfo("slave", 1000, false)
	e.reg[euw1].setInfo("slave", 5000, true)
	fresh, err := s.WithRead(multiregion.ReadOptions{MaxLag: 100 * time.Millisecond})
	require.NoError(t, err)
	eventually(t, "us-west-2 skipped by the handle", func() bool {
		_, r, err := fresh.Get(ctx, "k")
		return errors.Is(err, cache.ErrNotFound) && r != usw2
	})

	_, r, err := s.Get(ctx, "k")
	require.ErrorIs(t, err, cache.ErrNotFound)
	assert.Equal(t, usw2, r, "no bound on the store: the nearest, lagging or not")

	for range 5 {
		_, r, err = fresh.Get(ctx, "k")
		require.ErrorIs(t, err, cache.ErrNotFound)
		assert.NotEqual(t, usw2, r, "the handle's MaxLag skips it")
	}

	noWest, err := s.WithRead(multiregion.ReadOptions{Exclude: []multiregion.Region{usw2}, Prefer: euw1})
	require.NoError(t, err)
	_, r, err = noWest.Get(ctx, "k")
	require.ErrorIs(t, err, cache.ErrNotFound)
	assert.Equal(t, euw1, r, "preferred, and us-west-2 excluded")

	for name, o := range map[string]multiregion.ReadOptions{
		"negative MaxLag":       {MaxLag: -time.Second},
		"every region excluded": {Exclude: []multiregion.Region{use1, usw2, euw1}},
		"unknown excluded":      {Exclude: []multiregion.Region{"ap-south-1"}},
		"unknown preferred":     {Prefer: "ap-south-1"},
	} {
		var oe *multiregion.OptionError
		_, err := s.WithRead(o)
		assert.ErrorAs(t, err, &oe, name)
	}
}

// A Get whose nearest reader is slow is hedged to the next one; the slow
// reader's cancelled attempt is no failure of it.
func TestHedgedGet(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store(func(o *cache.Options) { o.Hedge = &multiregion.Hedge{After: 20 * time.Millisecond} })
	ctx := testCtx(t)
	e.reg[use1].getDelay.Store(int64(300 * time.Millisecond))
	start := time.Now()
	_, r, err := s.Get(ctx, "k")
	took := time.Since(start)
	require.ErrorIs(t, err, cache.ErrNotFound)
	assert.Equal(t, usw2, r, "the hedge answered first")
	assert.Less(t, took, 300*time.Millisecond)
	ss, ok := e.mr.Status().Store(s.Name())
	require.True(t, ok)
	st, _ := ss.Region(use1)
	assert.Zero(t, st.ConsecutiveFailures, "a cancelled hedge loser is no failure")
	t.Logf("FIGURE hedged cache Get: %v with the nearest reader at +300 ms (hedge after 20 ms)", took.Round(time.Millisecond))

	off, err := s.WithRead(multiregion.ReadOptions{Hedge: multiregion.HedgeOff})
	require.NoError(t, err)
	start = time.Now()
	_, r, err = off.Get(ctx, "k")
	require.ErrorIs(t, err, cache.ErrNotFound)
	assert.Equal(t, use1, r)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	_, err = cache.New(ctx, e.mr, func(o *cache.Options) {
		o.Static = e.static(use1)
		o.Hedge = &multiregion.Hedge{Percentile: 1.5}
	})
	var oe *multiregion.OptionError
	assert.ErrorAs(t, err, &oe)
}

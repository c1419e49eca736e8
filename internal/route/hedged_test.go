package route_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// slowIn answers with the region's name, after delay in slow and at once
// elsewhere; an attempt cancelled while waiting returns its context's
// error and counts itself in cancelled.
func slowIn(slow multiregion.Region, delay time.Duration, cancelled *atomic.Int32) func(ctx context.Context, a *route.Attempt) (string, error) {
	return func(ctx context.Context, a *route.Attempt) (string, error) {
		start := time.Now()
		if a.Region == slow {
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				cancelled.Add(1)
				return "", a.Observe(ctx, start, ctx.Err())
			}
		}
		return string(a.Region), a.Observe(ctx, start, nil)
	}
}

func TestHedgedReadFirstAnswerWins(t *testing.T) {
	l, _ := setup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: 5 * time.Millisecond})
	var cancelled atomic.Int32
	v, r, err := route.RunValue(context.Background(), l, route.Call{Op: "fake.Get", Kind: route.Read}, slowIn(use1, 2*time.Second, &cancelled))
	require.NoError(t, err)
	assert.Equal(t, usw2, r, "the hedge in the next-ranked region answered first")
	assert.Equal(t, "us-west-2", v, "the winner's value")
	assert.EqualValues(t, 1, l.Hedges())
	assert.Eventually(t, func() bool { return cancelled.Load() == 1 }, 5*time.Second, time.Millisecond, "the slow attempt was cancelled")
	assert.Zero(t, failures(t, l, use1), "a cancelled hedge loser is no region failure")
	assert.True(t, l.Store.Healthy(use1))
}

func TestHedgeNotSentWhenTheFirstAnswers(t *testing.T) {
	l, _ := setup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: time.Second})
	var cancelled atomic.Int32
	v, r, err := route.RunValue(context.Background(), l, route.Call{Op: "fake.Get", Kind: route.Read}, slowIn(usw2, time.Second, &cancelled))
	require.NoError(t, err)
	assert.Equal(t, use1, r)
	assert.Equal(t, "us-east-1", v)
	assert.Zero(t, l.Hedges())
}

func TestHedgeBudgetAndModes(t *testing.T) {
	l, _ := setup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: time.Millisecond, Budget: 0.0001, Burst: 1})
	var cancelled atomic.Int32
	fn := slowIn(use1, 20*time.Millisecond, &cancelled)
	ctx := context.Background()
	_, r, err := route.RunValue(ctx, l, route.Call{Op: "fake.Get", Kind: route.Read}, fn)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	_, r, err = route.RunValue(ctx, l, route.Call{Op: "fake.Get", Kind: route.Read}, fn)
	require.NoError(t, err)
	assert.Equal(t, use1, r, "the budget is spent: no second hedge")
	assert.EqualValues(t, 1, l.Hedges())

	l2, _ := setup(t)
	l2.Hedge = route.NewHedger(route.Hedge{After: time.Millisecond})
	for _, c := range []route.Call{
		{Op: "fake.Get", Kind: route.Read, Hedge: route.HedgeOff},
		{Op: "fake.Put", Kind: route.IdempotentWrite},
		{Op: "fake.Update", Kind: route.Write},
		{Op: "fake.Get", Kind: route.Read, Pin: use1},
	} {
		_, r, err := route.RunValue(ctx, l2, c, fn)
		require.NoError(t, err)
		assert.Equal(t, use1, r, "%+v is not hedged", c)
	}
	assert.Zero(t, l2.Hedges())

	// HedgeOn without a store Hedger: the default one needs samples first.
	l3, _ := setup(t)
	on := route.Call{Op: "fake.Get", Kind: route.Read, Hedge: route.HedgeOn}
	_, r, err = route.RunValue(ctx, l3, on, slowIn(use1, 30*time.Millisecond, &cancelled))
	require.NoError(t, err)
	assert.Equal(t, use1, r, "no samples yet: no percentile, no hedge")
	const n = route.MinHedgeSamples + 16
	for range n {
		_, _, err := route.RunValue(ctx, l3, on, slowIn(use1, 2*time.Millisecond, &cancelled))
		require.NoError(t, err)
	}
	// By definition about 5 % of calls take longer than the 95th percentile
	// of their peers and are hedged; the budget (5 % of calls, burst 10)
	// bounds them.
	before := l3.Hedges()
	assert.LessOrEqual(t, before, uint64(route.DefaultHedgeBurst+n/20+1))
	_, r, err = route.RunValue(ctx, l3, on, slowIn(use1, time.Second, &cancelled))
	require.NoError(t, err)
	assert.Equal(t, usw2, r, "far above the percentile: hedged")
	assert.Equal(t, before+1, l3.Hedges())
}

// Both hedged attempts fail: the call fails over to the third region and
// reports both attempts.
func TestHedgedBothFailThenFailover(t *testing.T) {
	l, _ := setup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: time.Millisecond})
	fn := func(ctx context.Context, a *route.Attempt) (string, error) {
		start := time.Now()
		switch a.Region {
		case use1:
			time.Sleep(10 * time.Millisecond)
			return "", a.Observe(ctx, start, errRefused)
		case usw2:
			return "", a.Observe(ctx, start, errRefused)
		}
		return string(a.Region), a.Observe(ctx, start, nil)
	}
	v, r, err := route.RunValue(context.Background(), l, route.Call{Op: "fake.Get", Kind: route.Read}, fn)
	require.NoError(t, err)
	assert.Equal(t, euw1, r)
	assert.Equal(t, "eu-west-1", v)
	assert.Equal(t, 1, failures(t, l, use1))
	assert.Equal(t, 1, failures(t, l, usw2))

	fnAll := func(ctx context.Context, a *route.Attempt) (string, error) {
		return "", a.Observe(ctx, time.Now(), errRefused)
	}
	_, _, err = route.RunValue(context.Background(), l, route.Call{Op: "fake.Get", Kind: route.Read}, fnAll)
	var nh *multiregion.NoHealthyRegionError
	require.True(t, errors.As(err, &nh))
	assert.Len(t, nh.Attempts, 3)
}

// The caller's cancellation during a hedged read ends it with the
// context's error and ejects nothing.
func TestHedgedCallerCancel(t *testing.T) {
	l, _ := setup(t)
	l.Hedge = route.NewHedger(route.Hedge{After: time.Millisecond})
	var cancelled atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	block := func(ctx context.Context, a *route.Attempt) (string, error) {
		<-ctx.Done()
		cancelled.Add(1)
		return "", a.Observe(ctx, time.Now(), ctx.Err())
	}
	_, _, err := route.RunValue(ctx, l, route.Call{Op: "fake.Get", Kind: route.Read}, block)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualValues(t, 2, cancelled.Load(), "both attempts ended")
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		assert.Zero(t, failures(t, l, r))
	}
}

// BenchmarkRunValue is BenchmarkRun through RunValue with hedging off:
// the value plumbing must add no allocation.
func BenchmarkRunValue(b *testing.B) {
	l, _ := setup(b)
	ctx := context.Background()
	call := route.Call{Op: "fake.Get", Kind: route.Read}
	fn := func(ctx context.Context, a *route.Attempt) (int, error) { return 1, a.Observe(ctx, time.Now(), nil) }
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := route.RunValue(ctx, l, call, fn); err != nil {
			b.Fatal(err)
		}
	}
}

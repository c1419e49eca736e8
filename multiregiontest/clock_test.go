package multiregiontest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFakeClock_Timers(t *testing.T) {
	clk := multiregiontest.NewFakeClock(t0)
	var _ multiregion.Clock = clk
	assert.Equal(t, t0, clk.Now())

	a := clk.NewTimer(time.Second)
	b := clk.NewTimer(3 * time.Second)
	assert.Equal(t, 2, clk.Pending())

	clk.Advance(999 * time.Millisecond)
	assert.Equal(t, t0.Add(999*time.Millisecond), clk.Now())
	assertNotFired(t, a)
	clk.Advance(time.Millisecond)
	assert.Equal(t, t0.Add(time.Second), fired(t, a), "fires when due, with the time")
	assert.Equal(t, 1, clk.Pending())
	assert.False(t, a.Stop(), "Stop after firing")

	assert.True(t, b.Stop())
	assert.False(t, b.Stop())
	assert.Zero(t, clk.Pending())
	clk.Advance(time.Hour)
	assertNotFired(t, b)

	// Several timers due in one Advance all fire.
	ts := []multiregion.Timer{clk.NewTimer(time.Second), clk.NewTimer(2 * time.Second), clk.NewTimer(time.Minute)}
	clk.Advance(10 * time.Second)
	fired(t, ts[0])
	fired(t, ts[1])
	assertNotFired(t, ts[2])
	assert.Equal(t, 1, clk.Pending())

	// A timer of 0 or less fires at once.
	z := clk.NewTimer(0)
	assert.Equal(t, clk.Now(), fired(t, z))
	n := clk.NewTimer(-time.Second)
	fired(t, n)
	assert.Equal(t, 1, clk.Pending())
}

func fired(t *testing.T, tm multiregion.Timer) time.Time {
	t.Helper()
	select {
	case at := <-tm.C():
		return at
	default:
		t.Fatal("timer did not fire")
		return time.Time{}
	}
}

func assertNotFired(t *testing.T, tm multiregion.Timer) {
	t.Helper()
	select {
	case <-tm.C():
		t.Fatal("timer fired early")
	default:
	}
}

func TestFakeClock_WaitForTimers(t *testing.T) {
	clk := multiregiontest.NewFakeClock(t0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, clk.WaitForTimers(ctx, 0))

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tm := clk.NewTimer(time.Second)
			<-tm.C()
		}()
	}
	require.NoError(t, clk.WaitForTimers(ctx, 3))
	assert.Equal(t, 3, clk.Pending())
	clk.Advance(time.Second)
	wg.Wait()
	assert.Zero(t, clk.Pending())

	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	assert.ErrorIs(t, clk.WaitForTimers(short, 1), context.DeadlineExceeded)
}

func TestFakeClock_Concurrent(t *testing.T) {
	clk := multiregiontest.NewFakeClock(t0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				tm := clk.NewTimer(time.Duration(1+(i+g)%5) * time.Millisecond)
				if i%2 == 0 {
					tm.Stop()
				}
				_ = clk.Now()
				clk.Advance(time.Millisecond)
				_ = clk.Pending()
			}
		}()
	}
	wg.Wait()
	clk.Advance(time.Hour)
	assert.Zero(t, clk.Pending())
}

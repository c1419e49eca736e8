package singlewriter_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	sw "github.com/regionkit/multiregion/internal/singlewriter"
)

// TestRunEvery: a round at once, then one per interval timed from the end
// of the last round, one more at once on wake, and no more after done
// closes or ctx ends.
func TestRunEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		done := make(chan struct{})
		wake := make(chan struct{}, 1)
		t0 := time.Now()
		var at []time.Duration
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			sw.RunEvery(ctx, done, time.Second, wake, func(context.Context) {
				at = append(at, time.Since(t0))
				time.Sleep(100 * time.Millisecond) // a round takes time
			})
		}()
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, []time.Duration{0, 1100 * time.Millisecond, 2200 * time.Millisecond}, at)

		wake <- struct{}{} // at 2.5 s, before the timer's 3.3 s
		synctest.Wait()
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		assert.Equal(t, []time.Duration{0, 1100 * time.Millisecond, 2200 * time.Millisecond, 2500 * time.Millisecond}, at)
		time.Sleep(time.Second) // the next is an interval after the woken round: 3.6 s
		synctest.Wait()
		assert.Len(t, at, 5)
		assert.Equal(t, 3600*time.Millisecond, at[4])

		close(done)
		<-stopped
		n := len(at)
		time.Sleep(5 * time.Second)
		assert.Len(t, at, n, "no round after done")
	})
}

// TestRunEveryContext: the loop ends when ctx does, and a nil wake never
// wakes it.
func TestRunEveryContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		rounds := 0
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			sw.RunEvery(ctx, nil, time.Minute, nil, func(context.Context) { rounds++ })
		}()
		time.Sleep(90 * time.Second)
		synctest.Wait()
		assert.Equal(t, 2, rounds)
		cancel()
		<-stopped
	})
}

//go:build integration

package aurora_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/testutil"
)

// moveRun is what the writers of writeThroughMove saw.
type moveRun struct {
	total, failed, maxFail int64
	counts                 string   // " g0=ok/failed ..."
	after                  []string // ids of the writes that started after the move
	follow                 time.Duration
}

// writeThroughMove runs n goroutines that insert rows (id, g) through c
// with stmt; 700 ms in it calls move (which promotes and moves the
// writer), lets them write 1.5 s more, then checks that each goroutine lost
// at most one call. follow is the time from the move to the first
// successful write that started after it.
func writeThroughMove(t *testing.T, c *aurora.Cluster, n int, prefix, stmt string, move func()) moveRun {
	t.Helper()
	ctx := testCtx(t)
	start := time.Now()
	var (
		wg                  sync.WaitGroup
		stop, moved         atomic.Bool
		movedAt, firstAfter atomic.Int64
		ok, fail            = make([]atomic.Int64, n), make([]atomic.Int64, n)
		mu                  sync.Mutex
		run                 moveRun
	)
	for g := range n {
		wg.Go(func() {
			for !stop.Load() {
				post := moved.Load()
				id := fmt.Sprintf("%s-g%d-%d", prefix, g, uniq.Add(1))
				if _, err := c.ExecContext(ctx, stmt, id, g); err != nil {
					if k := fail[g].Add(1); k <= 2 {
						testutil.Record(err.Error())
						t.Logf("g%d failure %d at %v: %.300v", g, k, time.Since(start).Round(time.Millisecond), err.Error())
					}
					continue
				}
				ok[g].Add(1)
				if post {
					firstAfter.CompareAndSwap(0, int64(time.Since(start)))
					mu.Lock()
					run.after = append(run.after, id)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	move()
	movedAt.Store(int64(time.Since(start)))
	moved.Store(true)
	time.Sleep(1500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	for g := range n {
		run.total += ok[g].Load()
		run.failed += fail[g].Load()
		run.maxFail = max(run.maxFail, fail[g].Load())
		run.counts += fmt.Sprintf(" g%d=%d/%d", g, ok[g].Load(), fail[g].Load())
		assert.LessOrEqual(t, fail[g].Load(), int64(1), "goroutine %d: at most one failed call", g)
	}
	require.NotEmpty(t, run.after, "writes after the move")
	run.follow = time.Duration(firstAfter.Load() - movedAt.Load()).Round(time.Millisecond)
	return run
}

// keepWriting inserts a row through c every 100 ms until the returned
// stop is called, so that a paused or delayed replica falls behind.
func keepWriting(t *testing.T, c *aurora.Cluster, stmt string) (stop func()) {
	ctx := testCtx(t)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case <-time.After(100 * time.Millisecond):
			}
			_, _ = c.ExecContext(ctx, stmt, uniqueID("behind-"))
		}
	}()
	return func() { close(quit); <-done }
}

package singlewriter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	sw "github.com/regionkit/multiregion/internal/singlewriter"
)

// TestWriterMovedAfterSwitchover: after a switchover, WriterMoved with the
// generation the refused write saw loads once and returns the new writer; a
// second call with the same old generation returns it without a load.
func TestWriterMovedAfterSwitchover(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	seen := e.kit.Topology()
	require.Equal(t, use1, seen.Writer)
	require.Equal(t, uint64(1), seen.Generation)
	require.Equal(t, 1, e.store.Calls())

	e.store.Switchover(usw2)
	top, moved, err := e.kit.WriterMoved(ctx, seen.Generation)
	require.NoError(t, err)
	assert.True(t, moved)
	assert.Equal(t, usw2, top.Writer)
	assert.Equal(t, uint64(2), top.Generation)
	assert.Equal(t, 2, e.store.Calls())
	assert.NoError(t, e.kit.CheckWrite("cache.Set", usw2))
	assert.ErrorIs(t, e.kit.CheckWrite("cache.Set", use1), multiregion.ErrWriteRegion)
	assert.Equal(t, set(t, e.mr, usw2), e.kit.WriterSet())

	top2, moved, err := e.kit.WriterMoved(ctx, seen.Generation)
	require.NoError(t, err)
	assert.True(t, moved)
	assert.Same(t, top, top2)
	assert.Equal(t, 2, e.store.Calls(), "the second refused write must not load again")

	// The new writer refuses a write too: the kit has seen generation 2.
	e.store.Switchover(euw1)
	top3, moved, err := e.kit.WriterMoved(ctx, top2.Generation)
	require.NoError(t, err)
	assert.True(t, moved)
	assert.Equal(t, euw1, top3.Writer)
	assert.Equal(t, 3, e.store.Calls())
}

// TestWriterMovedNotMoved: a refused write when the control plane still
// shows the same writer loads and reports moved=false, even when lag-only
// changes bumped the generation since the write was routed.
func TestWriterMovedNotMoved(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.store.SetLag(usw2, time.Second, true)
	require.NoError(t, e.kit.Refresh(ctx))
	require.Equal(t, uint64(2), e.kit.Topology().Generation)

	top, moved, err := e.kit.WriterMoved(ctx, 1)
	require.NoError(t, err)
	assert.False(t, moved)
	assert.Equal(t, use1, top.Writer)
	assert.Equal(t, 3, e.store.Calls(), "a newer generation with the same writer says nothing: load")

	boom := errors.New("throttled")
	e.store.Fail(boom)
	top, moved, err = e.kit.WriterMoved(ctx, top.Generation)
	assert.ErrorIs(t, err, boom)
	assert.False(t, moved)
	assert.Equal(t, use1, top.Writer, "the last good topology")
}

// TestRefreshCoalesces: 50 callers while the Source is blocked cost one
// Source call, and all get its result.
func TestRefreshCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		release := e.store.Block()
		e.store.Switchover(euw1)
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range errs {
			wg.Go(func() { errs[i] = e.kit.Refresh(context.Background()) })
		}
		synctest.Wait() // every caller is parked on the one load
		assert.Equal(t, 2, e.store.Calls(), "New's load + one refresh")
		release()
		wg.Wait()
		for _, err := range errs {
			assert.NoError(t, err)
		}
		assert.Equal(t, 2, e.store.Calls())
		assert.Equal(t, euw1, e.kit.Topology().Writer)
		assert.Equal(t, uint64(2), e.kit.Topology().Generation)
	})
}

// TestRefreshWaiterCancel: a waiter whose ctx ends returns ctx.Err() at
// once, without cancelling the load the others wait for.
func TestRefreshWaiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		release := e.store.Block()
		e.store.Switchover(usw2)
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { first <- e.kit.Refresh(ctx) }()
		synctest.Wait()
		second := make(chan error, 1)
		go func() { second <- e.kit.Refresh(context.Background()) }()
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, <-first, context.Canceled)
		release()
		assert.NoError(t, <-second)
		assert.Equal(t, 2, e.store.Calls())
		assert.Equal(t, []error{nil, nil}, e.store.CtxErrs(), "the shared load ran to its end")
		assert.Equal(t, usw2, e.kit.Topology().Writer)
	})
}

// TestRefreshTimeout: a Source that hangs is cut off by RefreshTimeout.
func TestRefreshTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(o *sw.Options) { o.RefreshTimeout = 3 * time.Second })
		release := e.store.Block()
		defer release()
		start := time.Now()
		err := e.kit.Refresh(context.Background())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 3*time.Second, time.Since(start))
		assert.Equal(t, uint64(1), e.kit.Topology().Generation)
	})
}

// TestFailedRefreshKeepsLastGood: a failing Source leaves the last good
// topology in place, Status says what failed and how often, and the next
// good load recovers.
func TestFailedRefreshKeepsLastGood(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	before := e.kit.Topology()
	boom := errors.New("DescribeGlobalReplicationGroups: 503")
	e.store.Fail(boom)
	for i := 1; i <= 2; i++ {
		e.clock.Advance(time.Minute)
		err := e.kit.Refresh(ctx)
		assert.ErrorIs(t, err, boom)
		var se *sw.SourceError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "cache sessions", se.Store)
		assert.Same(t, before, e.kit.Topology())
		st := e.kit.Status()
		assert.ErrorIs(t, st.LastError, boom)
		assert.Equal(t, i, st.ConsecutiveFailures)
		assert.Equal(t, t0.Add(time.Duration(i)*time.Minute), st.LastAttempt)
		assert.Equal(t, t0, st.LastSuccess)
		assert.Equal(t, uint64(1), st.Generation)
	}

	e.store.Fail(nil)
	e.store.Switchover(euw1)
	e.clock.Advance(time.Minute)
	require.NoError(t, e.kit.Refresh(ctx))
	st := e.kit.Status()
	assert.NoError(t, st.LastError)
	assert.Zero(t, st.ConsecutiveFailures)
	assert.Equal(t, t0.Add(3*time.Minute), st.LastSuccess)
	assert.Equal(t, uint64(2), st.Generation)
	assert.Equal(t, euw1, st.Writer)
	assert.Equal(t, t0.Add(3*time.Minute), e.kit.Topology().LoadedAt)
}

// TestInvalidTopologyRejected: a load that returns an invalid topology (or
// panics) is a failed refresh; the old topology stays.
func TestInvalidTopologyRejected(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	before := e.kit.Topology()
	for _, c := range badTopologies {
		top := good()
		c.mutate(&top)
		e.store.Set(top)
		err := e.kit.Refresh(ctx)
		checkTopologyError(t, c, err)
		assert.Same(t, before, e.kit.Topology(), c.name)
		assert.ErrorIs(t, e.kit.Status().LastError, sw.ErrInvalidTopology, c.name)
	}
	assert.Equal(t, len(badTopologies), e.kit.Status().ConsecutiveFailures)

	e.store.Set(good())
	e.store.Panic("nil map")
	err := e.kit.Refresh(ctx)
	assert.ErrorContains(t, err, "panicked")
	assert.ErrorAs(t, err, new(*sw.SourceError))
	assert.Same(t, before, e.kit.Topology())
}

// TestGenerationOnlyOnChange: an unchanged load (members listed in another
// order included) keeps the snapshot; any real change bumps the generation.
func TestGenerationOnlyOnChange(t *testing.T) {
	e := newEnv(t)
	e.store.update(func(*sw.Topology) { e.store.reorder = true })
	ctx := testCtx(t)
	first := e.kit.Topology()
	for range 3 { // the fake store lists members reversed every other call
		require.NoError(t, e.kit.Refresh(ctx))
		assert.Same(t, first, e.kit.Topology())
	}
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, first.Regions(), "the Client's order")

	steps := []func(){
		func() { e.store.SetLag(euw1, 2*time.Second, true) },
		func() { e.store.update(func(tp *sw.Topology) { tp.Attributes["engine_version"] = "7.2" }) },
		func() { e.store.updateMember(usw2, func(m *sw.Member) { m.Status = "modifying" }) },
	}
	for i, step := range steps {
		step()
		require.NoError(t, e.kit.Refresh(ctx))
		assert.Equal(t, uint64(i+2), e.kit.Topology().Generation)
		require.NoError(t, e.kit.Refresh(ctx))
		assert.Equal(t, uint64(i+2), e.kit.Topology().Generation, "no change, no new generation")
	}
	e.store.update(func(tp *sw.Topology) { tp.Attributes = nil })
	require.NoError(t, e.kit.Refresh(ctx))
	gen := e.kit.Topology().Generation
	e.store.update(func(tp *sw.Topology) { tp.Attributes = map[string]string{} })
	require.NoError(t, e.kit.Refresh(ctx))
	assert.Equal(t, gen, e.kit.Topology().Generation, "nil and empty Attributes are the same")
}

// TestPeriodicRefresh: the refresh loop runs on Options.Clock, picks up a
// switchover, and only a change makes a new generation.
func TestPeriodicRefresh(t *testing.T) {
	e := newEnv(t, func(o *sw.Options) { o.RefreshInterval = 30 * time.Second })
	tick := func() {
		t.Helper()
		e.waitTimers(t, 1)
		e.clock.Advance(30 * time.Second)
		e.waitTimers(t, 1) // the load ended, the loop sleeps again
	}
	e.waitTimers(t, 1)
	e.clock.Advance(29 * time.Second)
	assert.Equal(t, 1, e.store.Calls(), "not yet due")
	e.clock.Advance(time.Second)
	e.waitTimers(t, 1)
	assert.Equal(t, 2, e.store.Calls())
	assert.Equal(t, uint64(1), e.kit.Topology().Generation)

	e.store.Switchover(euw1)
	tick()
	assert.Equal(t, 3, e.store.Calls())
	assert.Equal(t, euw1, e.kit.Topology().Writer)
	assert.Equal(t, uint64(2), e.kit.Topology().Generation)
	tick()
	assert.Equal(t, 4, e.store.Calls())
	assert.Equal(t, uint64(2), e.kit.Topology().Generation)
}

// TestWriterMovedDoesNotTrustAnEarlierLoad: a load that began before the
// writer moved (a lag round's reload after a promotion, say) is running
// when a write fails; WriterMoved must not take that load's answer, which
// names the old writer, but wait for it and load once more.
func TestWriterMovedDoesNotTrustAnEarlierLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		seen := e.kit.Topology()
		release := e.store.Block()
		var early error
		var wg sync.WaitGroup
		wg.Go(func() { early = e.kit.Refresh(context.Background()) })
		synctest.Wait() // the early load read the old topology and is parked
		e.store.Switchover(usw2)
		var (
			top   *sw.Topology
			moved bool
			err   error
		)
		wg.Go(func() { top, moved, err = e.kit.WriterMoved(context.Background(), seen.Generation) })
		synctest.Wait()
		release()
		wg.Wait()
		require.NoError(t, early)
		require.NoError(t, err)
		assert.True(t, moved, "the writer moved before WriterMoved was called")
		assert.Equal(t, usw2, top.Writer)
		assert.Equal(t, 3, e.store.Calls(), "New's load, the early load, and one more for WriterMoved")
	})
}

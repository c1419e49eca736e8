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

// TestClientBuiltOncePerRegion: many concurrent first calls build one
// client per region, with one connect at a time per region.
func TestClientBuiltOncePerRegion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		release := e.conns.Block()
		regions := []multiregion.Region{use1, usw2, euw1}
		got := make([][]*fakeConn, len(regions))
		var wg sync.WaitGroup
		for ri, r := range regions {
			got[ri] = make([]*fakeConn, 30)
			for i := range got[ri] {
				wg.Go(func() {
					c, err := e.kit.Client(context.Background(), r)
					assert.NoError(t, err)
					got[ri][i] = c
				})
			}
		}
		synctest.Wait()
		e.conns.mu.Lock()
		assert.Equal(t, 3, len(e.conns.connectCtx), "one connect per region in flight")
		e.conns.mu.Unlock()
		release()
		wg.Wait()
		for ri, r := range regions {
			assert.Equal(t, 1, e.conns.Connects(r), "%s", r)
			for _, c := range got[ri] {
				assert.Same(t, got[ri][0], c)
			}
			assert.Equal(t, r, got[ri][0].Region)
			again, err := e.kit.Client(context.Background(), r)
			require.NoError(t, err)
			assert.Same(t, got[ri][0], again)
		}
		assert.Equal(t, 1, e.conns.maxActive)
		assert.Equal(t, 3, e.conns.Connects(""))
	})
}

// TestClientRebuiltOnEndpointChange: a new endpoint means a new client; the
// old one stays open RetireDelay for calls using it, then is closed; other
// regions keep theirs; Close closes the rest, each once.
func TestClientRebuiltOnEndpointChange(t *testing.T) {
	e := newEnv(t, func(o *sw.Options) { o.RetireDelay = time.Minute })
	ctx := testCtx(t)
	old, err := e.kit.Client(ctx, usw2)
	require.NoError(t, err)
	writer, err := e.kit.Client(ctx, use1)
	require.NoError(t, err)

	e.store.SetEndpoint(usw2, "replica-2.cache.example:6379")
	require.NoError(t, e.kit.Refresh(ctx))
	fresh, err := e.kit.Client(ctx, usw2)
	require.NoError(t, err)
	assert.NotSame(t, old, fresh)
	assert.Equal(t, "replica-2.cache.example:6379", fresh.Endpoint)
	same, err := e.kit.Client(ctx, use1)
	require.NoError(t, err)
	assert.Same(t, writer, same, "an unchanged member keeps its client")

	e.waitTimers(t, 1) // the retire timer
	e.clock.Advance(59 * time.Second)
	assert.False(t, old.IsClosed(), "closed before RetireDelay")
	e.clock.Advance(time.Second)
	waitClosed(t, old)
	assert.False(t, fresh.IsClosed())
	assert.False(t, writer.IsClosed())

	require.NoError(t, e.kit.Close())
	for _, c := range e.conns.All() {
		assert.True(t, c.IsClosed(), "%s #%d", c.Region, c.N)
	}
	closes, dup := e.conns.Closes()
	assert.Equal(t, 3, closes)
	assert.Zero(t, dup)
}

// TestClientRebuiltOnSwitchover: a role change rebuilds the clients of the
// old and the new writer; Close closes retired clients at once.
func TestClientRebuiltOnSwitchover(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	before := map[multiregion.Region]*fakeConn{}
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		c, err := e.kit.Client(ctx, r)
		require.NoError(t, err)
		before[r] = c
	}
	e.store.Switchover(usw2)
	require.NoError(t, e.kit.Refresh(ctx))
	for r, wantNew := range map[multiregion.Region]bool{use1: true, usw2: true, euw1: false} {
		c, err := e.kit.Client(ctx, r)
		require.NoError(t, err)
		assert.Equal(t, wantNew, c != before[r], "%s rebuilt", r)
	}
	c, _ := e.kit.Client(ctx, usw2)
	assert.Equal(t, sw.RoleWriter, c.Role)
	require.NoError(t, e.kit.Close()) // RetireDelay (30s) has not passed on the fake clock
	for _, c := range e.conns.All() {
		assert.True(t, c.IsClosed(), "%s #%d", c.Region, c.N)
	}
	closes, dup := e.conns.Closes()
	assert.Equal(t, 5, closes)
	assert.Zero(t, dup)
}

// TestClientMemberRemoved: a member that leaves the topology has no client.
func TestClientMemberRemoved(t *testing.T) {
	e := newEnv(t, func(o *sw.Options) { o.RetireDelay = time.Second })
	ctx := testCtx(t)
	old, err := e.kit.Client(ctx, euw1)
	require.NoError(t, err)
	e.store.update(func(tp *sw.Topology) { tp.Members = tp.Members[:2] })
	require.NoError(t, e.kit.Refresh(ctx))
	_, err = e.kit.Client(ctx, euw1)
	assert.ErrorIs(t, err, sw.ErrNotMember)
	var me *sw.MemberError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, euw1, me.Region)
	e.waitTimers(t, 1)
	e.clock.Advance(time.Second)
	waitClosed(t, old)
}

// TestClientConnectError: a failed connect is a RegionError for the region,
// not cached; a panicking connect is an error too.
func TestClientConnectError(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	boom := errors.New("dial tcp: connection refused")
	e.conns.mu.Lock()
	e.conns.failNext = boom
	e.conns.mu.Unlock()
	_, err := e.kit.Client(ctx, usw2)
	assert.ErrorIs(t, err, boom)
	var re *multiregion.RegionError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, usw2, re.Region)
	c, err := e.kit.Client(ctx, usw2)
	require.NoError(t, err)
	assert.Equal(t, usw2, c.Region)
	assert.Equal(t, 1, e.conns.Connects(usw2))

	kit, err := sw.New(ctx, e.mr, e.store, func(context.Context, sw.Member) (*fakeConn, error) { panic("driver bug") }, nil, elasticache)
	require.NoError(t, err)
	defer kit.Close()
	_, err = kit.Client(ctx, use1)
	assert.ErrorContains(t, err, "panicked")
}

// TestClientWaiterCancel: a caller whose ctx ends stops waiting; the
// connect goes on for the others. ConnectTimeout bounds a hanging connect.
func TestClientWaiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, func(o *sw.Options) { o.ConnectTimeout = 5 * time.Second })
		release := e.conns.Block()
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { _, err := e.kit.Client(ctx, euw1); first <- err }()
		synctest.Wait()
		second := make(chan *fakeConn, 1)
		go func() { c, _ := e.kit.Client(context.Background(), euw1); second <- c }()
		synctest.Wait()
		cancel()
		assert.ErrorIs(t, <-first, context.Canceled)
		release()
		c := <-second
		require.NotNil(t, c, "the connect was not cancelled with the first caller")
		assert.Equal(t, euw1, c.Region)

		e.conns.Block() // never released: the timeout ends it
		start := time.Now()
		_, err := e.kit.Client(context.Background(), usw2)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 5*time.Second, time.Since(start))
	})
}

// TestClientCloseWhileConnecting: Close wakes the callers waiting for a
// connect, and a client built for a member that changed meanwhile goes to
// its callers and is then retired, closed once at Close.
func TestClientCloseWhileConnecting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		release := e.conns.Block()
		got := make(chan *fakeConn, 1)
		go func() { c, _ := e.kit.Client(context.Background(), usw2); got <- c }()
		synctest.Wait()
		e.store.SetEndpoint(usw2, "replica-2.cache.example:6379")
		require.NoError(t, e.kit.Refresh(context.Background()))
		release()
		old := <-got
		require.NotNil(t, old)
		assert.Equal(t, "us-west-2.cache.example:6379", old.Endpoint)
		fresh, err := e.kit.Client(context.Background(), usw2)
		require.NoError(t, err)
		assert.Equal(t, "replica-2.cache.example:6379", fresh.Endpoint)

		e.conns.Block()
		waiting := make(chan error, 1)
		go func() { _, err := e.kit.Client(context.Background(), euw1); waiting <- err }()
		synctest.Wait()
		require.NoError(t, e.kit.Close())
		assert.ErrorIs(t, <-waiting, multiregion.ErrClosed)
		assert.True(t, old.IsClosed())
		assert.True(t, fresh.IsClosed())
		closes, dup := e.conns.Closes()
		assert.Equal(t, 2, closes)
		assert.Zero(t, dup)
	})
}

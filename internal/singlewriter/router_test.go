package singlewriter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// errReadOnly is the fake server's refusal of a write outside its writer.
var errReadOnly = errors.New("fake: READONLY You can't write against a read only replica")

// errCut is a connection the old writer cut before anything was sent (a
// failover closes the old primary's connections first).
var errCut = errors.New("fake: connection refused")

var fakeClasses = route.ClassifierFunc(func(_ context.Context, err error) route.Class {
	switch {
	case errors.Is(err, errReadOnly):
		return route.WriterMoved
	case errors.Is(err, errCut):
		return route.NotApplied
	}
	return route.Unknown
})

// serverWriter is where the fake store really takes writes now, whatever
// the kit last loaded.
func (s *fakeStore) serverWriter() multiregion.Region {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topo.Writer
}

// newRouter wires the env's kit to a Store on the Client and the loop.
func newRouter(t *testing.T, e *env) (*singlewriter.Router[*fakeConn], *multiregion.Store) {
	t.Helper()
	st, err := e.mr.NewStore("cache:sessions", nil, func(o *multiregion.StoreOptions) {
		o.Kind, o.Topology = multiregion.ElastiCacheGlobal, singlewriter.TopologyStatusFunc(e.kit)
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return singlewriter.NewRouter(e.kit, st, fakeClasses, nil), st
}

func TestRouterWriteFollowsTheWriterAfterARefusal(t *testing.T) {
	e := newEnv(t)
	rt, st := newRouter(t, e)
	ctx := testCtx(t)
	var tried []multiregion.Region
	write := func(_ context.Context, r multiregion.Region, c *fakeConn) error {
		tried = append(tried, r)
		require.Equal(t, r, c.Region, "the attempt got another region's client")
		if r != e.store.serverWriter() {
			return errReadOnly
		}
		return nil
	}
	r, err := rt.Write(ctx, "fake.Set", route.Write, "", write)
	require.NoError(t, err)
	assert.Equal(t, use1, r)
	loads := e.store.Calls()

	e.store.Switchover(usw2) // the kit has not seen it yet
	tried = nil
	r, err = rt.Write(ctx, "fake.Set", route.Write, "", write)
	require.NoError(t, err)
	assert.Equal(t, usw2, r, "the refused write was not retried on the new writer")
	assert.Equal(t, []multiregion.Region{use1, usw2}, tried)
	assert.Equal(t, loads+1, e.store.Calls(), "one refresh per refusal")
	assert.Equal(t, usw2, e.kit.Topology().Writer)
	rs, _ := st.Status().Region(use1)
	assert.True(t, rs.Healthy)
	assert.Zero(t, rs.ConsecutiveFailures, "a read-only refusal is not a region failure")

	topo := st.Status().Topology
	require.NotNil(t, topo, "Status shows the topology")
	assert.Equal(t, usw2, topo.Writer)
	assert.Equal(t, uint64(2), topo.Generation)
}

func TestRouterRefusedTwiceIsOneShape(t *testing.T) {
	e := newEnv(t)
	rt, _ := newRouter(t, e)
	var n int
	_, err := rt.Write(testCtx(t), "fake.Set", route.Write, "", func(context.Context, multiregion.Region, *fakeConn) error {
		n++
		return errReadOnly // refused everywhere: the topology says use1 and use1 refuses
	})
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	require.ErrorIs(t, err, errReadOnly)
	assert.Equal(t, 2, n, "retried more than once")
}

func TestRouterPinnedWriteOutsideTheWriterIsRefusedLocally(t *testing.T) {
	e := newEnv(t)
	rt, _ := newRouter(t, e)
	_, err := rt.Write(testCtx(t), "fake.Set", route.Write, euw1, func(context.Context, multiregion.Region, *fakeConn) error {
		t.Fatal("a write outside the writer reached the store")
		return nil
	})
	var we *multiregion.WriteRegionError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, euw1, we.Region)
	assert.Equal(t, use1, we.Writer)
	assert.Zero(t, e.conns.Connects(euw1), "a client was built for the refused region")
}

func TestRouterReadsSkipLaggingReplicas(t *testing.T) {
	e := newEnv(t, func(o *singlewriter.Options) { o.MaxLag = time.Second })
	rt, st := newRouter(t, e)
	ctx := testCtx(t)
	// Make us-west-2 the nearest for the store; then let it lag.
	for range 3 {
		st.Observe(use1, 0, errors.New("down"))
	}
	read := func(context.Context, multiregion.Region, *fakeConn) error { return nil }
	r, err := rt.Read(ctx, "fake.Get", "", read)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	e.store.SetLag(usw2, 5*time.Second, true)
	e.store.SetLag(euw1, 5*time.Second, true)
	require.NoError(t, e.kit.Refresh(ctx))
	_, err = rt.Read(ctx, "fake.Get", "", read)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion, "a lagging replica served, or the writer was skipped")
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, []multiregion.Region{use1}, nh.Allowed, "only the writer may serve when every replica lags")
}

func TestRouterAfterClose(t *testing.T) {
	e := newEnv(t)
	rt, _ := newRouter(t, e)
	require.NoError(t, e.kit.Close())
	_, err := rt.Read(testCtx(t), "fake.Get", "", func(context.Context, multiregion.Region, *fakeConn) error { return nil })
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	_, err = rt.Write(testCtx(t), "fake.Set", route.Write, "", func(context.Context, multiregion.Region, *fakeConn) error { return nil })
	assert.ErrorIs(t, err, multiregion.ErrClosed)
}

// TestRouterRegionalFailureOfTheWriterFollowsAMove: the old writer cut
// the connection instead of refusing the write as read-only; the write
// reloads the topology and, the writer having moved, runs once more on the
// new one. A non-idempotent write whose outcome is unknown reloads too,
// but is not replayed.
func TestRouterRegionalFailureOfTheWriterFollowsAMove(t *testing.T) {
	e := newEnv(t)
	rt, _ := newRouter(t, e)
	ctx := testCtx(t)
	var tried []multiregion.Region
	cutThenServe := func(_ context.Context, r multiregion.Region, _ *fakeConn) error {
		tried = append(tried, r)
		if r != e.store.serverWriter() {
			return errCut
		}
		return nil
	}
	e.store.Switchover(usw2)
	loads := e.store.Calls()
	r, err := rt.Write(ctx, "fake.Set", route.IdempotentWrite, "", cutThenServe)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, []multiregion.Region{use1, usw2}, tried)
	assert.Equal(t, loads+1, e.store.Calls())

	time.Sleep(singlewriter.MinMovedRefresh) // reloads for failed writes are rate-limited
	e.store.Switchover(euw1)
	tried = nil
	_, err = rt.Write(ctx, "fake.Incr", route.Write, "", func(_ context.Context, r multiregion.Region, _ *fakeConn) error {
		tried = append(tried, r)
		return errors.New("fake: connection reset after sending")
	})
	require.ErrorIs(t, err, multiregion.ErrOutcomeUnknown)
	assert.Equal(t, []multiregion.Region{usw2}, tried, "a write of unknown outcome was replayed")
	_, err = rt.Write(ctx, "fake.Incr", route.Write, "", func(_ context.Context, r multiregion.Region, _ *fakeConn) error {
		tried = append(tried, r)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, euw1, tried[len(tried)-1], "the failed write did not reload the topology for the next one")
}

// TestRouterPickReadHandsOutTheClient: PickRead returns the nearest
// reader's client without a call and without a latency sample (nothing
// went over the network), honors a pin, and fails after Close.
func TestRouterPickReadHandsOutTheClient(t *testing.T) {
	e := newEnv(t)
	rt, st := newRouter(t, e)
	ctx := testCtx(t)
	st.Observe(usw2, 50*time.Millisecond, nil)
	before, _ := st.Status().Region(usw2)
	r, c, err := rt.PickRead(ctx, "fake.Reader", usw2, multiregion.ResolvedRead{})
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, usw2, c.Region, "the region's own client")
	after, _ := st.Status().Region(usw2)
	assert.Equal(t, before.Latency, after.Latency, "no latency sample for a pick")

	r, c, err = rt.PickRead(ctx, "fake.Reader", "", multiregion.ResolvedRead{})
	require.NoError(t, err)
	assert.Equal(t, r, c.Region)
	require.NoError(t, e.kit.Close())
	_, _, err = rt.PickRead(ctx, "fake.Reader", "", multiregion.ResolvedRead{})
	assert.ErrorIs(t, err, multiregion.ErrClosed)
}

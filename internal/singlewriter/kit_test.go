package singlewriter_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	sw "github.com/regionkit/multiregion/internal/singlewriter"
)

// TestCheckWrite: a write anywhere but the writer is a WriteRegionError
// naming store, op, region and writer; the writer passes.
func TestCheckWrite(t *testing.T) {
	e := newEnv(t)
	assert.NoError(t, e.kit.CheckWrite("cache.Set", use1))
	for _, r := range []multiregion.Region{usw2, euw1, aps1, ""} {
		err := e.kit.CheckWrite("cache.Set", r)
		assert.ErrorIs(t, err, multiregion.ErrWriteRegion, "region %q", r)
		var we *multiregion.WriteRegionError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, multiregion.WriteRegionError{Store: "cache sessions", Op: "cache.Set", Region: r, Writer: use1}, *we)
	}
	assert.Zero(t, e.conns.Connects(""), "CheckWrite does no I/O")
	assert.Equal(t, 1, e.store.Calls())
}

// TestReadersLagFilter: replicas over MaxLag are no read candidates, the
// writer always is, unknown lag counts as within, MaxLag 0 admits all.
func TestReadersLagFilter(t *testing.T) {
	cases := []struct {
		name   string
		maxLag time.Duration
		lags   map[multiregion.Region]time.Duration // -1: unknown
		want   []multiregion.Region
	}{
		{"no bound", 0, map[multiregion.Region]time.Duration{usw2: time.Hour, euw1: time.Hour}, []multiregion.Region{use1, usw2, euw1}},
		{"one replica over", time.Second, map[multiregion.Region]time.Duration{usw2: 2 * time.Second, euw1: time.Second}, []multiregion.Region{use1, euw1}},
		{"all replicas over", time.Second, map[multiregion.Region]time.Duration{usw2: 2 * time.Second, euw1: time.Minute}, []multiregion.Region{use1}},
		{"unknown lag is within", time.Second, map[multiregion.Region]time.Duration{usw2: -1, euw1: time.Minute}, []multiregion.Region{use1, usw2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *sw.Options) { o.MaxLag = c.maxLag })
			for r, d := range c.lags {
				if d < 0 { // unknown: whatever stale figure the Source left in Lag is ignored
					e.store.SetLag(r, time.Hour, false)
				} else {
					e.store.SetLag(r, d, true)
				}
			}
			require.NoError(t, e.kit.Refresh(testCtx(t)))
			assert.Equal(t, set(t, e.mr, c.want...), e.kit.Readers())
			assert.Equal(t, set(t, e.mr, use1), e.kit.WriterSet())
			r, err := e.mr.Pick(e.kit.Readers())
			require.NoError(t, err)
			assert.Contains(t, c.want, r)
		})
	}
}

// TestReadersFollowLag: a replica that catches up is a candidate again.
func TestReadersFollowLag(t *testing.T) {
	e := newEnv(t, func(o *sw.Options) { o.MaxLag = time.Second })
	ctx := testCtx(t)
	assert.Equal(t, set(t, e.mr, use1, usw2, euw1), e.kit.Readers())
	e.store.SetLag(usw2, 5*time.Second, true)
	require.NoError(t, e.kit.Refresh(ctx))
	assert.Equal(t, set(t, e.mr, use1, euw1), e.kit.Readers())
	e.store.SetLag(usw2, 10*time.Millisecond, true)
	require.NoError(t, e.kit.Refresh(ctx))
	assert.Equal(t, set(t, e.mr, use1, usw2, euw1), e.kit.Readers())
}

// TestAfterClose: every method of a closed kit fails with ErrClosed (the
// data accessors keep the last snapshot); Close is idempotent.
func TestAfterClose(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	_, err := e.kit.Client(ctx, use1)
	require.NoError(t, err)
	readers := e.kit.Readers()

	require.NoError(t, e.kit.Close())
	require.NoError(t, e.kit.Close())
	closes, dup := e.conns.Closes()
	assert.Equal(t, 1, closes)
	assert.Zero(t, dup)

	assert.ErrorIs(t, e.kit.Refresh(ctx), multiregion.ErrClosed)
	top, moved, err := e.kit.WriterMoved(ctx, 1)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.False(t, moved)
	assert.NotNil(t, top)
	_, err = e.kit.Client(ctx, use1)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.ErrorIs(t, e.kit.CheckWrite("cache.Set", use1), multiregion.ErrClosed)
	assert.ErrorIs(t, e.kit.Err(), multiregion.ErrClosed)
	assert.True(t, e.kit.Status().Closed)
	assert.Equal(t, use1, e.kit.Topology().Writer)
	assert.Equal(t, readers, e.kit.Readers())
	assert.Equal(t, 1, e.store.Calls(), "no load after Close")
}

// TestCloseDuringLoad: Close cancels a running load; its waiters return.
func TestCloseDuringLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		release := e.store.Block()
		defer release()
		got := make(chan error, 1)
		go func() { got <- e.kit.Refresh(context.Background()) }()
		synctest.Wait()
		require.NoError(t, e.kit.Close())
		assert.ErrorIs(t, <-got, multiregion.ErrClosed)
		assert.ErrorIs(t, e.store.CtxErrs()[1], context.Canceled, "Close cancels the load")
	})
}

// TestDoneClosesKit: closing Options.Done closes the kit as Close would.
func TestDoneClosesKit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		done := make(chan struct{})
		e := newEnv(t, func(o *sw.Options) { o.Done = done })
		c, err := e.kit.Client(context.Background(), usw2)
		require.NoError(t, err)
		require.NoError(t, e.kit.Err())
		close(done)
		synctest.Wait()
		assert.ErrorIs(t, e.kit.Err(), multiregion.ErrClosed)
		assert.ErrorIs(t, e.kit.Refresh(context.Background()), multiregion.ErrClosed)
		assert.True(t, c.IsClosed())
		assert.NoError(t, e.kit.Close())
		_, dup := e.conns.Closes()
		assert.Zero(t, dup)
	})
}

// TestStaticSourceCopies: Static copies its topology, so the caller's later
// changes do not leak into the kit, and the kit's snapshot is its own.
func TestStaticSourceCopies(t *testing.T) {
	top := good()
	src := sw.Static(top)
	top.Members[0].Endpoint = "changed:1"
	kit, err := sw.New(testCtx(t), newMR(t), src, noConnect, nil, elasticache)
	require.NoError(t, err)
	defer kit.Close()
	m, _ := kit.Topology().Member(use1)
	assert.Equal(t, "us-east-1.cache.example:6379", m.Endpoint)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.LoadTopology(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

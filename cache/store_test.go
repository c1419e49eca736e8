package cache_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
)

func TestTypedHelpers(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store()
	ctx := testCtx(t)

	require.NoError(t, s.Set(ctx, "k", "v", time.Minute))
	assert.True(t, e.reg[use1].m.Exists("k"), "Set did not reach the primary")
	v, r, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
	assert.Equal(t, use1, r, "the network view ranks us-east-1 first")
	assert.Equal(t, time.Minute, e.reg[use1].m.TTL("k"))

	_, _, err = s.Get(ctx, "missing")
	assert.ErrorIs(t, err, cache.ErrNotFound)
	assert.ErrorIs(t, err, redis.Nil, "ErrNotFound matches redis.Nil too")

	ok, err := s.SetNX(ctx, "k", "other", 0)
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = s.SetNX(ctx, "nx", "1", 0)
	require.NoError(t, err)
	assert.True(t, ok)

	n, err := s.Incr(ctx, "ctr")
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	n, err = s.IncrBy(ctx, "ctr", 41)
	require.NoError(t, err)
	assert.EqualValues(t, 42, n)

	vals, _, err := s.MGet(ctx, "k", "missing", "ctr")
	require.NoError(t, err)
	assert.Equal(t, []any{"v", nil, "42"}, vals)

	ok, err = s.Expire(ctx, "ctr", time.Hour)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, time.Hour, e.reg[use1].m.TTL("ctr"))

	added, err := s.HSet(ctx, "h", "a", "1", "b", "2")
	require.NoError(t, err)
	assert.EqualValues(t, 2, added)
	hv, _, err := s.HGet(ctx, "h", "b")
	require.NoError(t, err)
	assert.Equal(t, "2", hv)
	_, _, err = s.HGet(ctx, "h", "zz")
	assert.ErrorIs(t, err, cache.ErrNotFound)

	del, err := s.Del(ctx, "k", "nx", "missing")
	require.NoError(t, err)
	assert.EqualValues(t, 2, del)

	// A server reply that is the caller's fault comes back as it is and
	// leaves the region healthy.
	_, err = s.Incr(ctx, "h")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WRONGTYPE")
	st, _ := e.mr.Status().Store(s.Name())
	rs, _ := st.Region(use1)
	assert.True(t, rs.Healthy)
	assert.Zero(t, rs.ConsecutiveFailures)
}

func TestReadsGoToTheNearestRegionAndFailOver(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store()
	ctx := testCtx(t)
	for _, f := range e.reg {
		f.m.Set("k", "from "+string(f.region))
	}
	e.setRTT(euw1, time.Millisecond) // eu-west-1 is now the nearest
	v, r, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, euw1, r)
	assert.Equal(t, "from eu-west-1", v)

	c, rr, err := s.Reader(ctx)
	require.NoError(t, err)
	assert.Equal(t, euw1, rr)
	got, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "from eu-west-1", got)

	e.reg[euw1].m.Close() // the region goes down: connection refused
	for i := 0; i < 5; i++ {
		_, r, err = s.Get(ctx, "k")
		require.NoError(t, err, "a read failed instead of failing over")
		assert.NotEqual(t, euw1, r)
	}
	// One failed attempt: the store ranks the failed region last from then on,
	// so no read after the first even tries it.
	st, _ := e.mr.Status().Store(s.Name())
	rs, _ := st.Region(euw1)
	assert.Equal(t, 1, rs.ConsecutiveFailures)
	c, rr, err = s.Reader(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, euw1, rr)
	assert.NoError(t, c.Ping(ctx).Err())
}

func TestInRefusesWritesOutsideThePrimaryBeforeTheNetwork(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store()
	ctx := testCtx(t)
	e.reg[usw2].m.Set("k", "replica value")
	before := e.reg[usw2].commands.Load()

	err := s.In(usw2).Set(ctx, "k", "v", 0)
	var we *multiregion.WriteRegionError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, usw2, we.Region)
	assert.Equal(t, use1, we.Writer)
	assert.ErrorIs(t, err, multiregion.ErrWriteRegion)
	_, err = s.In(usw2).Incr(ctx, "n")
	assert.ErrorIs(t, err, multiregion.ErrWriteRegion)
	_, _, err = s.In(usw2).Pipelined(ctx, func(p redis.Pipeliner) error { p.Set(ctx, "a", "b", 0); return nil })
	assert.ErrorIs(t, err, multiregion.ErrWriteRegion)
	assert.Equal(t, before, e.reg[usw2].commands.Load(), "a refused write reached the replica")

	v, r, err := s.In(usw2).Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, "replica value", v)
	require.NoError(t, s.In(use1).Set(ctx, "k", "v", 0))
	assert.Equal(t, usw2, s.In(usw2).Region())

	_, _, err = s.In(aps1).Get(ctx, "k")
	assert.Error(t, err, "a region that is not a member served")
}

func TestPipelinedRoutesByCommands(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store()
	ctx := testCtx(t)
	e.setRTT(usw2, time.Millisecond)
	e.reg[usw2].m.Set("a", "1")

	cmds, r, err := s.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "a")
		p.Exists(ctx, "a")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, usw2, r, "a read-only pipeline did not go to the nearest reader")
	require.Len(t, cmds, 2)
	assert.Equal(t, "1", cmds[0].(*redis.StringCmd).Val())

	cmds, r, err = s.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "a")
		p.Incr(ctx, "n")
		return nil
	})
	assert.ErrorIs(t, err, redis.Nil, "as go-redis: the first command error, a miss on the primary")
	assert.Equal(t, use1, r, "a write pipeline did not go to the primary")
	assert.EqualValues(t, 1, cmds[1].(*redis.IntCmd).Val())

	cmds, _, err = s.Pipelined(ctx, func(redis.Pipeliner) error { return nil })
	assert.NoError(t, err)
	assert.Empty(t, cmds)
	boom := errors.New("boom")
	_, _, err = s.Pipelined(ctx, func(redis.Pipeliner) error { return boom })
	assert.ErrorIs(t, err, boom)
}

func TestReadOnlyCommand(t *testing.T) {
	for _, c := range []string{"get", "GET", "mget", "hgetall", "ttl", "exists", "zrange"} {
		assert.True(t, cache.ReadOnlyCommand(c), c)
	}
	for _, c := range []string{"set", "incr", "del", "eval", "hset", "expire", "flushall", "unknowncmd"} {
		assert.False(t, cache.ReadOnlyCommand(c), c)
	}
}

func TestClusterModeBuildsClusterClients(t *testing.T) {
	e := newEnv(t, use1, false)
	st := e.static(use1)
	st.ClusterMode = true
	s := e.store(func(o *cache.Options) { o.Static = st })
	ctx := testCtx(t)
	assert.True(t, s.ClusterMode())
	w, err := s.Writer(ctx)
	require.NoError(t, err)
	_, ok := w.(*redis.ClusterClient)
	assert.True(t, ok, "cluster mode enabled but the client is %T", w)
	require.NoError(t, s.Set(ctx, "{u}k", "v", 0))
	v, _, err := s.In(use1).Get(ctx, "{u}k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)

	plain := newEnv(t, use1, false).store()
	w, err = plain.Writer(ctx)
	require.NoError(t, err)
	_, ok = w.(*redis.Client)
	assert.True(t, ok, "cluster mode disabled but the client is %T", w)
}

// blackHole accepts connections and never answers: a region whose requests
// time out after they were sent.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

func TestTimeoutOfANonIdempotentWriteIsNotReplayed(t *testing.T) {
	e := newEnv(t, use1, false)
	st := e.static(use1)
	st.Addrs[use1] = blackHole(t)
	s := e.store(func(o *cache.Options) {
		o.Static = st
		o.ReadTimeout = 100 * time.Millisecond
		o.WriteTimeout = 100 * time.Millisecond
	})
	ctx := testCtx(t)
	_, err := s.Incr(ctx, "n")
	var re *multiregion.RegionError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.OutcomeUnknown, "a timed-out INCR was not reported as unknown: %v", err)
	assert.ErrorIs(t, err, multiregion.ErrOutcomeUnknown)
	assert.Equal(t, use1, re.Region)

	// A read times out too, and fails over to a replica.
	e.reg[usw2].m.Set("k", "v")
	v, r, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", v)
	assert.NotEqual(t, use1, r)
}

package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/internal/singlewriter"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestControlPlaneTopology(t *testing.T) {
	e := newEnv(t, usw2, true)
	s := e.store()
	assert.Equal(t, usw2, s.Primary())
	assert.Equal(t, regions3, s.Regions())
	assert.False(t, s.ClusterMode())
	assert.Equal(t, "cache:ldgnf-sessions", s.Name())
	ec := e.lab.ElastiCache()
	assert.Equal(t, 1, ec.Calls("DescribeGlobalReplicationGroups"))
	assert.Equal(t, 3, ec.Calls("DescribeReplicationGroups"), "one per member, in its region")

	ctx := testCtx(t)
	require.NoError(t, s.Set(ctx, "k", "v", 0))
	assert.True(t, e.reg[usw2].m.Exists("k"), "the write did not go to the control plane's primary")
	st, ok := e.mr.Status().Store(s.Name())
	require.True(t, ok)
	require.NotNil(t, st.Topology)
	assert.Equal(t, usw2, st.Topology.Writer)
	assert.Equal(t, multiregion.ElastiCacheGlobal, st.Kind)
}

func TestControlPlaneRefusals(t *testing.T) {
	t.Run("cluster mode differs between regions", func(t *testing.T) {
		e := newEnv(t, use1, true)
		e.lab.ElastiCache().SetClusterMode(string(euw1), true)
		_, err := cache.New(testCtx(t), e.mr, func(o *cache.Options) { o.GlobalReplicationGroupID = "ldgnf-sessions" })
		require.ErrorIs(t, err, cache.ErrInvalidTopology)
		assert.Contains(t, err.Error(), "cluster mode differs")
	})
	t.Run("unknown group", func(t *testing.T) {
		e := newEnv(t, use1, true)
		_, err := cache.New(testCtx(t), e.mr, func(o *cache.Options) { o.GlobalReplicationGroupID = "nope" })
		require.Error(t, err)
		assert.Contains(t, err.Error(), "GlobalReplicationGroupNotFoundFault")
	})
	t.Run("a member without an endpoint", func(t *testing.T) {
		e := newEnv(t, use1, true)
		e.lab.ElastiCache().SetEndpoint(string(euw1), "")
		_, err := cache.New(testCtx(t), e.mr, func(o *cache.Options) { o.GlobalReplicationGroupID = "ldgnf-sessions" })
		require.ErrorIs(t, err, cache.ErrInvalidTopology)
	})
	t.Run("more than 1 + 2 regions", func(t *testing.T) {
		four := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"}
		lab := multiregiontest.Start(t, four, multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
			o.Endpoints = map[string]string{}
			for _, r := range four {
				o.Endpoints[r] = "127.0.0.1:1"
			}
		}))
		mr, err := multiregion.New(context.Background(), lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
		require.NoError(t, err)
		t.Cleanup(func() { _ = mr.Close() })
		_, err = cache.New(testCtx(t), mr, func(o *cache.Options) { o.GlobalReplicationGroupID = lab.ElastiCache().GlobalReplicationGroupID() })
		require.ErrorIs(t, err, multiregion.ErrTooManyRegions)
	})
}

func TestReadOnlyRefreshesAndRetriesOnTheNewPrimary(t *testing.T) {
	e := newEnv(t, use1, true)
	s := e.store()
	ctx := testCtx(t)
	require.NoError(t, s.Set(ctx, "k", "1", 0))

	// A failover the Store has not seen: us-west-2 is the primary now.
	e.reg[use1].replica.Store(true)
	e.reg[usw2].replica.Store(false)
	e.lab.ElastiCache().SetPrimary(string(usw2))
	loads := e.lab.ElastiCache().Calls("DescribeGlobalReplicationGroups")

	n, err := s.Incr(ctx, "ctr")
	require.NoError(t, err, "the refused write was not retried on the new primary")
	assert.EqualValues(t, 1, n)
	assert.Equal(t, usw2, s.Primary())
	assert.Equal(t, "1", mustGet(t, e.reg[usw2], "ctr"))
	assert.False(t, e.reg[use1].m.Exists("ctr"))
	assert.Greater(t, e.lab.ElastiCache().Calls("DescribeGlobalReplicationGroups"), loads, "no refresh after READONLY")

	// A raw client of a region that became a replica: a typed error, and a
	// refresh in the background.
	e.reg[usw2].replica.Store(true)
	e.reg[euw1].replica.Store(false)
	e.lab.ElastiCache().SetPrimary(string(euw1))
	w, err := s.Writer(ctx)
	require.NoError(t, err)
	err = w.Set(ctx, "raw", "x", 0).Err()
	var ro *cache.ReadOnlyError
	require.ErrorAs(t, err, &ro)
	assert.Equal(t, usw2, ro.Region)
	assert.ErrorIs(t, err, cache.ErrReadOnly)
	assert.True(t, redis.IsReadOnlyError(err), "the server's reply stays reachable")
	eventually(t, "the background refresh", func() bool { return s.Primary() == euw1 })

	// Refused everywhere (the control plane still says us-west-2... here,
	// says eu-west-1 but it refuses too): one retry, then the one shape.
	e.reg[euw1].replica.Store(true)
	_, err = s.Incr(ctx, "ctr")
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	require.ErrorAs(t, err, &ro)
}

func mustGet(t *testing.T, f *fakeRegion, key string) string {
	t.Helper()
	v, err := f.m.Get(key)
	require.NoError(t, err)
	return v
}

func TestFailoverMovesWritesWithoutARestart(t *testing.T) {
	var hookFrom, hookTo string
	var e *env
	e = newEnv(t, use1, true, func(o *multiregiontest.ElastiCacheOptions) {
		o.OnFailover = func(_ context.Context, from, to string) error {
			hookFrom, hookTo = from, to
			e.reg[multiregion.Region(from)].replica.Store(true)
			e.reg[multiregion.Region(to)].replica.Store(false)
			return nil
		}
	})
	s := e.store()
	ctx := testCtx(t)
	require.NoError(t, s.Set(ctx, "before", "1", 0))
	require.NoError(t, s.Failover(ctx, euw1))
	assert.Equal(t, "us-east-1", hookFrom)
	assert.Equal(t, "eu-west-1", hookTo)
	fo := e.lab.ElastiCache().Failovers()
	require.Len(t, fo, 1)
	assert.Equal(t, e.lab.ElastiCache().ReplicationGroupID("eu-west-1"), fo[0].ReplicationGroupID)
	assert.Equal(t, euw1, s.Primary())
	require.NoError(t, s.Set(ctx, "after", "1", 0))
	assert.True(t, e.reg[euw1].m.Exists("after"))
	assert.NoError(t, s.Failover(ctx, euw1), "failing over to the primary is a no-op")

	err := s.Failover(ctx, aps1)
	assert.ErrorIs(t, err, cache.ErrInvalidInput)

	st := newEnv(t, use1, false).store()
	assert.ErrorIs(t, st.Failover(ctx, usw2), cache.ErrInvalidInput, "a static topology failed over")
}

func TestFailoverUnderConcurrentWrites(t *testing.T) {
	var e *env
	e = newEnv(t, use1, true, func(o *multiregiontest.ElastiCacheOptions) {
		o.OnFailover = func(_ context.Context, from, to string) error {
			e.reg[multiregion.Region(from)].replica.Store(true)
			e.reg[multiregion.Region(to)].replica.Store(false)
			return nil
		}
	})
	s := e.store()
	ctx := testCtx(t)
	const workers = 8
	var stop atomic.Bool
	var wg sync.WaitGroup
	fails := make([]int, workers)
	oks := make([]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if _, err := s.Incr(ctx, fmt.Sprintf("w%d", w)); err != nil {
					fails[w]++
				} else {
					oks[w]++
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, s.Failover(ctx, usw2))
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	for w := range workers {
		assert.LessOrEqual(t, fails[w], 1, "worker %d failed %d calls", w, fails[w])
		assert.Positive(t, oks[w])
	}
	t.Logf("FIGURE failover under 8 writers: failed calls per worker %v, successful %v", fails, oks)
	assert.Equal(t, usw2, s.Primary())
}

func TestLagSkipsLaggingReplicas(t *testing.T) {
	e := newEnv(t, use1, false)
	e.setRTT(usw2, time.Millisecond) // us-west-2 would serve reads
	e.reg[use1].setInfo("master", 1000, true)
	e.reg[usw2].setInfo("slave", 1000, true)
	e.reg[euw1].setInfo("slave", 1000, true)
	s := e.store(func(o *cache.Options) {
		o.LagInterval = 10 * time.Millisecond
		o.MaxLag = 100 * time.Millisecond
	})
	ctx := testCtx(t)
	eventually(t, "lag known", func() bool { _, ok := s.Lag(usw2); return ok })
	_, r, err := s.Reader(ctx)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)

	// The primary moves on; us-west-2 stops applying (its link is down).
	e.reg[use1].setInfo("master", 5000, true)
	e.reg[usw2].setInfo("slave", 1000, false)
	e.reg[euw1].setInfo("slave", 5000, true)
	eventually(t, "us-west-2 skipped", func() bool {
		_, r, err := s.Reader(ctx)
		return err == nil && r != usw2
	})
	lag, ok := s.Lag(usw2)
	assert.True(t, ok)
	assert.Greater(t, lag, 100*time.Millisecond)
	for range 5 {
		_, r, err := s.Get(ctx, "missing")
		assert.ErrorIs(t, err, cache.ErrNotFound)
		assert.NotEqual(t, usw2, r)
	}

	// It catches up: back in.
	e.reg[usw2].setInfo("slave", 5000, true)
	eventually(t, "us-west-2 back", func() bool {
		_, r, err := s.Reader(ctx)
		return err == nil && r == usw2
	})
}

func TestStaticRefusals(t *testing.T) {
	e := newEnv(t, use1, false)
	ctx := testCtx(t)
	cases := map[string]struct {
		fn   func(*cache.Options)
		want error
	}{
		"neither":         {func(o *cache.Options) {}, multiregion.ErrInvalidOptions},
		"both":            {func(o *cache.Options) { o.GlobalReplicationGroupID = "x"; o.Static = e.static(use1) }, multiregion.ErrInvalidOptions},
		"no primary":      {func(o *cache.Options) { o.Static = e.static(""); o.Static.Primary = "" }, multiregion.ErrWriterRequired},
		"unknown primary": {func(o *cache.Options) { o.Static = e.static(aps1) }, multiregion.ErrWriterNotListed},
		"four regions": {func(o *cache.Options) {
			o.Static = e.static(use1)
			o.Static.Addrs[aps1] = "127.0.0.1:1"
		}, multiregion.ErrTooManyRegions},
		"region not on the Client": {func(o *cache.Options) {
			o.Static = &cache.Static{Primary: use1, Addrs: map[multiregion.Region]string{use1: "127.0.0.1:1", aps1: "127.0.0.1:2"}}
		}, singlewriter.ErrInvalidTopology},
		"bad address":      {func(o *cache.Options) { o.Static = e.static(use1); o.Static.Addrs[usw2] = "no-port" }, cache.ErrInvalidTopology},
		"negative timeout": {func(o *cache.Options) { o.Static = e.static(use1); o.ReadTimeout = -1 }, multiregion.ErrInvalidOptions},
		"bad protocol":     {func(o *cache.Options) { o.Static = e.static(use1); o.Protocol = 4 }, multiregion.ErrInvalidOptions},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := cache.New(ctx, e.mr, c.fn)
			require.ErrorIs(t, err, c.want)
			assert.Nil(t, s)
		})
	}
	_, err := cache.New(ctx, nil)
	assert.ErrorIs(t, err, cache.ErrInvalidInput)
	var nilCtx context.Context // a nil context on purpose
	_, err = cache.New(nilCtx, e.mr, func(o *cache.Options) { o.Static = e.static(use1) })
	assert.ErrorIs(t, err, cache.ErrInvalidInput)
}

func TestBadInputIsTypedAndSendsNothing(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store()
	ctx := testCtx(t)
	before := e.reg[use1].commands.Load()
	var errs []error
	_, _, err := s.Get(ctx, "")
	errs = append(errs, err)
	errs = append(errs, s.Set(ctx, "", "v", 0), s.Set(ctx, "k", nil, 0), s.Set(ctx, "k", "v", -time.Second))
	_, err = s.SetNX(ctx, "k", nil, 0)
	errs = append(errs, err)
	_, err = s.Del(ctx)
	errs = append(errs, err)
	_, err = s.Del(ctx, "a", "")
	errs = append(errs, err)
	_, err = s.Incr(ctx, "")
	errs = append(errs, err)
	_, err = s.Expire(ctx, "k", 0)
	errs = append(errs, err)
	_, err = s.HSet(ctx, "h")
	errs = append(errs, err)
	_, err = s.HSet(ctx, "h", "f", nil)
	errs = append(errs, err)
	_, _, err = s.HGet(ctx, "", "f")
	errs = append(errs, err)
	_, _, err = s.MGet(ctx)
	errs = append(errs, err)
	_, _, err = s.Pipelined(ctx, nil)
	errs = append(errs, err)
	var nilCtx context.Context // a nil context on purpose
	_, _, err = s.Get(nilCtx, "k")
	errs = append(errs, err)
	for i, err := range errs {
		var in *cache.InputError
		assert.ErrorAs(t, err, &in, "case %d: %v", i, err)
		assert.ErrorIs(t, err, cache.ErrInvalidInput, "case %d", i)
	}
	assert.Equal(t, before, e.reg[use1].commands.Load(), "bad input reached the server")
}

func TestClosed(t *testing.T) {
	check := func(t *testing.T, s *cache.Store) {
		ctx := testCtx(t)
		_, _, err := s.Get(ctx, "k")
		assert.ErrorIs(t, err, multiregion.ErrClosed)
		assert.ErrorIs(t, s.Set(ctx, "k", "v", 0), multiregion.ErrClosed)
		_, err = s.Incr(ctx, "k")
		assert.ErrorIs(t, err, multiregion.ErrClosed)
		_, err = s.Writer(ctx)
		assert.ErrorIs(t, err, multiregion.ErrClosed)
		_, _, err = s.Reader(ctx)
		assert.ErrorIs(t, err, multiregion.ErrClosed)
		_, _, err = s.Pipelined(ctx, func(p redis.Pipeliner) error { p.Get(ctx, "k"); return nil })
		assert.ErrorIs(t, err, multiregion.ErrClosed)
		assert.ErrorIs(t, s.Refresh(ctx), multiregion.ErrClosed)
		assert.ErrorIs(t, s.Failover(ctx, usw2), multiregion.ErrClosed)
		assert.ErrorIs(t, s.In(use1).Set(ctx, "k", "v", 0), multiregion.ErrClosed)
		assert.ErrorIs(t, s.Refresh(ctx), cache.ErrClosed)
	}
	t.Run("Store.Close", func(t *testing.T) {
		e := newEnv(t, use1, false)
		s := e.store(func(o *cache.Options) { o.LagInterval = 5 * time.Millisecond })
		w, err := s.Writer(testCtx(t))
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close(), "Close is idempotent")
		assert.ErrorIs(t, w.Ping(testCtx(t)).Err(), redis.ErrClosed, "the region's client was not closed")
		check(t, s)
	})
	t.Run("Client.Close", func(t *testing.T) {
		e := newEnv(t, use1, true)
		s := e.store(func(o *cache.Options) { o.LagInterval = 5 * time.Millisecond; o.RefreshInterval = time.Second })
		require.NoError(t, s.Set(testCtx(t), "k", "v", 0))
		require.NoError(t, e.mr.Close())
		eventually(t, "the store to close with its Client", func() bool {
			return errors.Is(s.Set(testCtx(t), "k", "v", 0), multiregion.ErrClosed)
		})
		check(t, s)
		_, err := cache.New(testCtx(t), e.mr, func(o *cache.Options) { o.Static = e.static(use1) })
		assert.ErrorIs(t, err, multiregion.ErrClosed)
	})
}

func TestProbePingsEveryRegion(t *testing.T) {
	e := newEnv(t, use1, false)
	s := e.store(func(o *cache.Options) { o.DisableProbe = false })
	st, err := e.mr.Store(s.Name())
	require.NoError(t, err)
	require.NoError(t, st.Refresh(testCtx(t)))
	for _, r := range regions3 {
		rs, ok := st.Status().Region(r)
		require.True(t, ok)
		assert.True(t, rs.Measured, "%s not probed", r)
	}
	e.reg[euw1].m.Close()
	for range 3 {
		_ = st.Refresh(testCtx(t))
	}
	rs, _ := st.Status().Region(euw1)
	assert.False(t, rs.Healthy, "a region whose PING fails stayed healthy")
}

func TestReadYourWrites(t *testing.T) {
	e := newEnv(t, use1, false)
	e.setRTT(usw2, time.Millisecond) // us-west-2 serves reads
	e.reg[use1].setInfo("master", 1000, true)
	e.reg[usw2].setInfo("slave", 1000, true)
	e.reg[euw1].setInfo("slave", 1000, true)
	s := e.store(func(o *cache.Options) {
		o.LagInterval = 10 * time.Millisecond
		o.ReadYourWrites = true
	})
	ctx := testCtx(t)
	_, r, _ := s.Get(ctx, "k")
	assert.Equal(t, usw2, r, "no write yet: the nearest replica")

	require.NoError(t, s.Set(ctx, "k", "v", 0))
	e.reg[use1].setInfo("master", 1100, true) // the write moved the primary's offset
	for range 5 {
		v, r, err := s.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, use1, r, "a replica behind the write served it")
		assert.Equal(t, "v", v)
		time.Sleep(15 * time.Millisecond)
	}
	e.reg[usw2].m.Set("k", "v") // replicated
	e.reg[usw2].setInfo("slave", 1100, true)
	eventually(t, "the caught-up replica to serve", func() bool {
		_, r, err := s.Get(ctx, "k")
		return err == nil && r == usw2
	})
	_, r, _ = s.In(euw1).Get(ctx, "k")
	assert.Equal(t, euw1, r, "a pinned read is not redirected")
}

//go:build integration

package cache_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/multiregiontest"
)

// realLab is the running lab (scripts/lab): redis-server primary in
// us-east-1, replicas in us-west-2 and eu-west-1, each behind Toxiproxy;
// the ElastiCache control plane is the multiregiontest mock, whose
// endpoints are the proxied servers and whose failover promotes them.
type realLab struct {
	t      *testing.T
	env    *lab.Env
	direct map[multiregion.Region]*redis.Client // bypassing the proxies
	ec     *multiregiontest.Lab
	mr     *multiregion.Client
}

func startRealLab(t *testing.T, controlPrimary string) *realLab {
	t.Helper()
	env, err := lab.Load()
	require.NoError(t, err, "start the lab first: scripts/lab up (or scripts/lab test ./cache/)")
	rl := &realLab{t: t, env: env, direct: map[multiregion.Region]*redis.Client{}}
	for _, name := range env.Regions() {
		r, err := env.Region(name)
		require.NoError(t, err)
		c := redis.NewClient(&redis.Options{Addr: r.Direct.Redis, MaxRetries: -1, DialTimeout: 2 * time.Second})
		rl.direct[multiregion.Region(name)] = c
	}
	// Registered first, so it runs last: after the stores and clients closed.
	t.Cleanup(rl.restore)
	rl.restoreRedis() // a previous run that died must not leave the lab moved

	endpoints := map[string]string{}
	opts := []multiregiontest.Option{}
	for _, name := range env.Regions() {
		r, _ := env.Region(name)
		endpoints[name] = r.Redis
		opts = append(opts, multiregiontest.WithLatency(name, r.RoundTrip()))
	}
	opts = append(opts, multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
		o.GlobalReplicationGroupID = "ldgnf-lab"
		o.Primary = controlPrimary
		o.Endpoints = endpoints
		o.OnFailover = func(ctx context.Context, from, to string) error { return rl.promote(ctx, to) }
	}))
	rl.ec = multiregiontest.Start(t, env.Regions(), opts...)
	mr, err := multiregion.New(context.Background(), rl.ec.Config(), rl.ec.Options(), func(o *multiregion.Options) {
		o.ProbeInterval = 100 * time.Millisecond
		o.ProbeTimeout = time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	require.NoError(t, mr.Refresh(testCtx(t)))
	rl.mr = mr
	return rl
}

// store opens the Global Datastore "ldgnf-lab" with its own PING probe.
func (rl *realLab) store(optFns ...func(*cache.Options)) *cache.Store {
	rl.t.Helper()
	base := func(o *cache.Options) {
		o.GlobalReplicationGroupID = "ldgnf-lab"
		o.LagInterval = 100 * time.Millisecond
		o.RefreshInterval = -1
	}
	s, err := cache.New(testCtx(rl.t), rl.mr, append([]func(*cache.Options){base}, optFns...)...)
	require.NoError(rl.t, err)
	rl.t.Cleanup(func() { _ = s.Close() })
	return s
}

// hostPort of the direct address of r's server.
func (rl *realLab) hostPort(r multiregion.Region) (string, string) {
	reg, err := rl.env.Region(string(r))
	require.NoError(rl.t, err)
	h, p, err := net.SplitHostPort(reg.Direct.Redis)
	require.NoError(rl.t, err)
	return h, p
}

// promote makes to the primary of the real servers, as a planned
// failover does: writes on the old primary paused (CLIENT PAUSE WRITE)
// until the target has its offset, then REPLICAOF NO ONE on the target,
// REPLICAOF it on the others, and the pause lifted (paused writes then
// reach a replica and get READONLY).
func (rl *realLab) promote(ctx context.Context, to string) error {
	target := multiregion.Region(to)
	var old multiregion.Region
	for r, c := range rl.direct {
		if role, err := c.Do(ctx, "ROLE").Slice(); err == nil && len(role) > 0 && role[0] == "master" && r != target {
			old = r
		}
	}
	if old != "" {
		if err := rl.direct[old].Do(ctx, "CLIENT", "PAUSE", "5000", "WRITE").Err(); err != nil {
			return err
		}
		defer rl.direct[old].Do(context.Background(), "CLIENT", "UNPAUSE")
		want := replOffset(ctx, rl.direct[old], "master_repl_offset")
		deadline := time.Now().Add(5 * time.Second)
		for replOffset(ctx, rl.direct[target], "slave_repl_offset") < want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	if err := rl.direct[target].Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		return err
	}
	h, p := rl.hostPort(target)
	for r, c := range rl.direct {
		if r == target {
			continue
		}
		if err := c.Do(ctx, "REPLICAOF", h, p).Err(); err != nil {
			return err
		}
	}
	return nil
}

// replOffset reads one offset field of INFO replication (-1 if absent).
func replOffset(ctx context.Context, c *redis.Client, field string) int64 {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// restoreRedis puts the servers back: the env's writer primary, the others
// replicating from it with their link up.
func (rl *realLab) restoreRedis() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	writer := multiregion.Region(rl.env.Writer)
	_ = rl.direct[writer].Do(ctx, "CLIENT", "UNPAUSE").Err()
	if err := rl.promote(ctx, string(writer)); err != nil {
		rl.t.Errorf("restoring the lab's replication: %v", err)
		return
	}
	for r, c := range rl.direct {
		if r == writer {
			continue
		}
		for {
			info, err := c.Info(ctx, "replication").Result()
			if err == nil && strings.Contains(info, "master_link_status:up") {
				break
			}
			if ctx.Err() != nil {
				rl.t.Errorf("restoring the lab: %s's link to %s not up: %v", r, writer, err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func (rl *realLab) restore() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rl.env.Reset(ctx); err != nil {
		rl.t.Errorf("restoring the lab's proxies: %v", err)
	}
	rl.restoreRedis()
	for _, c := range rl.direct {
		_ = c.Close()
	}
}

// waitReplicated waits until every replica has key = val.
func (rl *realLab) waitReplicated(ctx context.Context, key, val string) {
	rl.t.Helper()
	for r, c := range rl.direct {
		eventually(rl.t, fmt.Sprintf("%s replicated to %s", key, r), func() bool {
			v, err := c.Get(ctx, key).Result()
			return err == nil && v == val
		})
	}
}

func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()) }

func TestIntegrationReadsNearestAndFailOver(t *testing.T) {
	rl := startRealLab(t, "us-east-1")
	s := rl.store()
	ctx := testCtx(t)
	key, val := unique("it:read:"), "v"
	require.NoError(t, s.Set(ctx, key, val, time.Minute))
	rl.waitReplicated(ctx, key, val)

	// us-east-1 is 5 ms one way, the others 35 and 80: reads land there.
	_, r, err := s.Get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, use1, r)

	// Make eu-west-1 the nearest: once the store's PING probe saw it, reads
	// go there.
	require.NoError(t, rl.env.SetLatency(ctx, "eu-west-1", time.Millisecond))
	require.NoError(t, rl.env.SetLatency(ctx, "us-east-1", 40*time.Millisecond))
	eventually(t, "reads to move to eu-west-1", func() bool {
		_, r, err := s.Get(ctx, key)
		return err == nil && r == euw1
	})

	// eu-west-1 goes down: no read fails, they fail over.
	require.NoError(t, rl.env.Down(ctx, "eu-west-1"))
	var failed int
	served := map[multiregion.Region]int{}
	for range 50 {
		v, r, err := s.Get(ctx, key)
		if err != nil || v != val {
			failed++
			continue
		}
		served[r]++
	}
	t.Logf("FIGURE eu-west-1 down: 50 reads, %d failed, served by %v", failed, served)
	assert.Zero(t, failed, "reads failed instead of failing over")
	assert.Zero(t, served[euw1])
	require.NoError(t, rl.env.Up(ctx, "eu-west-1"))
}

func TestIntegrationWritesToAReplicaRegionRefusedBeforeTheNetwork(t *testing.T) {
	rl := startRealLab(t, "us-east-1")
	s := rl.store(func(o *cache.Options) { o.DisableProbe = true; o.LagInterval = -1 })
	ctx := testCtx(t)
	processed := func() int64 {
		info, err := rl.direct[usw2].Info(ctx, "stats").Result()
		require.NoError(t, err)
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "total_commands_processed:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		t.Fatal("no total_commands_processed")
		return 0
	}
	before := processed()
	err := s.In(usw2).Set(ctx, unique("it:w:"), "v", 0)
	var we *multiregion.WriteRegionError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, use1, we.Writer)
	_, err = s.In(usw2).Incr(ctx, unique("it:w:"))
	assert.ErrorIs(t, err, multiregion.ErrWriteRegion)
	assert.Equal(t, before+1, processed(), "a refused write reached the replica (only the INFO should count)")
}

func TestIntegrationReadOnlyReplyRefreshes(t *testing.T) {
	// The control plane is stale: it says us-west-2 is the primary, while
	// the real primary is us-east-1.
	rl := startRealLab(t, "us-west-2")
	s := rl.store(func(o *cache.Options) { o.DisableProbe = true })
	ctx := testCtx(t)
	require.Equal(t, usw2, s.Primary())

	// A raw client of that "primary" gets the real server's READONLY.
	w, err := s.Writer(ctx)
	require.NoError(t, err)
	err = w.Set(ctx, unique("it:ro:"), "v", 0).Err()
	var ro *cache.ReadOnlyError
	require.ErrorAs(t, err, &ro)
	assert.Equal(t, usw2, ro.Region)
	assert.True(t, redis.IsReadOnlyError(err))
	t.Logf("FIGURE real replica's reply: %v", err)

	// The control plane catches up; the next READONLY refreshes the
	// topology and the write is retried once on the real primary.
	calls := rl.ec.ElastiCache().Calls("DescribeGlobalReplicationGroups")
	rl.ec.ElastiCache().SetPrimary("us-east-1")
	key := unique("it:ro:")
	n, err := s.Incr(ctx, key)
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	assert.Equal(t, use1, s.Primary())
	assert.Greater(t, rl.ec.ElastiCache().Calls("DescribeGlobalReplicationGroups"), calls)
	v, err := rl.direct[use1].Get(ctx, key).Result()
	require.NoError(t, err)
	assert.Equal(t, "1", v)
}

func TestIntegrationFailoverUnderConcurrentWrites(t *testing.T) {
	rl := startRealLab(t, "us-east-1")
	s := rl.store(func(o *cache.Options) { o.DisableProbe = true })
	ctx := testCtx(t)
	const workers = 8
	prefix := unique("it:fo:")
	var stop atomic.Bool
	var wg sync.WaitGroup
	fails, oks := make([]int, workers), make([]int, workers)
	lastErr := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := s.Incr(ctx, fmt.Sprintf("%s%d", prefix, w)); err != nil {
					fails[w]++
					lastErr[w] = err
				} else {
					oks[w]++
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Failover(ctx, usw2))
	t.Logf("Failover returned after %v", time.Since(start))
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	t.Logf("FIGURE real failover under 8 writers: failed calls per worker %v, successful %v", fails, oks)
	for w := range workers {
		assert.LessOrEqual(t, fails[w], 1, "worker %d: %d failed calls, last: %v", w, fails[w], lastErr[w])
	}
	assert.Equal(t, usw2, s.Primary())
	role, err := rl.direct[usw2].Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	assert.Equal(t, "master", role[0])
	// Every successful INCR landed: the counters on the new primary add up
	// (the old primary's writes replicated to it before the switch).
	total, sum := 0, 0
	for _, n := range oks {
		sum += n
	}
	eventually(t, "counters on the new primary", func() bool {
		total = 0
		for w := range workers {
			n, err := rl.direct[usw2].Get(ctx, fmt.Sprintf("%s%d", prefix, w)).Int()
			if err != nil {
				return false
			}
			total += n
		}
		return total >= sum
	})
	// No INCR lost in the switch, none applied twice.
	assert.Equal(t, sum, total, "acknowledged INCRs vs the counters on the new primary")
	t.Logf("FIGURE acknowledged INCRs %d, counted on the new primary %d", sum, total)
}

func TestIntegrationLaggingReplicaSkipped(t *testing.T) {
	rl := startRealLab(t, "us-east-1")
	ctx := testCtx(t)
	// eu-west-1 nearest, so that it would serve reads.
	require.NoError(t, rl.env.SetLatency(ctx, "eu-west-1", time.Millisecond))
	require.NoError(t, rl.env.SetLatency(ctx, "us-east-1", 40*time.Millisecond))
	s := rl.store(func(o *cache.Options) { o.MaxLag = 500 * time.Millisecond })
	key := unique("it:lag:")
	require.NoError(t, s.Set(ctx, key, "v", time.Minute))
	rl.waitReplicated(ctx, key, "v")
	eventually(t, "reads on eu-west-1", func() bool {
		_, r, err := s.Get(ctx, key)
		return err == nil && r == euw1
	})

	// Cut eu-west-1's replication link: it follows a primary that does
	// not exist, keeps serving its stale data, and falls behind while the
	// primary takes writes.
	require.NoError(t, rl.direct[euw1].Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err())
	writes, stopWrites := context.WithCancel(ctx)
	defer stopWrites()
	go func() {
		for writes.Err() == nil {
			_ = s.Set(writes, key+":tick", time.Now().String(), time.Minute)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	eventually(t, "eu-west-1 lagging", func() bool {
		lag, known := s.Lag(euw1)
		return known && lag > 500*time.Millisecond
	})
	lag, known := s.Lag(euw1)
	t.Logf("FIGURE eu-west-1 link cut: measured lag %v (known %v), MaxLag 500ms", lag, known)
	assert.True(t, known)
	assert.Greater(t, lag, 500*time.Millisecond)
	for range 20 {
		_, r, err := s.Get(ctx, key)
		require.NoError(t, err)
		assert.NotEqual(t, euw1, r, "a replica beyond MaxLag served")
	}
	stopWrites()
	// Reconnect: it catches up and serves again.
	h, p := rl.hostPort(use1)
	require.NoError(t, rl.direct[euw1].Do(ctx, "REPLICAOF", h, p).Err())
	eventually(t, "eu-west-1 back", func() bool {
		_, r, err := s.Get(ctx, key)
		return err == nil && r == euw1
	})
}

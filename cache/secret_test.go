package cache_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/internal/testutil"
)

// No error text nor log line carries the AUTH password, whatever fails:
// a wrong password, a region down, a READONLY refusal, a failover, bad
// input, a closed store.
func TestNoErrorOrLogCarriesThePassword(t *testing.T) {
	const planted = "pl4nted-S3CRET-pw"
	e := newEnv(t, use1, true)
	for _, f := range e.reg {
		f.m.RequireUserAuth("app", "the-real-password")
	}
	logs := &testutil.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := e.store(func(o *cache.Options) {
		o.Username, o.Password = "app", planted
		o.Logger = logger
		o.LagInterval = 5 * time.Millisecond
		o.MaxLag = time.Second
		o.DisableProbe = false
	})
	ctx := testCtx(t)
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	_, _, err := s.Get(ctx, "k")
	add(err)
	add(s.Set(ctx, "k", "v", 0))
	_, err = s.Incr(ctx, "n")
	add(err)
	_, _, err = s.Pipelined(ctx, func(p redis.Pipeliner) error { p.Set(ctx, "a", "b", 0); return nil })
	add(err)
	w, err := s.Writer(ctx)
	require.NoError(t, err)
	add(w.Ping(ctx).Err())
	st, err := e.mr.Store(s.Name())
	require.NoError(t, err)
	add(st.Refresh(ctx))
	e.reg[euw1].m.Close()
	e.lab.ElastiCache().SetEndpoint(string(usw2), "")
	add(s.Refresh(ctx))
	add(s.Failover(ctx, aps1))
	add(s.Failover(ctx, euw1))
	_, _, err = s.In(euw1).Get(ctx, "k")
	add(err)
	add(s.In(usw2).Set(ctx, "k", "v", 0))
	add(s.Set(ctx, "", "v", 0))
	time.Sleep(30 * time.Millisecond) // a few lag rounds
	_, err = cache.New(ctx, e.mr, func(o *cache.Options) {
		o.Static = &cache.Static{Primary: use1, Addrs: map[multiregion.Region]string{use1: "127.0.0.1:1", usw2: "bad"}}
		o.Password = planted
	})
	add(err)
	require.NoError(t, s.Close())
	add(s.Set(ctx, "k", "v", 0))

	n := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		n++
		assert.NotContains(t, err.Error(), planted)
		t.Logf("error %d: %v", n, err)
	}
	assert.GreaterOrEqual(t, n, 10, "the test did not make enough things fail")
	st2 := e.mr.Status()
	for _, ss := range st2.Stores {
		for _, r := range ss.Regions {
			if r.LastError != nil {
				assert.NotContains(t, r.LastError.Error(), planted)
			}
		}
	}
	assert.False(t, strings.Contains(logs.String(), planted), "a log line carries the password")

}

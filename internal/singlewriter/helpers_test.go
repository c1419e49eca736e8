package singlewriter_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
	"github.com/regionkit/multiregion/multiregiontest"
)

// newMR returns a Client of us-east-1, us-west-2 and eu-west-1, without
// background probes, closed at cleanup.
func newMR(t testing.TB) *multiregion.Client {
	t.Helper()
	mr, err := multiregion.New(context.Background(), aws.Config{},
		multiregion.WithRegions(use1, usw2, euw1),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return mr
}

// env is a kit on a fake store with fake clients and a fake clock.
type env struct {
	mr    *multiregion.Client
	store *fakeStore
	conns *fakeConns
	clock *multiregiontest.FakeClock
	kit   *singlewriter.Kit[*fakeConn]
}

// newEnv builds a kit for an ElastiCache store written in us-east-1 with
// replicas in us-west-2 and eu-west-1, periodic refresh off unless an
// option turns it on; closed at cleanup.
func newEnv(t testing.TB, optFns ...func(*singlewriter.Options)) *env {
	t.Helper()
	e := &env{mr: newMR(t), store: newFakeStore(use1, use1, usw2, euw1), conns: newFakeConns(), clock: multiregiontest.NewFakeClock(t0)}
	base := func(o *singlewriter.Options) {
		o.Kind = multiregion.ElastiCacheGlobal
		o.Store = "cache sessions"
		o.RefreshInterval = -1
		o.Clock = e.clock
	}
	kit, err := singlewriter.New(testCtx(t), e.mr, e.store, e.conns.Connect, e.conns.Close,
		append([]func(*singlewriter.Options){base}, optFns...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = kit.Close() })
	e.kit = kit
	return e
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// set returns the RegionSet of regions on mr.
func set(t testing.TB, mr *multiregion.Client, regions ...multiregion.Region) multiregion.RegionSet {
	t.Helper()
	var s multiregion.RegionSet
	for _, r := range regions {
		i, err := mr.Index(r)
		require.NoError(t, err)
		s = s.With(i)
	}
	return s
}

// waitTimers fails the test unless n timers of the fake clock are pending
// within a few seconds.
func (e *env) waitTimers(t testing.TB, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, e.clock.WaitForTimers(ctx, n), "waiting for %d timers", n)
}

// waitClosed fails the test unless c is closed within a few seconds.
func waitClosed(t testing.TB, c *fakeConn) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(5 * time.Second):
		t.Fatalf("client %s #%d was not closed", c.Region, c.N)
	}
}

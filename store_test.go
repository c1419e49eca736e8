package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Tests of the Stores of a Client: each store's own health and latency,
// isolated from the other stores and from the network view.

// isolationLatency is what the network view's probes measure in the
// isolation tests: us-east-1 nearest.
var isolationLatency = map[multiregion.Region]time.Duration{
	use1: 10 * time.Millisecond,
	usw2: 20 * time.Millisecond,
	euw1: 30 * time.Millisecond,
}

func setLatencies(p *fakeProber, lat map[multiregion.Region]time.Duration) {
	for r, d := range lat {
		p.set(r, d, nil)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Three failures of store A in us-east-1 eject it for A only. Neither B's
// successes there nor the network view's successful probes readmit it for
// A, however long after; only A's own success does: its call, or its own
// probe, each after the ejection's backoff.
func TestStoreIsolation_Health(t *testing.T) {
	for _, tt := range []struct {
		name       string
		ownProbers bool // A and B probe with probers of their own
		byProbe    bool // A readmits by its own probe, not by a call
	}{
		{name: "without probers/readmitted by a call"},
		{name: "with probers/readmitted by a call", ownProbers: true},
		{name: "with probers/readmitted by its probe", ownProbers: true, byProbe: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			regions := []multiregion.Region{use1, usw2, euw1}
			c, p, clk := routerClient(t, regions)
			interval := c.Options().ProbeInterval
			setLatencies(p, isolationLatency)
			var pa *fakeProber
			var optA, optB []func(*multiregion.StoreOptions)
			if tt.ownProbers {
				pa = newFakeProber()
				pb := newFakeProber()
				setLatencies(pa, isolationLatency)
				setLatencies(pb, isolationLatency)
				optA = append(optA, withStoreProber(pa))
				optB = append(optB, withStoreProber(pb))
			}
			a := newNamedStore(t, c, "A", nil, optA...)
			b := newNamedStore(t, c, "B", nil, optB...)
			refresh(t, c)
			require.Equal(t, use1, mustNearest(t, c))
			require.Equal(t, use1, storePick(t, a))
			require.Equal(t, use1, storePick(t, b))
			require.Equal(t, tt.ownProbers, a.Status().OwnLatency)

			boom := &multiregion.RegionError{Region: use1, Op: "dynamo.Get", Err: errors.New("InternalServerError")}
			ejectA := func() {
				t.Helper()
				for range 3 {
					a.Observe(use1, 0, boom)
				}
			}
			ejectA()

			// Ejected for A ...
			assert.False(t, a.Healthy(use1))
			assert.Equal(t, usw2, storePick(t, a), "A moves to the next region")
			assert.Equal(t, []multiregion.Region{usw2, euw1, use1}, storeRankAll(t, a))
			s := storeStatus(t, a, use1)
			assert.False(t, s.Healthy)
			assert.Equal(t, 3, s.ConsecutiveFailures)
			assert.Equal(t, 1, s.Ejections)
			assert.Same(t, boom, s.LastError)
			// ... only.
			assert.True(t, b.Healthy(use1))
			assert.Equal(t, use1, storePick(t, b), "B still picks us-east-1")
			sb := storeStatus(t, b, use1)
			assert.True(t, sb.Healthy)
			assert.Zero(t, sb.ConsecutiveFailures)
			assert.NoError(t, sb.LastError)
			assert.True(t, c.Healthy(use1))
			assert.Equal(t, use1, mustNearest(t, c))
			assert.Zero(t, status(t, c, use1).ConsecutiveFailures)

			// aSucceeds is one success of A's own in us-east-1; othersSucceed
			// is B's successful calls and a round of successful network
			// probes (and B's), while A's own probe there keeps failing.
			aSucceeds := func() {
				t.Helper()
				if tt.byProbe {
					pa.set(use1, 10*time.Millisecond, nil)
					storeRefresh(t, a)
					pa.set(use1, 0, errProbe)
				} else {
					a.Observe(use1, 10*time.Millisecond, nil)
				}
			}
			othersSucceed := func() {
				t.Helper()
				if pa != nil {
					pa.set(use1, 0, errProbe)
				}
				for range 3 {
					b.Observe(use1, 10*time.Millisecond, nil)
				}
				refresh(t, c)
				require.True(t, c.Healthy(use1))
				require.True(t, b.Healthy(use1))
			}

			// However long after the ejection (past any backoff), B's and the
			// network view's successes do not readmit it for A.
			for range 3 {
				clk.Advance(c.Options().MaxEjection + time.Second)
				othersSucceed()
				assert.False(t, a.Healthy(use1), "readmitted for A by someone else's success")
				assert.Equal(t, usw2, storePick(t, a))
				assert.Equal(t, use1, storePick(t, b))
			}

			// A's own success does (first ejection: no wait).
			aSucceeds()
			assert.True(t, a.Healthy(use1), "A's own success readmits")
			assert.Equal(t, use1, storePick(t, a))
			assert.True(t, storeStatus(t, a, use1).Healthy)

			// A second ejection in the streak waits ProbeInterval: A's own
			// success does not readmit before the wait ends, B's and the
			// network's not even after it, A's own after it does.
			ejectA()
			require.False(t, a.Healthy(use1))
			require.Equal(t, 2, storeStatus(t, a, use1).Ejections)
			aSucceeds()
			assert.False(t, a.Healthy(use1), "readmitted at once, want a wait of %v", interval)
			clk.Advance(interval - time.Millisecond)
			aSucceeds()
			assert.False(t, a.Healthy(use1), "readmitted 1ms before the wait ended")
			clk.Advance(time.Millisecond)
			othersSucceed()
			assert.False(t, a.Healthy(use1), "readmitted for A by someone else's success after the wait")
			aSucceeds()
			assert.True(t, a.Healthy(use1), "A's own success readmits after the wait")
			assert.Equal(t, use1, storePick(t, a))
		})
	}
}

// A region the network view ejected stays healthy for every store. A store
// without a prober of its own treats it as suspect (ranked after the clean
// regions, still pickable), a store with one does not.
func TestStoreIsolation_NetworkEjectionIsOnlySuspect(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	setLatencies(p, isolationLatency)
	a := newNamedStore(t, c, "A", nil)
	// B has a prober of its own, but no sample of eu-west-1 (its probes
	// there are cut short, which is not counted): it ranks by the network
	// view's latencies.
	pb := newFakeProber()
	setLatencies(pb, isolationLatency)
	pb.set(euw1, 0, fmt.Errorf("dial: %w", context.Canceled))
	b := newNamedStore(t, c, "B", nil, withStoreProber(pb))
	refresh(t, c)
	p.set(use1, 0, errProbe)
	for range 3 {
		refresh(t, c)
	}
	require.False(t, c.Healthy(use1))
	require.Equal(t, usw2, mustNearest(t, c))
	require.False(t, storeStatus(t, b, euw1).Measured)
	require.False(t, b.Status().OwnLatency)

	only, err := c.Set(use1)
	require.NoError(t, err)
	for _, st := range []*multiregion.Store{a, b} {
		assert.True(t, st.Healthy(use1), st.Name())
		s := storeStatus(t, st, use1)
		assert.True(t, s.Healthy, st.Name())
		assert.Zero(t, s.ConsecutiveFailures, st.Name())
		assert.Zero(t, s.Ejections, st.Name())
		r, err := st.Pick(only)
		require.NoError(t, err, st.Name())
		assert.Equal(t, use1, r, "%s: not ejected, so still pickable", st.Name())
	}
	assert.Equal(t, []multiregion.Region{usw2, euw1, use1}, storeRankAll(t, a), "A: suspect, ranked after the clean ones")
	assert.Equal(t, usw2, storePick(t, a))
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, storeRankAll(t, b), "B: the network view's latencies, but its own probe says us-east-1 is fine")
	assert.Equal(t, use1, storePick(t, b))

	// The network view readmitting the region lifts the suspicion.
	p.set(use1, 10*time.Millisecond, nil)
	refresh(t, c)
	require.True(t, c.Healthy(use1))
	assert.Equal(t, use1, storePick(t, a))
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, storeRankAll(t, a))
}

// A store whose calls reach only one region, with instant fake answers,
// still ranks by the network view: it has no fresh sample of its own in
// every healthy region. Once it has, it ranks by them, until they are
// older than three probe intervals.
func TestStoreIsolation_Latency(t *testing.T) {
	c, p, clk := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	interval := c.Options().ProbeInterval
	setLatencies(p, isolationLatency)
	a := newNamedStore(t, c, "A", nil)
	b := newNamedStore(t, c, "B", nil)
	refresh(t, c)

	for range 20 {
		a.Observe(euw1, time.Microsecond, nil)
		clk.Advance(time.Second)
	}
	s := storeStatus(t, a, euw1)
	require.True(t, s.Measured)
	assert.Equal(t, time.Microsecond, s.Latency, "A keeps its own samples")
	assert.Equal(t, uint64(20), s.Samples)
	assert.False(t, a.Status().OwnLatency)
	assert.Equal(t, use1, storePick(t, a), "A ranks by the network view, not by its instant fakes")
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, storeRankAll(t, a))
	assert.Equal(t, use1, storePick(t, b))
	assert.Equal(t, 30*time.Millisecond, status(t, c, euw1).Latency, "the network view never sees a store's samples")
	assert.Equal(t, use1, mustNearest(t, c))

	// A fresh sample of its own in every region: A ranks by them.
	clk.Advance(time.Second)
	a.Observe(use1, 90*time.Millisecond, nil) // gaps well above the noise of one sample
	a.Observe(usw2, 40*time.Millisecond, nil)
	a.Observe(euw1, time.Microsecond, nil)
	assert.True(t, a.Status().OwnLatency)
	assert.Equal(t, euw1, storePick(t, a))
	assert.Equal(t, []multiregion.Region{euw1, usw2, use1}, storeRankAll(t, a))
	assert.Equal(t, use1, storePick(t, b), "B has no samples: the network view")
	assert.False(t, b.Status().OwnLatency)

	// Just inside three probe intervals: still its own.
	clk.Advance(3*interval - time.Millisecond)
	refresh(t, c) // a new network ranking: every store re-ranks
	assert.True(t, a.Status().OwnLatency)
	assert.Equal(t, euw1, storePick(t, a))
	// Past them: back to the network view.
	clk.Advance(2 * time.Millisecond)
	refresh(t, c)
	assert.False(t, a.Status().OwnLatency)
	assert.Equal(t, use1, storePick(t, a))
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, storeRankAll(t, a))
}

// A store with a prober of its own ranks by its own probes, whatever the
// network view says; before its first probe, by the network view.
func TestStoreIsolation_OwnProberRanksByItsOwn(t *testing.T) {
	// Preference order, the network view and the store's prober all disagree.
	c, p, _ := routerClient(t, []multiregion.Region{usw2, use1, euw1})
	setLatencies(p, isolationLatency) // nearest: us-east-1
	sp := newFakeProber()
	sp.set(use1, 90*time.Millisecond, nil) // gaps well above the noise of one sample
	sp.set(usw2, 40*time.Millisecond, nil)
	sp.set(euw1, 10*time.Millisecond, nil) // nearest: eu-west-1
	own := newNamedStore(t, c, "own", nil, withStoreProber(sp))
	calls := newNamedStore(t, c, "calls", nil)
	assert.Equal(t, usw2, storePick(t, own), "nothing measured: preference order")

	require.NoError(t, c.Refresh(context.Background()))
	assert.True(t, own.Status().OwnLatency)
	assert.Equal(t, euw1, storePick(t, own))
	assert.Equal(t, []multiregion.Region{euw1, usw2, use1}, storeRankAll(t, own))
	assert.Equal(t, 10*time.Millisecond, storeStatus(t, own, euw1).Latency)
	assert.Equal(t, 90*time.Millisecond, storeStatus(t, own, use1).Latency)
	assert.Equal(t, 30*time.Millisecond, status(t, c, euw1).Latency, "the store's probes never feed the network view")
	assert.Equal(t, use1, mustNearest(t, c))
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, rankAll(t, c))
	assert.Equal(t, use1, storePick(t, calls), "a store without a prober ranks by the network view")
	assert.False(t, calls.Status().OwnLatency)
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		assert.Equal(t, 1, sp.count(r), "one probe of the store per region and Refresh")
	}

	// Store.Refresh probes the store only.
	storeRefresh(t, own)
	assert.Equal(t, 2, sp.count(euw1))
	assert.Equal(t, 1, p.count(euw1))
	require.NoError(t, calls.Refresh(context.Background()), "a store without a prober has nothing to refresh")
}

// A store over a subset of the Client's regions never picks, ranks,
// reports or probes another region.
func TestStore_SubsetOfRegions(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	setLatencies(p, isolationLatency)
	sp := newFakeProber()
	sub := newNamedStore(t, c, "sub", []multiregion.Region{euw1, usw2}, withStoreProber(sp))
	refresh(t, c)
	want, err := c.Set(usw2, euw1)
	require.NoError(t, err)
	assert.Equal(t, want, sub.Set())
	assert.Equal(t, []multiregion.Region{usw2, euw1}, sub.Regions(), "in the Client's preference order")
	assert.Equal(t, "sub", sub.Name())
	assert.Same(t, c, sub.Client())
	assert.Zero(t, sp.count(use1), "never probes a region that is not its own")
	assert.Equal(t, 1, sp.count(usw2))
	assert.Equal(t, usw2, storePick(t, sub), "us-east-1 is nearest, but not the store's")
	assert.Equal(t, []multiregion.Region{usw2, euw1}, storeRankAll(t, sub))
	assert.False(t, sub.Healthy(use1))
	_, ok := sub.Status().Region(use1)
	assert.False(t, ok)
	assert.Len(t, sub.Status().Regions, 2)

	before := sub.Status()
	sub.Observe(use1, time.Millisecond, nil) // not its region: ignored
	sub.Observe(use1, 0, errProbe)
	assert.Equal(t, before, sub.Status())

	only, err := c.Set(use1)
	require.NoError(t, err)
	_, err = sub.Pick(only)
	assert.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	assert.Empty(t, nh.Allowed, "no region of the store is allowed")
}

// After Client.Close, everything fails with ErrClosed, for the Client and
// for every Store on it, and every probe goroutine, the stores' too, ends.
func TestClose_ClientAndStores(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	clk := multiregiontest.NewFakeClock(epoch)
	p, sp := newFakeProber(), newFakeProber()
	c, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = []multiregion.Region{use1, usw2, euw1}
		o.Prober = p
		o.Clock = clk
		o.ProbeInterval = time.Second
	})
	require.NoError(t, err)
	a, err := c.NewStore("A", nil)
	require.NoError(t, err)
	b, err := c.NewStore("B", []multiregion.Region{use1, usw2}, withStoreProber(sp))
	require.NoError(t, err)
	// 3 loops for the network view, 2 for B: each probes at once, then sleeps.
	require.NoError(t, clk.WaitForTimers(waitCtx(t), 5))
	assert.Equal(t, 1, sp.count(use1))
	assert.Zero(t, sp.count(euw1))
	all, err := c.Set()
	require.NoError(t, err)
	for _, st := range []*multiregion.Store{a, b} {
		_, err := st.Pick(all)
		require.NoError(t, err)
		require.NoError(t, st.Err())
		require.False(t, isClosed(st.Done()))
	}
	require.False(t, isClosed(c.Done()))
	before := map[string]multiregion.StoreStatus{"A": a.Status(), "B": b.Status()}

	require.NoError(t, c.Close())
	assert.Zero(t, clk.Pending(), "Close stops every timer, the stores' too")
	goleak.VerifyNone(t, leaks)
	assert.True(t, isClosed(c.Done()))
	assert.ErrorIs(t, c.Err(), multiregion.ErrClosed)

	ctx := context.Background()
	r, err := c.Pick(all)
	assert.Empty(t, r)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	r, err = c.Nearest(ctx)
	assert.Empty(t, r)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.ErrorIs(t, c.Refresh(ctx), multiregion.ErrClosed)
	_, err = c.Set()
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	_, err = c.Set(use1)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	i, err := c.Index(use1)
	assert.Equal(t, -1, i)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	st, err := c.Store("A")
	assert.Nil(t, st)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	st, err = c.NewStore("C", nil)
	assert.Nil(t, st)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	dst := []multiregion.Region{"keep-me"}
	assert.Equal(t, []multiregion.Region{"keep-me"}, c.Rank(all, dst), "Rank appends nothing")
	full := c.Status()
	assert.True(t, full.Closed)
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		assert.False(t, c.Healthy(r), r)
	}
	for _, s := range full.Stores {
		assert.True(t, s.Closed, s.Name)
	}

	for _, st := range []*multiregion.Store{a, b} {
		assert.True(t, isClosed(st.Done()), st.Name())
		assert.ErrorIs(t, st.Err(), multiregion.ErrClosed, st.Name())
		r, err := st.Pick(all)
		assert.Empty(t, r)
		assert.ErrorIs(t, err, multiregion.ErrClosed, st.Name())
		assert.NotErrorIs(t, err, multiregion.ErrNoHealthyRegion, st.Name())
		assert.ErrorIs(t, st.Refresh(ctx), multiregion.ErrClosed, st.Name())
		assert.ErrorIs(t, st.NoHealthy("dynamo.Get", all, nil), multiregion.ErrClosed, st.Name())
		assert.Equal(t, []multiregion.Region{"keep-me"}, st.Rank(all, dst), st.Name())
		assert.False(t, st.Healthy(use1), st.Name())
		got := st.Status()
		assert.True(t, got.Closed, st.Name())
		st.Observe(use1, 0, errProbe) // no panic, not counted
		st.Observe(usw2, time.Millisecond, nil)
		after := st.Status()
		assert.Equal(t, got, after, st.Name())
		got.Closed = false
		assert.Equal(t, before[st.Name()].Regions, got.Regions, "%s: nothing recorded after Close", st.Name())
	}

	// Nothing probes any more.
	n, m := p.count(use1), sp.count(use1)
	clk.Advance(time.Hour)
	assert.Equal(t, n, p.count(use1))
	assert.Equal(t, m, sp.count(use1))

	// Close is idempotent, the Client's and the stores'.
	require.NoError(t, c.Close())
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	assert.ErrorIs(t, a.Err(), multiregion.ErrClosed)
}

// Store.Close alone closes that store only: it stops its probes (one of
// them blocked in flight), unregisters it, and frees its name.
func TestClose_StoreAlone(t *testing.T) {
	clk := multiregiontest.NewFakeClock(epoch)
	p := newFakeProber()
	setLatencies(p, isolationLatency) // the loops record in any order: nearest us-east-1 whatever it is
	c, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = []multiregion.Region{use1, usw2, euw1}
		o.Prober = p
		o.Clock = clk
		o.ProbeInterval = time.Second
		o.ProbeTimeout = time.Hour
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	require.NoError(t, clk.WaitForTimers(waitCtx(t), 3))
	leaks := goleak.IgnoreCurrent() // the Client's own loops keep running

	started := make(chan struct{}, 8)
	blocked := multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		if r != use1 {
			return 5 * time.Millisecond, nil
		}
		started <- struct{}{}
		<-ctx.Done()
		return 0, ctx.Err()
	})
	b, err := c.NewStore("B", nil, withStoreProber(blocked))
	require.NoError(t, err)
	a := newNamedStore(t, c, "A", nil)
	<-started
	require.NoError(t, clk.WaitForTimers(waitCtx(t), 3+2)) // B's other two loops sleep
	_, ok := c.Status().Store("B")
	require.True(t, ok)

	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.NoError(t, b.Close())
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Store.Close did not stop its blocked probe")
	}
	goleak.VerifyNone(t, leaks)
	assert.Equal(t, 3, clk.Pending(), "only the Client's timers are left")

	// B is closed ...
	assert.True(t, isClosed(b.Done()))
	assert.ErrorIs(t, b.Err(), multiregion.ErrClosed)
	assert.Contains(t, b.Err().Error(), "B")
	all, err := c.Set()
	require.NoError(t, err)
	_, err = b.Pick(all)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.ErrorIs(t, b.Refresh(context.Background()), multiregion.ErrClosed)
	assert.Empty(t, b.Rank(all, nil))
	assert.True(t, b.Status().Closed)
	// ... and unregistered.
	st, err := c.Store("B")
	assert.Nil(t, st)
	require.ErrorIs(t, err, multiregion.ErrUnknownStore)
	assert.NotErrorIs(t, err, multiregion.ErrClosed)
	var se *multiregion.StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "B", se.Store)
	full := c.Status()
	_, ok = full.Store("B")
	assert.False(t, ok, "Status no longer lists it")
	require.Len(t, full.Stores, 1)
	assert.Equal(t, "A", full.Stores[0].Name)

	// Nothing else is closed.
	assert.NoError(t, c.Err())
	assert.False(t, isClosed(c.Done()))
	refresh(t, c)
	assert.Equal(t, use1, mustNearest(t, c))
	assert.NoError(t, a.Err())
	assert.False(t, isClosed(a.Done()))
	assert.Equal(t, use1, storePick(t, a))
	got, err := c.Store("A")
	require.NoError(t, err)
	assert.Same(t, a, got)

	// The name can be registered again.
	b2 := newNamedStore(t, c, "B", nil)
	assert.NotSame(t, b, b2)
	got, err = c.Store("B")
	require.NoError(t, err)
	assert.Same(t, b2, got)
	assert.NoError(t, b2.Err())
	assert.Equal(t, use1, storePick(t, b2))
	_, ok = c.Status().Store("B")
	assert.True(t, ok)
	// Closing the old one again does not unregister the new one.
	require.NoError(t, b.Close())
	got, err = c.Store("B")
	require.NoError(t, err)
	assert.Same(t, b2, got)
	assert.ErrorIs(t, b.Err(), multiregion.ErrClosed)
}

// Bad registrations and lookups fail with typed errors, never a panic, and
// register nothing.
func TestNewStore_BadInput(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2})
	orders := newNamedStore(t, c, "dynamo:orders", nil)
	rules := []error{multiregion.ErrInvalidStore, multiregion.ErrDuplicateStore, multiregion.ErrUnknownStore}
	for _, tt := range []struct {
		desc    string
		name    string
		regions []multiregion.Region
		rule    error
		unknown multiregion.Region // the region not on the Client, if any
	}{
		{desc: "empty name", name: "", rule: multiregion.ErrInvalidStore},
		{desc: "empty name with regions", name: "", regions: []multiregion.Region{use1}, rule: multiregion.ErrInvalidStore},
		{desc: "duplicate", name: "dynamo:orders", rule: multiregion.ErrDuplicateStore},
		{desc: "duplicate with other regions", name: "dynamo:orders", regions: []multiregion.Region{usw2}, rule: multiregion.ErrDuplicateStore},
		{desc: "region not on the Client", name: "dynamo:x", regions: []multiregion.Region{"ap-south-1"}, rule: multiregion.ErrInvalidStore, unknown: "ap-south-1"},
		{desc: "one region not on the Client", name: "dynamo:x", regions: []multiregion.Region{use1, euw1}, rule: multiregion.ErrInvalidStore, unknown: euw1},
		{desc: "malformed region", name: "dynamo:x", regions: []multiregion.Region{"not a region"}, rule: multiregion.ErrInvalidStore, unknown: "not a region"},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			st, err := c.NewStore(tt.name, tt.regions, withStoreProber(newFakeProber()))
			assert.Nil(t, st)
			require.ErrorIs(t, err, tt.rule)
			for _, other := range rules {
				if other != tt.rule {
					assert.NotErrorIs(t, err, other)
				}
			}
			assert.NotErrorIs(t, err, multiregion.ErrClosed)
			var se *multiregion.StoreError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.rule, se.Rule)
			assert.Equal(t, tt.name, se.Store)
			assert.NotEmpty(t, se.Reason)
			if tt.name != "" {
				assert.Contains(t, err.Error(), tt.name)
			}
			if tt.unknown != "" {
				assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
				var ure *multiregion.UnknownRegionError
				require.ErrorAs(t, err, &ure)
				assert.Equal(t, tt.unknown, ure.Region)
				assert.Contains(t, err.Error(), string(tt.unknown))
			} else {
				assert.NotErrorIs(t, err, multiregion.ErrUnknownRegion)
			}
		})
	}
	// Nothing was registered; the first "dynamo:orders" is untouched.
	full := c.Status()
	require.Len(t, full.Stores, 1)
	assert.Equal(t, "dynamo:orders", full.Stores[0].Name)
	got, err := c.Store("dynamo:orders")
	require.NoError(t, err)
	assert.Same(t, orders, got)
	assert.NoError(t, orders.Err())

	for _, name := range []string{"dynamo:x", "dynamo:nope", ""} {
		st, err := c.Store(name)
		assert.Nil(t, st)
		require.ErrorIs(t, err, multiregion.ErrUnknownStore, "%q", name)
		assert.NotErrorIs(t, err, multiregion.ErrInvalidStore)
		assert.NotErrorIs(t, err, multiregion.ErrClosed)
		var se *multiregion.StoreError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, name, se.Store)
		assert.Equal(t, multiregion.ErrUnknownStore, se.Rule)
		assert.Contains(t, err.Error(), name)
	}

	// A nil option function is ignored, as in New.
	st, err := c.NewStore("dynamo:nil-opts", nil, nil)
	require.NoError(t, err)
	require.NoError(t, st.Close())
}

// A store's NoHealthyRegionError names the store and carries the attempts
// of the call, inspectable with errors.As and errors.Is.
func TestStore_NoHealthyRegionError(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	st := newNamedStore(t, c, "dynamo:orders", nil)
	refresh(t, c) // every region measured: a suspect one ranks last
	all, err := c.Set()
	require.NoError(t, err)
	earlier := errors.New("connection reset earlier")
	st.Observe(euw1, 0, earlier)
	throttled := errors.New("ThrottlingException")
	attempts := []multiregion.Attempt{
		{Region: use1, Err: &multiregion.RegionError{Region: use1, Op: "dynamo.Get", Err: throttled}},
		{Region: usw2, Err: &multiregion.RegionError{Region: usw2, Op: "dynamo.Get", OutcomeUnknown: true, Err: context.DeadlineExceeded}},
	}

	err = st.NoHealthy("dynamo.Get", all, attempts)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "dynamo:orders", nh.Store)
	assert.Equal(t, "dynamo.Get", nh.Op)
	assert.Equal(t, attempts, nh.Attempts)
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, nh.Allowed, "in the store's rank order (eu-west-1 suspect: last)")
	assert.Equal(t, []error{nil, nil, earlier}, nh.LastErrors)
	assert.Equal(t, []error{attempts[0].Err, attempts[1].Err, nil, nil, earlier}, nh.Unwrap(), "the attempts' errors, then the last errors")

	var re *multiregion.RegionError
	require.ErrorAs(t, err, &re, "errors.As finds a *RegionError among the attempts")
	assert.Same(t, attempts[0].Err, re, "the first attempt's")
	assert.ErrorIs(t, err, throttled)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, multiregion.ErrOutcomeUnknown, "the second attempt's outcome is unknown")
	assert.ErrorIs(t, err, earlier)
	msg := err.Error()
	for _, s := range []string{"dynamo.Get on dynamo:orders", "2 attempts failed", "us-east-1", "ThrottlingException", "us-west-2", context.DeadlineExceeded.Error()} {
		assert.Contains(t, msg, s)
	}

	// No attempt that could have made it: the Pick of a store where no
	// allowed region is healthy.
	for range 3 {
		for _, r := range []multiregion.Region{use1, usw2, euw1} {
			st.Observe(r, 0, &multiregion.RegionError{Region: r, Op: "dynamo.Get", Err: throttled})
		}
	}
	r, err := st.Pick(all)
	assert.Empty(t, r)
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "dynamo:orders", nh.Store)
	assert.Empty(t, nh.Op)
	assert.Empty(t, nh.Attempts)
	require.Len(t, nh.LastErrors, 3)
	assert.Contains(t, err.Error(), "dynamo:orders")
	require.ErrorAs(t, err, &re, "the last errors are reachable too")
	assert.Equal(t, "dynamo.Get", re.Op)
	assert.ErrorIs(t, err, throttled)
}

// Probes of a store carry its name, and so do its health changes; the
// network view's carry "". A store without a prober traces no probe.
func TestTracer_StoreNames(t *testing.T) {
	tr := &recordingTracer{}
	c, p, clk := routerClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
		o.ProbeTracer = tr
		o.HealthTracer = tr
	})
	sp := newFakeProber()
	a := newNamedStore(t, c, "dynamo:a", nil, withStoreProber(sp))
	b := newNamedStore(t, c, "dynamo:b", nil)
	p.set(use1, 0, errProbe)  // the network view ejects us-east-1
	sp.set(usw2, 0, errProbe) // store a ejects us-west-2
	for range 3 {
		refresh(t, c)
	}
	boom := errors.New("boom")
	for range 3 {
		b.Observe(use1, 0, boom) // store b ejects us-east-1
	}
	clk.Advance(time.Minute)
	p.set(use1, time.Millisecond, nil)
	sp.set(usw2, time.Millisecond, nil)
	refresh(t, c)
	b.Observe(use1, time.Millisecond, nil)
	require.True(t, a.Healthy(usw2))
	require.True(t, b.Healthy(use1))

	tr.mu.Lock()
	defer tr.mu.Unlock()
	// 4 rounds of 2 regions, for the network view and for store a.
	starts := map[string]int{}
	for _, d := range tr.starts {
		starts[d.Store]++
	}
	assert.Equal(t, map[string]int{"": 8, "dynamo:a": 8}, starts)
	require.Len(t, tr.ends, 16)
	assert.Equal(t, 16, tr.sawKey)
	failed := map[string]int{}
	for _, e := range tr.ends {
		if e.Err == nil {
			continue
		}
		failed[e.Store+"/"+string(e.Region)]++
		assert.ErrorIs(t, e.Err, errProbe)
	}
	assert.Equal(t, map[string]int{"/us-east-1": 3, "dynamo:a/us-west-2": 3}, failed)

	type change struct {
		store   string
		region  multiregion.Region
		healthy bool
		at      time.Time
	}
	var got []change
	for _, d := range tr.changes {
		got = append(got, change{d.Store, d.Region, d.Healthy, d.At})
		if d.Healthy {
			assert.NoError(t, d.Err)
		} else {
			assert.Error(t, d.Err)
		}
	}
	assert.Equal(t, []change{
		{"", use1, false, epoch},
		{"dynamo:a", usw2, false, epoch},
		{"dynamo:b", use1, false, epoch},
		{"", use1, true, epoch.Add(time.Minute)},
		{"dynamo:a", usw2, true, epoch.Add(time.Minute)},
		{"dynamo:b", use1, true, epoch.Add(time.Minute)},
	}, got)
	require.Len(t, tr.changes, 6)
	assert.ErrorIs(t, tr.changes[0].Err, errProbe)
	var re *multiregion.RegionError
	require.ErrorAs(t, tr.changes[1].Err, &re)
	assert.Equal(t, "probe", re.Op)
	assert.Equal(t, usw2, re.Region)
	assert.Same(t, boom, tr.changes[2].Err)
}

// Status holds the network view and every store's own view.
func TestStatus_NetworkAndStores(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	setLatencies(p, isolationLatency)
	ownLat := map[multiregion.Region]time.Duration{use1: 90 * time.Millisecond, usw2: 40 * time.Millisecond, euw1: 10 * time.Millisecond}
	sp := newFakeProber()
	setLatencies(sp, ownLat)
	own := newNamedStore(t, c, "dynamo:own", nil, withStoreProber(sp), func(o *multiregion.StoreOptions) { o.Kind = multiregion.DynamoDBMREC })
	topo := multiregion.TopologyStatus{Writer: use1, Generation: 3, LoadedAt: epoch, LastAttempt: epoch}
	leftOut := []multiregion.Region{"ap-south-1"}
	calls := newNamedStore(t, c, "aurora:calls", []multiregion.Region{use1, usw2}, func(o *multiregion.StoreOptions) {
		o.Kind = multiregion.AuroraGlobal
		o.LeftOut = leftOut
		o.Topology = func() multiregion.TopologyStatus { return topo }
	})
	leftOut[0] = "eu-north-1" // NewStore keeps a copy
	assert.False(t, own.Status().OwnLatency, "no sample before the first probe")

	refresh(t, c)
	boom := errors.New("boom")
	calls.Observe(usw2, time.Millisecond, nil)
	calls.Observe(use1, 0, boom)

	full := c.Status()
	assert.False(t, full.Closed)
	require.Len(t, full.Network, 3)
	for i, r := range []multiregion.Region{use1, usw2, euw1} {
		n := full.Network[i]
		assert.Equal(t, r, n.Region)
		assert.Equal(t, isolationLatency[r], n.Latency)
		assert.Equal(t, uint64(1), n.Samples)
		assert.Equal(t, epoch, n.LastProbe)
		assert.True(t, n.Healthy)
	}
	n, ok := full.Region(euw1)
	require.True(t, ok)
	assert.Equal(t, 30*time.Millisecond, n.Latency)

	require.Len(t, full.Stores, 2)
	assert.Equal(t, "dynamo:own", full.Stores[0].Name, "in registration order")
	assert.Equal(t, "aurora:calls", full.Stores[1].Name)
	_, ok = full.Store("nope")
	assert.False(t, ok)

	so, ok := full.Store("dynamo:own")
	require.True(t, ok)
	assert.Equal(t, own.Status(), so)
	assert.Equal(t, multiregion.DynamoDBMREC, so.Kind)
	assert.True(t, so.OwnLatency, "a store with its own prober, after a Refresh")
	assert.False(t, so.Closed)
	assert.Nil(t, so.Topology)
	assert.Empty(t, so.LeftOut)
	require.Len(t, so.Regions, 3)
	for i, r := range []multiregion.Region{euw1, usw2, use1} {
		s := so.Regions[i]
		assert.Equal(t, r, s.Region, "in the store's pick order")
		assert.Equal(t, ownLat[r], s.Latency, "the store's own latency")
		assert.Equal(t, epoch, s.LastProbe)
		assert.Equal(t, uint64(1), s.Samples)
	}

	sc, ok := full.Store("aurora:calls")
	require.True(t, ok)
	assert.Equal(t, calls.Status(), sc)
	assert.Equal(t, multiregion.AuroraGlobal, sc.Kind)
	assert.False(t, sc.OwnLatency, "no fresh sample of its own in us-east-1")
	assert.Equal(t, []multiregion.Region{"ap-south-1"}, sc.LeftOut)
	require.NotNil(t, sc.Topology)
	assert.Equal(t, topo, *sc.Topology)
	require.Len(t, sc.Regions, 2)
	w := sc.Regions[0]
	assert.Equal(t, usw2, w.Region, "us-east-1 is suspect for the store")
	assert.True(t, w.Measured)
	assert.Equal(t, time.Millisecond, w.Latency)
	assert.True(t, w.LastProbe.IsZero(), "the store never probed")
	e, ok := sc.Region(use1)
	require.True(t, ok)
	assert.Equal(t, sc.Regions[1], e)
	assert.True(t, e.Healthy)
	assert.False(t, e.Measured)
	assert.Equal(t, 1, e.ConsecutiveFailures)
	assert.Same(t, boom, e.LastError)
	_, ok = sc.Region(euw1)
	assert.False(t, ok, "not the store's region")

	// Status is a copy.
	sc.LeftOut[0] = "eu-north-1"
	sc.Topology.Writer = usw2
	again := calls.Status()
	assert.Equal(t, []multiregion.Region{"ap-south-1"}, again.LeftOut)
	assert.Equal(t, use1, again.Topology.Writer)
	// The topology is the store's at the time of Status.
	topo.Generation = 4
	assert.Equal(t, uint64(4), calls.Status().Topology.Generation)
}

// Store.Pick allocates nothing, with several stores on the Client, ranked
// by their own samples or by the network view.
func TestStorePickAllocatesNothing(t *testing.T) {
	f := newStorePickFixture(t)
	for i, st := range f.stores {
		assert.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = st.Pick(f.all) }), "store %d", i)
	}
}

// Concurrent registration, lookup, Status and Close of stores.
func TestStore_ConcurrentRegistry(t *testing.T) {
	c, _, _ := routerClient(t, []multiregion.Region{use1, usw2})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 50 {
				name := string(rune('a'+g)) + "-store"
				st, err := c.NewStore(name, nil, withStoreProber(newFakeProber()))
				if !assert.NoError(t, err, "round %d", n) {
					return
				}
				got, err := c.Store(name)
				assert.NoError(t, err)
				assert.Same(t, st, got)
				_ = c.Status()
				assert.NoError(t, c.Refresh(context.Background()))
				assert.NoError(t, st.Close())
				_, err = c.Store(name)
				assert.ErrorIs(t, err, multiregion.ErrUnknownStore)
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, c.Status().Stores)
}

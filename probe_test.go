package multiregion_test

import (
	"context"
	"errors"
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

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestProbeLoop_FakeClock(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	regions := []multiregion.Region{use1, usw2, euw1}
	p := newFakeProber()
	p.set(usw2, 3*time.Millisecond, nil)
	p.set(euw1, 50*time.Millisecond, nil) // no runner-up close to the pick (probed faster)
	clk := multiregiontest.NewFakeClock(epoch)
	c, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
		o.Regions = regions
		o.Prober = p
		o.Clock = clk
		o.ProbeInterval = time.Second
	})
	require.NoError(t, err)

	// One loop per region: each probes at once, then sleeps on one timer.
	require.NoError(t, clk.WaitForTimers(waitCtx(t), len(regions)))
	assert.Equal(t, len(regions), clk.Pending())
	for _, r := range regions {
		assert.Equal(t, 1, p.count(r), "probes of %s", r)
		assert.Equal(t, epoch, status(t, c, r).LastProbe)
	}
	assert.Equal(t, usw2, mustNearest(t, c))

	// A region with fewer than 5 samples is probed every fifth of the
	// interval: one sample is the luck of a draw.
	for round := 2; round <= 5; round++ {
		clk.Advance(200 * time.Millisecond)
		require.NoError(t, clk.WaitForTimers(waitCtx(t), len(regions)))
		for _, r := range regions {
			assert.Equal(t, round, p.count(r), "young round %d, %s", round, r)
		}
	}

	// Then every interval. The loops wake every fifth of it (an ejection
	// or a latency jump can bring a probe forward) but do not probe before
	// it is due.
	for range 4 {
		clk.Advance(200 * time.Millisecond)
		require.NoError(t, clk.WaitForTimers(waitCtx(t), len(regions)))
	}
	assert.Equal(t, len(regions), clk.Pending())
	for _, r := range regions {
		assert.Equal(t, 5, p.count(r), "not due yet: %s", r)
	}
	for round := 6; round <= 8; round++ {
		clk.Advance(time.Second)
		require.NoError(t, clk.WaitForTimers(waitCtx(t), len(regions)))
		for _, r := range regions {
			assert.Equal(t, round, p.count(r), "round %d, %s", round, r)
		}
	}

	// A region that starts failing is ejected by the loop.
	p.set(usw2, 0, errProbe)
	for range 3 {
		clk.Advance(time.Second)
		require.NoError(t, clk.WaitForTimers(waitCtx(t), len(regions)))
	}
	assert.False(t, c.Healthy(usw2))
	assert.NotEqual(t, usw2, mustNearest(t, c))

	require.NoError(t, c.Close())
	assert.Zero(t, clk.Pending(), "Close stops the timers")
	require.NoError(t, c.Close(), "Close is idempotent")
	goleak.VerifyNone(t, leaks)

	// After Close the clock can move on: nothing probes any more.
	n := p.count(use1)
	clk.Advance(time.Hour)
	assert.Equal(t, n, p.count(use1))
}

func TestProbeTimeout(t *testing.T) {
	var blocked sync.WaitGroup
	prober := multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		if r == usw2 {
			return time.Millisecond, nil
		}
		blocked.Add(1)
		defer blocked.Done()
		<-ctx.Done()
		return 0, ctx.Err()
	})
	c := newTestClient(t, []multiregion.Region{use1, usw2}, withProber(prober), func(o *multiregion.Options) {
		o.ProbeTimeout = 50 * time.Millisecond
	})
	start := time.Now()
	refresh(t, c)
	took := time.Since(start)
	assert.GreaterOrEqual(t, took, 50*time.Millisecond)
	assert.Less(t, took, 3*time.Second)
	blocked.Wait()

	st := status(t, c, use1)
	assert.Equal(t, 1, st.ConsecutiveFailures, "a timed-out probe is a failure")
	var re *multiregion.RegionError
	require.ErrorAs(t, st.LastError, &re)
	assert.Equal(t, use1, re.Region)
	assert.Equal(t, "probe", re.Op)
	assert.ErrorIs(t, st.LastError, context.DeadlineExceeded)
	assert.Contains(t, st.LastError.Error(), "us-east-1")

	refresh(t, c)
	refresh(t, c)
	assert.False(t, c.Healthy(use1))
	assert.True(t, c.Healthy(usw2))
}

func TestClose_StopsBlockedProbes(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	started := make(chan multiregion.Region, 8)
	prober := multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		started <- r
		<-ctx.Done()
		return 0, ctx.Err()
	})
	c, err := multiregion.New(context.Background(), aws.Config{}, multiregion.WithRegions(use1, usw2), func(o *multiregion.Options) {
		o.Prober = prober
		o.ProbeTimeout = time.Hour
		o.Clock = multiregiontest.NewFakeClock(epoch)
	})
	require.NoError(t, err)
	<-started
	<-started
	done := make(chan struct{})
	go func() {
		defer close(done)
		assert.NoError(t, c.Close())
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop blocked probes")
	}
	for _, r := range []multiregion.Region{use1, usw2} {
		st := status(t, c, r)
		assert.True(t, st.Healthy, "a probe cut short by Close is not a failure")
		assert.Zero(t, st.ConsecutiveFailures)
	}
	goleak.VerifyNone(t, leaks)
}

type recordingTracer struct {
	mu      sync.Mutex
	starts  []multiregion.TraceProbeStartData
	ends    []multiregion.TraceProbeEndData
	changes []multiregion.TraceHealthChangeData
	sawKey  int
}

type traceKey struct{}

func (tr *recordingTracer) TraceProbeStart(ctx context.Context, d multiregion.TraceProbeStartData) context.Context {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.starts = append(tr.starts, d)
	return context.WithValue(ctx, traceKey{}, d.Region)
}

func (tr *recordingTracer) TraceProbeEnd(ctx context.Context, d multiregion.TraceProbeEndData) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if ctx.Value(traceKey{}) == d.Region {
		tr.sawKey++
	}
	tr.ends = append(tr.ends, d)
}

func (tr *recordingTracer) TraceHealthChange(d multiregion.TraceHealthChangeData) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.changes = append(tr.changes, d)
}

func TestTracer(t *testing.T) {
	tr := &recordingTracer{}
	var probedWithKey sync.Map
	p := newFakeProber()
	p.set(usw2, 0, errProbe)
	p.set(use1, 4*time.Millisecond, nil)
	prober := multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		if ctx.Value(traceKey{}) == r {
			probedWithKey.Store(r, true)
		}
		return p.Probe(ctx, r)
	})
	clk := multiregiontest.NewFakeClock(epoch)
	c := newTestClient(t, []multiregion.Region{use1, usw2}, withProber(prober), withClock(clk), func(o *multiregion.Options) {
		o.ProbeTracer = tr
		o.HealthTracer = tr
	})
	for range 3 {
		refresh(t, c)
	}
	clk.Advance(time.Minute)
	p.set(usw2, 2*time.Millisecond, nil)
	refresh(t, c)

	tr.mu.Lock()
	defer tr.mu.Unlock()
	assert.Len(t, tr.starts, 8)
	require.Len(t, tr.ends, 8)
	for _, d := range tr.starts {
		assert.Empty(t, d.Store, "a probe of the network view has no store name")
	}
	assert.Equal(t, 8, tr.sawKey, "TraceProbeEnd gets the context TraceProbeStart returned")
	_, ok := probedWithKey.Load(use1)
	assert.True(t, ok, "the prober gets the context TraceProbeStart returned")
	var failures int
	for _, e := range tr.ends {
		if e.Region == usw2 && e.Err != nil {
			failures++
			assert.ErrorIs(t, e.Err, errProbe)
		}
		assert.Empty(t, e.Store)
		if e.Region == use1 {
			assert.NoError(t, e.Err)
			assert.Equal(t, 4*time.Millisecond, e.RTT)
		}
	}
	assert.Equal(t, 3, failures)

	require.Len(t, tr.changes, 2)
	ej, back := tr.changes[0], tr.changes[1]
	assert.Empty(t, ej.Store, "a health change of the network view has no store name")
	assert.Empty(t, back.Store)
	assert.Equal(t, usw2, ej.Region)
	assert.False(t, ej.Healthy)
	assert.ErrorIs(t, ej.Err, errProbe)
	assert.Equal(t, epoch, ej.At)
	assert.Equal(t, usw2, back.Region)
	assert.True(t, back.Healthy)
	assert.NoError(t, back.Err)
	assert.Equal(t, epoch.Add(time.Minute), back.At)
}

func TestTracer_ObserveEjectionIsTraced(t *testing.T) {
	tr := &healthOnly{}
	c := newTestClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) { o.HealthTracer = tr })
	st := newNamedStore(t, c, "dynamo:orders", nil)
	refresh(t, c) // probes run without a ProbeTracer
	boom := errors.New("boom")
	for range 3 {
		st.Observe(use1, 0, boom)
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	require.Len(t, tr.changes, 1)
	assert.Equal(t, "dynamo:orders", tr.changes[0].Store)
	assert.Equal(t, use1, tr.changes[0].Region)
	assert.False(t, tr.changes[0].Healthy)
	assert.Same(t, boom, tr.changes[0].Err)
}

// healthOnly implements HealthTracer only: the probes must not need ProbeTracer.
type healthOnly struct {
	mu      sync.Mutex
	changes []multiregion.TraceHealthChangeData
}

func (h *healthOnly) TraceHealthChange(d multiregion.TraceHealthChangeData) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changes = append(h.changes, d)
}

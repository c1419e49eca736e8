package route_test

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
	"github.com/regionkit/multiregion/internal/route"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	use1 multiregion.Region = "us-east-1"
	usw2 multiregion.Region = "us-west-2"
	euw1 multiregion.Region = "eu-west-1"
)

// Errors of the fake store, one per class.
var (
	errCaller     = errors.New("fake: bad request")
	errRefused    = errors.New("fake: connection refused")
	errReset      = errors.New("fake: connection reset after sending")
	errThrottled  = errors.New("fake: throttled")
	errReadOnly   = errors.New("fake: READONLY You can't write against a read only replica")
	errNotYetHere = errors.New("fake: not replicated yet")
)

var classes = route.ClassifierFunc(func(_ context.Context, err error) route.Class {
	switch {
	case errors.Is(err, errCaller):
		return route.Caller
	case errors.Is(err, errRefused):
		return route.NotApplied
	case errors.Is(err, errThrottled):
		return route.Throttled
	case errors.Is(err, errReadOnly):
		return route.WriterMoved
	case errors.Is(err, errNotYetHere):
		return route.Skip
	}
	return route.Unknown
})

// fakeStore answers each region with a configured error and records the
// regions it was called in, in order. Safe for concurrent use.
type fakeStore struct {
	mu    sync.Mutex
	errs  map[multiregion.Region]error
	calls []multiregion.Region
}

func (f *fakeStore) set(r multiregion.Region, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[r] = err
}

func (f *fakeStore) call(_ context.Context, a *route.Attempt) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, a.Region)
	return f.errs[a.Region]
}

func (f *fakeStore) called() []multiregion.Region {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]multiregion.Region(nil), f.calls...)
}

// setup builds a Client whose network view ranks use1, usw2, euw1 in that
// order (10, 20, 30 ms), a Store over all three, and a Loop on it.
func setup(t testing.TB, optFns ...func(*multiregion.Options)) (*route.Loop, *fakeStore) {
	t.Helper()
	rtt := map[multiregion.Region]time.Duration{use1: 10 * time.Millisecond, usw2: 20 * time.Millisecond, euw1: 30 * time.Millisecond}
	mr, err := multiregion.New(context.Background(), aws.Config{}, append([]func(*multiregion.Options){multiregion.WithRegions(use1, usw2, euw1), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Prober = multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) { return rtt[r], nil })
	}}, optFns...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	require.NoError(t, mr.Refresh(context.Background()))
	st, err := mr.NewStore("fake:one", nil)
	require.NoError(t, err)
	return &route.Loop{Store: st, Classifier: classes}, &fakeStore{errs: map[multiregion.Region]error{}}
}

func failures(t testing.TB, l *route.Loop, r multiregion.Region) int {
	t.Helper()
	s, ok := l.Store.Status().Region(r)
	require.True(t, ok)
	return s.ConsecutiveFailures
}

func TestReadFailsOverInRankOrder(t *testing.T) {
	l, f := setup(t)
	f.set(use1, errRefused)
	f.set(usw2, errReset)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	require.NoError(t, err)
	assert.Equal(t, euw1, r)
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, f.called())
	assert.Equal(t, 1, failures(t, l, use1))
	assert.Equal(t, 1, failures(t, l, usw2))
	assert.Equal(t, 0, failures(t, l, euw1))
}

func TestWriteWithUnknownOutcomeIsNotReplayed(t *testing.T) {
	l, f := setup(t)
	f.set(use1, errReset)
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Incr", Kind: route.Write}, f.call)
	var re *multiregion.RegionError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.OutcomeUnknown)
	assert.Equal(t, use1, re.Region)
	assert.Equal(t, "fake.Incr", re.Op)
	assert.ErrorIs(t, err, multiregion.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, errReset)
	assert.Equal(t, []multiregion.Region{use1}, f.called(), "replayed elsewhere")

	// Not applied: a Write may move on.
	f.set(use1, errRefused)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Incr", Kind: route.Write}, f.call)
	require.NoError(t, err)
	assert.NotEqual(t, use1, r)
}

func TestIdempotentWriteMovesOnAfterUnknownOutcome(t *testing.T) {
	l, f := setup(t)
	f.set(use1, errReset)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Put", Kind: route.IdempotentWrite}, f.call)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
}

func TestCallerFaultStaysAndKeepsTheRegionHealthy(t *testing.T) {
	l, f := setup(t)
	f.set(use1, errCaller)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	assert.Same(t, errCaller, err, "a caller's fault is returned as it is")
	assert.Equal(t, use1, r)
	assert.Equal(t, []multiregion.Region{use1}, f.called())
	assert.Equal(t, 0, failures(t, l, use1))
}

func TestCancellationIsNeverARegionFailure(t *testing.T) {
	l, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	_, err := l.Run(ctx, route.Call{Op: "fake.Get", Kind: route.Read}, func(ctx context.Context, a *route.Attempt) error {
		calls++
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, calls, "a canceled call failed over")
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		assert.Equal(t, 0, failures(t, l, r))
	}
	_, err = l.Run(ctx, route.Call{Op: "fake.Get"}, func(context.Context, *route.Attempt) error { t.Fatal("ran on a done context"); return nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestAttemptTimeoutIsARegionalFailure(t *testing.T) {
	l, _ := setup(t)
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read, AttemptTimeout: 20 * time.Millisecond},
		func(ctx context.Context, a *route.Attempt) error {
			if a.Region == use1 {
				<-ctx.Done() // hangs until the attempt timeout
				return ctx.Err()
			}
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, 1, failures(t, l, use1))
}

func TestPinPreferExclude(t *testing.T) {
	l, f := setup(t)
	ctx := context.Background()
	r, err := l.Run(ctx, route.Call{Op: "fake.Get", Prefer: euw1}, f.call)
	require.NoError(t, err)
	assert.Equal(t, euw1, r)

	set, err := l.Store.Client().Set(use1)
	require.NoError(t, err)
	r, err = l.Run(ctx, route.Call{Op: "fake.Get", Exclude: set}, f.call)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)

	f.set(usw2, errRefused)
	_, err = l.Run(ctx, route.Call{Op: "fake.Get", Pin: usw2}, f.call)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	require.Len(t, nh.Attempts, 1)
	assert.Equal(t, usw2, nh.Attempts[0].Region)
	assert.Equal(t, []multiregion.Region{euw1, usw2, usw2}, f.called(), "a pinned call moved")

	_, err = l.Run(ctx, route.Call{Op: "fake.Get", Pin: "ap-south-1"}, f.call)
	assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
}

func TestEveryRegionFailedCarriesEveryAttempt(t *testing.T) {
	l, f := setup(t)
	f.set(use1, errRefused)
	f.set(usw2, errThrottled)
	f.set(euw1, errReset)
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	var nh *multiregion.NoHealthyRegionError
	require.ErrorAs(t, err, &nh)
	assert.Equal(t, "fake:one", nh.Store)
	assert.Equal(t, "fake.Get", nh.Op)
	require.Len(t, nh.Attempts, 3)
	for k, want := range []struct {
		r   multiregion.Region
		err error
	}{{use1, errRefused}, {usw2, errThrottled}, {euw1, errReset}} {
		assert.Equal(t, want.r, nh.Attempts[k].Region)
		assert.ErrorIs(t, nh.Attempts[k].Err, want.err)
		var re *multiregion.RegionError
		require.ErrorAs(t, nh.Attempts[k].Err, &re)
		assert.False(t, re.OutcomeUnknown, "a read's outcome is never unknown")
	}
	assert.ErrorIs(t, err, errThrottled)
	assert.Contains(t, err.Error(), "3 attempts failed")
}

func TestWritesSkipEjectedRegionsReadsTryThemLast(t *testing.T) {
	l, f := setup(t)
	ctx := context.Background()
	for range 3 {
		l.Store.Observe(usw2, 0, errRefused)
	}
	require.False(t, l.Store.Healthy(usw2))
	f.set(use1, errRefused)
	f.set(euw1, errRefused)
	_, err := l.Run(ctx, route.Call{Op: "fake.Put", Kind: route.IdempotentWrite}, f.call)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	assert.Equal(t, []multiregion.Region{use1, euw1}, f.called(), "a write went to an ejected region")

	r, err := l.Run(ctx, route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	require.NoError(t, err, "a read tries an ejected region as a last resort")
	assert.Equal(t, usw2, r)
	assert.True(t, l.Store.Healthy(usw2), "the store's own successful call readmits it")
}

func TestWriterMovedRefreshesAndRetriesOnce(t *testing.T) {
	l, f := setup(t)
	ctx := context.Background()
	writer := usw2
	var refreshes int
	l.WriterMoved = func(context.Context, string) (multiregion.RegionSet, error) {
		refreshes++
		return l.Store.Client().Set(writer)
	}
	onlyUse1, err := l.Store.Client().Set(use1)
	require.NoError(t, err)
	f.set(use1, errReadOnly) // the topology still says us-east-1; it moved to us-west-2
	r, err := l.Run(ctx, route.Call{Op: "fake.Set", Kind: route.Write, Allowed: onlyUse1}, f.call)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, 1, refreshes)
	assert.Equal(t, 0, failures(t, l, use1), "a read-only refusal is not a region failure")

	// Refused again on the "new" writer: one retry only, then the one shape.
	f.calls = nil
	writer = use1
	_, err = l.Run(ctx, route.Call{Op: "fake.Set", Kind: route.Write, Allowed: onlyUse1}, f.call)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	require.ErrorIs(t, err, errReadOnly)
	assert.Equal(t, 2, refreshes)
	assert.Equal(t, []multiregion.Region{use1, use1}, f.called())

	// A refresh that fails: the refusal and the refresh error are both there.
	boom := errors.New("control plane down")
	l.WriterMoved = func(context.Context, string) (multiregion.RegionSet, error) { return 0, boom }
	_, err = l.Run(ctx, route.Call{Op: "fake.Set", Kind: route.Write, Allowed: onlyUse1}, f.call)
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, err, errReadOnly)
}

func TestSkipEverywhereIsFinal(t *testing.T) {
	l, f := setup(t)
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		f.set(r, errNotYetHere)
	}
	var finals int
	l.Final = func(op string, r multiregion.Region, c route.Class, err error) error {
		finals++
		assert.Equal(t, route.Skip, c)
		return err
	}
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	assert.Same(t, errNotYetHere, err)
	assert.Equal(t, 1, finals)
	assert.Len(t, f.called(), 3)
	for _, r := range []multiregion.Region{use1, usw2, euw1} {
		assert.Equal(t, 0, failures(t, l, r), "a skip is not a failure")
	}
}

func TestObservePerNetworkCall(t *testing.T) {
	l, _ := setup(t)
	var firstErr error
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Put", Kind: route.Write}, func(ctx context.Context, a *route.Attempt) error {
		if err := a.ObserveRead(ctx, time.Now(), nil); err != nil { // a version read first
			return err
		}
		firstErr = route.Report(ctx, nil, nil, "", a.Region, time.Now(), errRefused, true) // found through the context
		return firstErr
	})
	require.Error(t, err)
	c, ok := route.ClassOf(firstErr)
	require.True(t, ok)
	assert.Equal(t, route.NotApplied, c)
	assert.Same(t, errRefused, route.Cause(firstErr))
	assert.Equal(t, 1, failures(t, l, use1), "reported once, not again by the loop")
}

func TestClosedStore(t *testing.T) {
	l, f := setup(t)
	require.NoError(t, l.Store.Close())
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Get"}, f.call)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.Empty(t, f.called())
}

// A drained region is never tried, not even as a read's last resort, nor
// when the call prefers it.
func TestDrainedRegionNeverTried(t *testing.T) {
	l, f := setup(t)
	require.NoError(t, l.Store.Client().Drain(use1))
	f.set(usw2, errRefused)
	f.set(euw1, errRefused)
	_, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read, Prefer: use1}, f.call)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	assert.Equal(t, []multiregion.Region{usw2, euw1}, f.called())
	require.NoError(t, l.Store.Client().Undrain(use1))
	r, err := l.Run(context.Background(), route.Call{Op: "fake.Get", Kind: route.Read}, f.call)
	require.NoError(t, err)
	assert.Equal(t, use1, r)
}

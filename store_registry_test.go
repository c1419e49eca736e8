package multiregion_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Tests of the store registry's edges, found while the tests were
// migrated to Stores.

// A store registered after the network view was ranked must rank by it at
// once, not at the next network change.
func TestStore_RegisteredAfterRefreshRanksByTheNetworkView(t *testing.T) {
	c, p, _ := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	p.set(use1, 90*time.Millisecond, nil)
	p.set(usw2, 40*time.Millisecond, nil)
	p.set(euw1, 10*time.Millisecond, nil)
	refresh(t, c)
	require.Equal(t, euw1, mustNearest(t, c))
	st := newTestStore(t, c)
	assert.Equal(t, euw1, storePick(t, st), "a store without samples of its own ranks by the network view")
	assert.Equal(t, rankAll(t, c), storeRankAll(t, st))
}

// NewStore on a closed Client fails with ErrClosed, not ErrInvalidStore.
func TestStore_NewStoreOnClosedClientIsErrClosed(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1})
	require.NoError(t, c.Close())
	_, err := c.NewStore("dynamo:orders", nil)
	require.ErrorIs(t, err, multiregion.ErrClosed)
	assert.NotErrorIs(t, err, multiregion.ErrInvalidStore)
	assert.NotContains(t, err.Error(), "region not on the Client")
}

// NewStore racing Client.Close: Close either refuses the store or finds it
// whole (its cancel set, its probe loops started) and stops it. Run with
// -race.
func TestStore_NewStoreRacingClose(t *testing.T) {
	for range 2000 {
		c, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
			o.Regions = []multiregion.Region{use1, usw2}
			o.Prober = newFakeProber()
			o.Clock = multiregiontest.NewFakeClock(epoch)
		})
		require.NoError(t, err)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _ = c.NewStore("s", nil, withStoreProber(newFakeProber()))
		}()
		go func() {
			defer wg.Done()
			_ = c.Close()
		}()
		wg.Wait()
	}
}

// Freshness is judged when the ranking is rebuilt: once a store's own
// samples are older than three probe intervals, the next network change
// makes it rank by the network view again, and Status says what the
// ranking in use is based on, not what the clock says now.
func TestStore_StaleOwnSamplesYieldAtTheNextNetworkRound(t *testing.T) {
	c, p, clk := routerClient(t, []multiregion.Region{use1, usw2, euw1})
	p.set(use1, 10*time.Millisecond, nil)
	p.set(usw2, 40*time.Millisecond, nil)
	p.set(euw1, 90*time.Millisecond, nil)
	st := newTestStore(t, c)
	refresh(t, c)
	st.Observe(use1, 90*time.Millisecond, nil)
	st.Observe(usw2, 40*time.Millisecond, nil)
	st.Observe(euw1, 1*time.Millisecond, nil)
	require.True(t, st.Status().OwnLatency)
	require.Equal(t, euw1, storePick(t, st))
	clk.Advance(3*c.Options().ProbeInterval + time.Second)
	assert.True(t, st.Status().OwnLatency, "Status must describe the ranking Pick uses")
	assert.Equal(t, euw1, storePick(t, st))
	p.set(use1, 11*time.Millisecond, nil) // the next network round
	refresh(t, c)
	assert.False(t, st.Status().OwnLatency)
	assert.Equal(t, use1, storePick(t, st), "stale own samples still rank the store")
}

package multiregion_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// A drained region is neither picked nor ranked, by the network view and
// by every store, keeps being probed, and comes back on Undrain.
func TestDrain(t *testing.T) {
	p := newFakeProber()
	p.set(use1, 10*time.Millisecond, nil)
	p.set(usw2, 20*time.Millisecond, nil)
	p.set(euw1, 30*time.Millisecond, nil)
	c := newTestClient(t, []multiregion.Region{use1, usw2, euw1}, withProber(p))
	refresh(t, c)
	a := newTestStore(t, c)
	b := newTestStore(t, c, withStoreProber(p))
	storeRefresh(t, b)
	require.Equal(t, use1, storePick(t, a))

	require.NoError(t, c.Drain(use1))
	for _, st := range []*multiregion.Store{a, b} {
		assert.Equal(t, usw2, storePick(t, st), st.Name())
		assert.Equal(t, []multiregion.Region{usw2, euw1}, storeRankAll(t, st), "a drained region is not even a last resort")
		assert.False(t, st.Healthy(use1))
		s := storeStatus(t, st, use1)
		assert.True(t, s.Drained)
		assert.True(t, s.Healthy, "a drain is not an ejection: the measured health stays")
	}
	all, err := c.Set()
	require.NoError(t, err)
	r, err := c.Pick(all)
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	assert.Equal(t, []multiregion.DrainStatus{{Region: use1, By: []string{multiregion.DrainOperator}}}, c.Status().Drained)

	before := p.count(use1)
	refresh(t, c)
	assert.Greater(t, p.count(use1), before, "a drained region is still probed")
	assert.True(t, status(t, c, use1).Drained)

	only, err := c.Set(use1)
	require.NoError(t, err)
	_, err = a.Pick(only)
	assert.ErrorIs(t, err, multiregion.ErrNoHealthyRegion, "a call that may only use drained regions has none")

	require.NoError(t, c.Drain(use1), "draining twice is a no-op")
	require.NoError(t, c.Undrain(use1))
	assert.Equal(t, use1, storePick(t, a))
	assert.Equal(t, use1, storePick(t, b))
	assert.Empty(t, c.Status().Drained)
	assert.False(t, storeStatus(t, a, use1).Drained)
}

func TestDrainBadInput(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1, usw2})
	var ur *multiregion.UnknownRegionError
	require.ErrorAs(t, c.Drain(euw1), &ur, "a region the Client does not have")
	require.ErrorAs(t, c.Undrain("nowhere-1"), &ur)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.Drain(use1), multiregion.ErrClosed)
}

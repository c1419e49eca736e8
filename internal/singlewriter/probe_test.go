package singlewriter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// TestPingProber: the probe pings the region's own client and times the
// ping; a ping's failure, and a region the kit has no member in, are the
// probe's errors.
func TestPingProber(t *testing.T) {
	e := newEnv(t)
	boom := errors.New("ping refused")
	var pinged []multiregion.Region
	p := singlewriter.PingProber(e.kit, func(ctx context.Context, c *fakeConn) error {
		pinged = append(pinged, c.Region)
		if c.Region == euw1 {
			return boom
		}
		time.Sleep(60 * time.Millisecond)
		return nil
	})
	d, err := p.Probe(testCtx(t), usw2)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, d, 60*time.Millisecond)
	assert.Equal(t, []multiregion.Region{usw2}, pinged)

	_, err = p.Probe(testCtx(t), euw1)
	assert.ErrorIs(t, err, boom)

	_, err = p.Probe(testCtx(t), "ap-south-1")
	assert.Error(t, err, "no member there")
	assert.Len(t, pinged, 2, "no ping without a client")
}

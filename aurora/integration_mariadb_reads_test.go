//go:build integration

package aurora_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/testutil"
)

// TestIntegrationMariaDBReadsNearestAndFailOver: with us-west-2's proxy at
// 1 ms, us-east-1's at 60 ms and eu-west-1's at 150 ms, MariaDB reads go
// to us-west-2, and to us-east-1 once us-west-2 is down.
func TestIntegrationMariaDBReadsNearestAndFailOver(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureMariaTable(t, env)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	for r, ms := range map[string]int{"us-west-2": 1, "us-east-1": 60, "eu-west-1": 150} {
		require.NoError(t, env.SetLatency(ctx, r, time.Duration(ms)*time.Millisecond))
	}
	c, err := aurora.New(ctx, labClient(t, env, true), staticMaria(t, env), func(o *aurora.Options) { o.LagInterval = 200 * time.Millisecond })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	reader := func() multiregion.Region {
		var one int
		if err := c.QueryRowContext(ctx, "select 1").Scan(&one); err != nil {
			return ""
		}
		_, r, err := c.Reader(ctx)
		require.NoError(t, err)
		return r
	}
	require.Eventually(t, func() bool { return reader() == "us-west-2" }, 10*time.Second, 100*time.Millisecond, "reads go to the 1 ms region")
	require.NoError(t, env.Down(ctx, "us-west-2"))
	require.Eventually(t, func() bool { return reader() == "us-east-1" }, 10*time.Second, 50*time.Millisecond, "with us-west-2 down, reads go to us-east-1")
}

// TestIntegrationMariaDBDelayedReplicaSkipped: a replica whose SQL thread
// applies events 3 s late (CHANGE MASTER TO MASTER_DELAY=3) reports
// Seconds_Behind_Master above MaxLag 1 s while the primary writes: reads
// leave it, and come back once the delay is removed (the cleanup puts
// MASTER_DELAY=0 back in any case).
func TestIntegrationMariaDBDelayedReplicaSkipped(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureMariaTable(t, env)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	delayed := env.Replicas()[0]
	admin := openMaria(t, mariaRegion(t, env, delayed).Direct.MariaDBAdmin)
	setDelay := func(ctx context.Context, secs int) error {
		for _, q := range []string{"STOP SLAVE", fmt.Sprintf("CHANGE MASTER TO MASTER_DELAY = %d", secs), "START SLAVE"} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, setDelay(ctx, 0))
	})
	for r, ms := range map[string]int{delayed: 1, env.Writer: 60, env.Replicas()[1]: 150} {
		require.NoError(t, env.SetLatency(ctx, r, time.Duration(ms)*time.Millisecond))
	}
	c, err := aurora.New(ctx, labClient(t, env, true), staticMaria(t, env), func(o *aurora.Options) {
		o.LagInterval, o.MaxLag = 200*time.Millisecond, time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	reader := func() multiregion.Region {
		_, r, err := c.Reader(ctx)
		require.NoError(t, err)
		return r
	}
	require.Eventually(t, func() bool { return reader() == multiregion.Region(delayed) }, 10*time.Second, 100*time.Millisecond)

	require.NoError(t, setDelay(ctx, 3))
	defer keepWriting(t, c, "insert into aurora_it (id) values (?)")()
	require.Eventually(t, func() bool { return reader() != multiregion.Region(delayed) }, 15*time.Second, 100*time.Millisecond, "the delayed replica is skipped")
	lag, ok := c.Lag(multiregion.Region(delayed))
	t.Logf("FIGURE MariaDB delayed replica: Seconds_Behind_Master %v (known %v) > MaxLag 1s; reads on %s", lag, ok, reader())
	assert.True(t, ok && lag > time.Second)
	require.NoError(t, setDelay(ctx, 0))
	require.Eventually(t, func() bool { return reader() == multiregion.Region(delayed) }, 15*time.Second, 100*time.Millisecond, "caught up, it serves again")
}

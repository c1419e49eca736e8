//go:build integration

package aurora_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/testutil"
)

// TestIntegrationWritesGoToThePrimary: routed writes land on the primary;
// a write forced into a standby's region is refused before any network
// traffic (the standby has no session of this Cluster); a real write sent
// to the standby's pool returns the engine's read-only error.
func TestIntegrationWritesGoToThePrimary(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	ctx := testCtx(t)
	app := uniqueID("aurora-writes-")
	c, err := aurora.New(ctx, labClient(t, env, false), staticPG(t, env, app), func(o *aurora.Options) {
		o.LagInterval = -1 // no background round: its sessions would hide the proof
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	id := uniqueID("w-")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values ($1)", id)
	require.NoError(t, err)
	var n int
	require.NoError(t, testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it")).QueryRowContext(ctx, "select count(*) from aurora_it where id = $1", id).Scan(&n))
	assert.Equal(t, 1, n, "the write is on the primary")

	standby := multiregion.Region(env.Replicas()[0])
	_, err = c.In(standby).ExecContext(ctx, "insert into aurora_it (id) values ($1)", uniqueID("refused-"))
	var wre *multiregion.WriteRegionError
	require.ErrorAs(t, err, &wre)
	assert.Zero(t, connections(t, env, string(standby), app), "no session on the standby: refused before any traffic")

	db, r, err := c.In(standby).Reader(ctx)
	require.NoError(t, err)
	require.Equal(t, standby, r)
	_, err = db.ExecContext(ctx, "insert into aurora_it (id) values ($1)", uniqueID("bypass-"))
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "25006", pe.Code, "the standby refuses as read-only")
	testutil.Record(err.Error())
}

// TestIntegrationReadsNearestAndFailOver: with us-west-2's proxy at 1 ms,
// us-east-1's at 60 ms and eu-west-1's at 150 ms, reads go to us-west-2;
// with us-west-2 down they go to the next nearest. ReadYourWrites sends
// the reads right after a write to the writer, and back to the standby
// once its replayed WAL position passed the write.
func TestIntegrationReadsNearestAndFailOver(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	for r, ms := range map[string]int{"us-west-2": 1, "us-east-1": 60, "eu-west-1": 150} {
		require.NoError(t, env.SetLatency(ctx, r, time.Duration(ms)*time.Millisecond))
	}
	c, err := aurora.New(ctx, labClient(t, env, true), staticPG(t, env, uniqueID("aurora-reads-")), func(o *aurora.Options) {
		o.LagInterval = 200 * time.Millisecond
		o.ReadYourWrites = true
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	nearest := func() multiregion.Region {
		var got multiregion.Region
		_, err := c.QueryContext(ctx, "select 1")
		require.NoError(t, err)
		_, got, err = c.Reader(ctx)
		require.NoError(t, err)
		return got
	}
	require.Eventually(t, func() bool { return nearest() == "us-west-2" }, 10*time.Second, 100*time.Millisecond, "reads go to the 1 ms region")
	var one int
	require.NoError(t, c.QueryRowContext(ctx, "select 1").Scan(&one))

	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values ($1)", uniqueID("ryw-"))
	require.NoError(t, err)
	_, r, err := c.Reader(ctx)
	require.NoError(t, err)
	assert.Equal(t, multiregion.Region(env.Writer), r, "right after a write, read-your-writes reads on the writer")
	t0 := time.Now()
	require.Eventually(t, func() bool { return nearest() == "us-west-2" }, 5*time.Second, 20*time.Millisecond, "back to the standby once it replayed the write")
	t.Logf("FIGURE read-your-writes: reads back on the standby %v after the write", time.Since(t0).Round(time.Millisecond))

	require.NoError(t, env.Down(ctx, "us-west-2"))
	require.Eventually(t, func() bool {
		_, err := c.QueryContext(ctx, "select 1")
		_, r, _ := c.Reader(ctx)
		return err == nil && r == "us-east-1"
	}, 10*time.Second, 50*time.Millisecond, "with us-west-2 down, reads go to us-east-1")
	rows, err := c.QueryContext(ctx, "select 1")
	require.NoError(t, err, "a read fails over")
	require.NoError(t, rows.Close())
}

// TestIntegrationLaggingReplicaSkipped: a standby whose replay is paused
// (pg_wal_replay_pause) while the primary writes lags more and more; with
// MaxLag 1 s it stops serving reads, and serves again once resumed.
func TestIntegrationLaggingReplicaSkipped(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	lagging := env.Replicas()[0]
	for r, ms := range map[string]int{lagging: 1, env.Writer: 60, env.Replicas()[1]: 150} {
		require.NoError(t, env.SetLatency(ctx, r, time.Duration(ms)*time.Millisecond))
	}
	c, err := aurora.New(ctx, labClient(t, env, true), staticPG(t, env, uniqueID("aurora-lag-")), func(o *aurora.Options) {
		o.LagInterval, o.MaxLag = 200*time.Millisecond, time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	reader := func() multiregion.Region {
		_, r, err := c.Reader(ctx)
		require.NoError(t, err)
		return r
	}
	require.Eventually(t, func() bool { return reader() == multiregion.Region(lagging) }, 10*time.Second, 100*time.Millisecond)
	var (
		lag time.Duration
		ok  bool
	)
	require.Eventually(t, func() bool { lag, ok = c.Lag(multiregion.Region(lagging)); return ok }, 10*time.Second, 50*time.Millisecond, "lag measured")
	assert.Less(t, lag, time.Second, "an idle primary: the standby's lag is near 0")

	standby := testutil.OpenPG(t, labPG(t, env, lagging, true, "aurora-it"))
	_, err = standby.ExecContext(ctx, "select pg_wal_replay_pause()")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = standby.ExecContext(context.Background(), "select pg_wal_replay_resume()") })
	defer keepWriting(t, c, "insert into aurora_it (id) values ($1)")()
	require.Eventually(t, func() bool { return reader() != multiregion.Region(lagging) }, 15*time.Second, 100*time.Millisecond, "the paused standby is skipped")
	lag, ok = c.Lag(multiregion.Region(lagging))
	t.Logf("FIGURE paused standby: lag %v (known %v) > MaxLag 1s; reads on %s", lag.Round(time.Millisecond), ok, reader())
	assert.True(t, ok && lag > time.Second)

	_, err = standby.ExecContext(ctx, "select pg_wal_replay_resume()")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return reader() == multiregion.Region(lagging) }, 15*time.Second, 100*time.Millisecond, "resumed, it serves again")
}

// TestIntegrationOutcomeUnknownNotRetried: the writer's proxy goes down
// while a statement runs on it. The error says the outcome is unknown
// (multiregion.ErrOutcomeUnknown) and the statement ran at most once.
func TestIntegrationOutcomeUnknownNotRetried(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	c, err := aurora.New(ctx, labClient(t, env, false), staticPG(t, env, uniqueID("aurora-unknown-")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.ExecContext(ctx, "select 1") // a warm connection
	require.NoError(t, err)

	id := uniqueID("unknown-")
	go func() {
		time.Sleep(500 * time.Millisecond)
		_ = env.Down(context.Background(), env.Writer)
	}()
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) select $1 from pg_sleep(1.5)", id)
	require.Error(t, err)
	testutil.Record(err.Error())
	assert.ErrorIs(t, err, multiregion.ErrOutcomeUnknown)
	assert.True(t, strings.Contains(err.Error(), "outcome unknown"), "%v", err)
	require.NoError(t, env.Up(ctx, env.Writer))
	primary := testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it"))
	var n int
	require.Eventually(t, func() bool {
		return primary.QueryRowContext(ctx, "select count(*) from aurora_it where id = $1", id).Scan(&n) == nil
	}, 5*time.Second, 50*time.Millisecond)
	assert.LessOrEqual(t, n, 1, "never retried")
	t.Logf("outcome-unknown insert: %d row(s) landed; error: %v", n, errors.Unwrap(err))
}

// TestIntegrationForwardingSession: with WriteForwarding, every connection
// the adapter opens in a secondary region carries the consistency mode
// (the lab's PostgreSQL takes apg_write_forward.consistency_mode as a
// custom setting; it has no forwarding, so the write itself is refused
// with 25006, as a secondary without forwarding enabled would). IAMAuth
// builds a token for each new connection (the lab trusts loopback, so the
// token is not checked; the connection proves the hook runs without
// failing).
func TestIntegrationForwardingSession(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	ctx := testCtx(t)
	c, err := aurora.New(ctx, labClient(t, env, false), staticPG(t, env, uniqueID("aurora-fwd-")), func(o *aurora.Options) {
		o.WriteForwarding, o.ForwardingConsistency = true, aurora.ConsistencyGlobal
		o.IAMAuth = true
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	secondary := multiregion.Region(env.Replicas()[0])
	var mode string
	require.NoError(t, c.In(secondary).QueryRowContext(ctx, "show apg_write_forward.consistency_mode").Scan(&mode))
	assert.Equal(t, "GLOBAL", mode, "set on the secondary's connection")
	_, err = c.In(secondary).ExecContext(ctx, "insert into aurora_it (id) values ($1)", uniqueID("fwd-"))
	var re *multiregion.RegionError
	require.ErrorAs(t, err, &re, "sent to the secondary (forwarded on Aurora), not refused locally")
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "25006", pe.Code)
	testutil.Record(err.Error())
	db, err := c.Writer(ctx)
	require.NoError(t, err)
	err = db.QueryRowContext(ctx, "show apg_write_forward.consistency_mode").Scan(&mode)
	assert.Error(t, err, "the writer's connections carry no forwarding mode")
}

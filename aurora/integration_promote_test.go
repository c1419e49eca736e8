//go:build integration

package aurora_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// pgAddr is region's PostgreSQL host:port, through its proxy or direct.
func pgAddr(t testing.TB, env *lab.Env, region string, direct bool) string {
	t.Helper()
	u, err := url.Parse(labPG(t, env, region, direct, "x"))
	require.NoError(t, err)
	return u.Host
}

func splitAddr(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return h, n
}

// controlLab starts multiregiontest's RDS control plane (an Aurora
// PostgreSQL global database, writer as given) whose members' endpoints
// are addr(region), and a Client on it.
func controlLab(t *testing.T, env *lab.Env, writer string, addr func(region string) string) (*multiregiontest.Lab, *multiregion.Client) {
	t.Helper()
	ml := multiregiontest.Start(t, env.Regions(), multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.Writer = writer
		o.Endpoint = func(r string) (string, int) { return splitAddr(addr(r)) }
	}))
	mr, err := multiregion.New(context.Background(), ml.Config(), ml.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Logger = testutil.Logger()
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return ml, mr
}

// labDSN is the DSN template of the lab's servers (their host and port
// come from the control plane).
func labDSN(app string) string {
	return fmt.Sprintf("postgres://postgres:%s@placeholder/lab?sslmode=disable&connect_timeout=2&application_name=%s", password, app)
}

// TestIntegrationRefusedWriteRefreshes: the control plane names a standby
// the writer. A write sent there is refused with SQLSTATE 25006 and
// reloads the topology once; once the control plane names the primary
// again, the next refused write is retried there, once, and lands once.
func TestIntegrationRefusedWriteRefreshes(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	ctx := testCtx(t)
	stale := env.Replicas()[0]
	ml, mr := controlLab(t, env, stale, func(r string) string { return pgAddr(t, env, r, false) })
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.GlobalClusterID, o.DSN = ml.RDS().GlobalClusterID(), labDSN("aurora-refused")
		o.RefreshInterval, o.LagInterval = -1, -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, multiregion.Region(stale), c.WriterRegion())

	loads := ml.RDS().Calls("DescribeGlobalClusters")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values ($1)", uniqueID("refused-"))
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, "the driver's error stays reachable: %v", err)
	assert.Equal(t, "25006", pe.Code)
	assert.Equal(t, loads+1, ml.RDS().Calls("DescribeGlobalClusters"), "one refresh for the refusal")
	testutil.Record(err.Error())

	require.NoError(t, ml.RDS().SetWriter(env.Writer))
	id := uniqueID("moved-")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values ($1)", id)
	require.NoError(t, err, "refused on the stale writer, retried on the new one")
	assert.Equal(t, multiregion.Region(env.Writer), c.WriterRegion())
	var n int
	require.NoError(t, testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it")).QueryRowContext(ctx, "select count(*) from aurora_it where id = $1", id).Scan(&n))
	assert.Equal(t, 1, n, "exactly once")
}

// TestIntegrationStalePoolRebuilt: the writer's endpoint is a name whose
// address moves (a proxy of the test). Its pool first reaches a hot
// standby, as when DNS still points at an old writer; then the name moves
// to the primary, but the pool's open connections stay on the standby.
// The control plane (static here) keeps naming the region the writer. The
// background check sees pg_is_in_recovery() on the writer's pool and
// rebuilds it; writes then land on the primary, with no restart.
func TestIntegrationStalePoolRebuilt(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	ctx := testCtx(t)
	name := testutil.NewMovingProxy(t, pgAddr(t, env, env.Replicas()[1], true))
	var logs testutil.SyncBuffer
	mr := labClient(t, env, false)
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.Engine, o.RefreshInterval, o.LagInterval = aurora.PostgreSQL, -1, 100*time.Millisecond
		o.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(&logs, testutil.Capture()), &slog.HandlerOptions{Level: slog.LevelDebug}))
		for _, r := range env.Regions() {
			dsn := labPG(t, env, r, false, "aurora-stale")
			if r == env.Writer {
				dsn = fmt.Sprintf("postgres://postgres:%s@%s/lab?sslmode=disable&application_name=aurora-stale", password, name.Addr())
			}
			o.Members = append(o.Members, aurora.Member{Region: multiregion.Region(r), Writer: r == env.Writer, DSN: dsn})
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	db, err := c.Writer(ctx)
	require.NoError(t, err)
	db.SetMaxIdleConns(4)
	_, err = db.ExecContext(ctx, "select 1") // an open connection to the standby
	require.NoError(t, err)

	name.MoveTo(pgAddr(t, env, env.Writer, true), false) // the name moves; open connections stay
	t0 := time.Now()
	var id string
	require.Eventually(t, func() bool {
		id = uniqueID("stale-")
		_, err := c.ExecContext(ctx, "insert into aurora_it (id) values ($1)", id)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "writes reach the primary once the pool is rebuilt")
	t.Logf("FIGURE stale-DNS pool rebuilt: first write on the primary %v after the name moved", time.Since(t0).Round(time.Millisecond))
	assert.Contains(t, logs.String(), "rebuilt")
	var n int
	require.NoError(t, testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it")).QueryRowContext(ctx, "select count(*) from aurora_it where id = $1", id).Scan(&n))
	assert.Equal(t, 1, n)
}

// TestIntegrationPromoteAndMove is the failover figure on real servers:
// us-west-2's member is a dedicated hot standby of the lab's primary;
// us-east-1's endpoint is a name (a proxy of the test) on the lab's
// primary. Eight goroutines insert throughout. Mid-run the standby is
// promoted (pg_promote), the mocked control plane names us-west-2 the
// writer (SetWriter), and us-east-1's name moves to a hot standby (the old
// writer demoted: its open connections are cut, new writes refused with
// 25006). Each goroutine may lose at most one call (a statement cut in
// flight, outcome unknown); every write started after the move lands on
// the promoted server. It prints how long the Cluster took to follow.
func TestIntegrationPromoteAndMove(t *testing.T) { promoteAndMove(t, false) }

// TestIntegrationPromoteAndMoveOldWriterGone is the same, but the old
// writer's name stops answering (open connections cut, new ones refused),
// as when a failover takes the old writer away: no server refuses a write
// as read-only, so it is the regional failure of a write in the writer
// region that reloads the topology (singlewriter.Router).
func TestIntegrationPromoteAndMoveOldWriterGone(t *testing.T) { promoteAndMove(t, true) }

func promoteAndMove(t *testing.T, gone bool) {
	env := testutil.LoadLab(t)
	ensureTable(t, env)
	ctx := testCtx(t)
	standby := startStandby(t, env)
	standbyDB := testutil.OpenPG(t, fmt.Sprintf("postgres://postgres@%s/lab?sslmode=disable", standby))
	oldWriter := testutil.NewMovingProxy(t, pgAddr(t, env, env.Writer, true))
	ml, mr := controlLab(t, env, env.Writer, func(r string) string {
		switch r {
		case env.Writer:
			return oldWriter.Addr()
		case "us-west-2":
			return standby
		}
		return pgAddr(t, env, r, true)
	})
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.GlobalClusterID, o.DSN = ml.RDS().GlobalClusterID(), labDSN("aurora-promote")
		o.LagInterval = 200 * time.Millisecond
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, multiregion.Region(env.Writer), c.WriterRegion())

	move := func() {
		var promoted bool
		require.NoError(t, standbyDB.QueryRowContext(ctx, "select pg_promote(true, 30)").Scan(&promoted))
		require.True(t, promoted)
		require.NoError(t, ml.RDS().SetWriter("us-west-2"))
		if gone {
			oldWriter.MoveTo(closedPort(t), true) // cut, then refused
		} else {
			oldWriter.MoveTo(pgAddr(t, env, env.Replicas()[1], true), true) // demoted: cut, then read-only
		}
	}
	const writers = 8
	run := writeThroughMove(t, c, writers, uniqueID("pm"), "insert into aurora_it (id, g) values ($1, $2)", move)
	assert.Equal(t, multiregion.Region("us-west-2"), c.WriterRegion(), "the Cluster follows the new writer")
	after := run.after
	var onPromoted, onOld int
	require.NoError(t, standbyDB.QueryRowContext(ctx, "select count(*) from aurora_it where id = any($1)", after).Scan(&onPromoted))
	require.NoError(t, testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it")).QueryRowContext(ctx, "select count(*) from aurora_it where id = any($1)", after).Scan(&onOld))
	assert.Equal(t, len(after), onPromoted, "every write after the move is on the promoted server")
	assert.Zero(t, onOld, "none on the old writer")
	t.Logf("FIGURE promote-and-move (PostgreSQL, old writer gone: %v): %d goroutines, %d writes ok, %d after the move (all on the promoted standby: %d; on the old writer: %d), "+
		"%d failed calls, at most %d per goroutine (ok/failed:%s); first write on the new writer %v after the move; %d DescribeGlobalClusters",
		gone, writers, run.total, len(after), onPromoted, onOld, run.failed, run.maxFail, run.counts, run.follow, ml.RDS().Calls("DescribeGlobalClusters"))
}

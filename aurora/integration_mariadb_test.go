//go:build integration

package aurora_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// The lab's MariaDB: a GTID primary in us-east-1, read_only replicas in
// the other regions, each behind its region's proxy. The application
// account is subject to read_only (error 1290); the admin account
// promotes.

func mariaRegion(t testing.TB, env *lab.Env, region string) lab.Region {
	t.Helper()
	r, err := env.Region(region)
	require.NoError(t, err)
	require.NotEmpty(t, r.MariaDB, "the lab has no MariaDB (scripts/lab up with MariaDB)")
	return r
}

// mariaDSN is region's application DSN, through its proxy or direct.
func mariaDSN(t testing.TB, env *lab.Env, region string, direct bool) string {
	r := mariaRegion(t, env, region)
	if direct {
		return r.Direct.MariaDB
	}
	return r.MariaDB
}

func mariaAddr(t testing.TB, env *lab.Env, region string, direct bool) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(mariaDSN(t, env, region, direct))
	require.NoError(t, err)
	return cfg.Addr
}

// mariaPassword is the lab application account's password, which no
// error may show.
func mariaPassword(t testing.TB, env *lab.Env) string {
	cfg, err := mysql.ParseDSN(mariaDSN(t, env, env.Writer, true))
	require.NoError(t, err)
	return cfg.Passwd
}

func openMaria(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// ensureMariaTable creates the tests' table on the primary and waits for
// every replica to have it.
func ensureMariaTable(t testing.TB, env *lab.Env) {
	t.Helper()
	ctx := testCtx(t)
	_, err := openMaria(t, mariaDSN(t, env, env.Writer, true)).ExecContext(ctx,
		"create table if not exists aurora_it (id varchar(100) primary key, g int not null default 0)")
	require.NoError(t, err)
	for _, r := range env.Replicas() {
		db := openMaria(t, mariaDSN(t, env, r, true))
		require.Eventually(t, func() bool {
			_, err := db.ExecContext(ctx, "select 1 from aurora_it limit 1")
			return err == nil
		}, 20*time.Second, 50*time.Millisecond, "table replicated to %s", r)
	}
}

func staticMaria(t testing.TB, env *lab.Env) func(*aurora.Options) {
	return func(o *aurora.Options) {
		o.Engine, o.RefreshInterval = aurora.MySQL, -1
		for _, r := range env.Regions() {
			o.Members = append(o.Members, aurora.Member{Region: multiregion.Region(r), Writer: r == env.Writer, DSN: mariaDSN(t, env, r, false)})
		}
	}
}

// connectionsSeen is the server's Connections counter, read over one
// connection kept open, so that reading it opens none.
func connectionsSeen(t testing.TB, db *sql.DB) int {
	t.Helper()
	var name string
	var n int
	require.NoError(t, db.QueryRowContext(testCtx(t), "show global status like 'Connections'").Scan(&name, &n))
	return n
}

// TestIntegrationMariaDBWritesAndRefusal: routed writes land on the
// primary; a write forced into a replica's region is refused before any
// network traffic (the replica counts no new connection); a real write
// sent to the replica's pool returns error 1290 (--read-only); the
// background round reads Seconds_Behind_Master.
func TestIntegrationMariaDBWritesAndRefusal(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureMariaTable(t, env)
	ctx := testCtx(t)
	secret := mariaPassword(t, env)
	replica := env.Replicas()[0]
	counter := openMaria(t, mariaDSN(t, env, replica, true))
	counter.SetMaxOpenConns(1)
	c, err := aurora.New(ctx, labClient(t, env, false), staticMaria(t, env), func(o *aurora.Options) { o.LagInterval = -1 })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	id := uniqueID("mw-")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values (?)", id)
	require.NoError(t, err)
	var n int
	require.NoError(t, openMaria(t, mariaDSN(t, env, env.Writer, true)).QueryRowContext(ctx, "select count(*) from aurora_it where id = ?", id).Scan(&n))
	assert.Equal(t, 1, n, "the write is on the primary")

	before := connectionsSeen(t, counter)
	_, err = c.In(multiregion.Region(replica)).ExecContext(ctx, "insert into aurora_it (id) values (?)", uniqueID("refused-"))
	var wre *multiregion.WriteRegionError
	require.ErrorAs(t, err, &wre)
	assert.Equal(t, before, connectionsSeen(t, counter), "no connection to the replica: refused before any traffic")

	db, _, err := c.In(multiregion.Region(replica)).Reader(ctx)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "insert into aurora_it (id) values (?)", uniqueID("bypass-"))
	var me *mysql.MySQLError
	require.ErrorAs(t, err, &me)
	assert.EqualValues(t, 1290, me.Number, "the replica refuses: --read-only")
	assert.NotContains(t, err.Error(), secret)
	testutil.Record(err.Error())

	m, err := aurora.New(ctx, labClient(t, env, false), staticMaria(t, env), func(o *aurora.Options) { o.LagInterval = 100 * time.Millisecond })
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	var lag time.Duration
	var ok bool
	require.Eventually(t, func() bool { lag, ok = m.Lag(multiregion.Region(replica)); return ok }, 10*time.Second, 50*time.Millisecond,
		"Seconds_Behind_Master read in the background")
	assert.Less(t, lag, 2*time.Second)
	t.Logf("FIGURE MariaDB %s: Seconds_Behind_Master %v", replica, lag)
}

// mariaControlLab is the RDS control plane for RDS MariaDB read replicas
// whose endpoints are addr(region).
func mariaControlLab(t *testing.T, env *lab.Env, writer string, addr func(string) string) (*multiregiontest.Lab, *multiregion.Client) {
	t.Helper()
	ml := multiregiontest.Start(t, env.Regions(), multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.Kind, o.Engine, o.Writer = multiregion.RDSReadReplica, "mariadb", writer
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

// mariaTemplate is the lab's application DSN with its address replaced by
// the control plane's.
func mariaTemplate(t testing.TB, env *lab.Env) string {
	cfg, err := mysql.ParseDSN(mariaDSN(t, env, env.Writer, true))
	require.NoError(t, err)
	cfg.Addr = "placeholder:3306"
	cfg.Timeout = 2 * time.Second
	return cfg.FormatDSN()
}

// TestIntegrationMariaDBRefusedWriteRefreshes: the control plane names a
// replica the source. A write there is refused with 1290 and reloads the
// topology; once the control plane names the primary, the next refused
// write is retried there once and lands once.
func TestIntegrationMariaDBRefusedWriteRefreshes(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureMariaTable(t, env)
	ctx := testCtx(t)
	stale := env.Replicas()[0]
	ml, mr := mariaControlLab(t, env, stale, func(r string) string { return mariaAddr(t, env, r, false) })
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.Kind, o.SourceDBInstanceID, o.DSN = aurora.RDSReplicas, ml.RDS().InstanceID(stale), mariaTemplate(t, env)
		o.RefreshInterval, o.LagInterval = -1, -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, multiregion.Region(stale), c.WriterRegion())
	require.Equal(t, aurora.MySQL, c.Engine())

	loads := ml.RDS().Calls("DescribeDBInstances")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values (?)", uniqueID("refused-"))
	var me *mysql.MySQLError
	require.ErrorAs(t, err, &me, "%v", err)
	assert.EqualValues(t, 1290, me.Number)
	assert.Greater(t, ml.RDS().Calls("DescribeDBInstances"), loads, "the refusal reloaded the topology")
	assert.NotContains(t, err.Error(), mariaPassword(t, env))

	require.NoError(t, ml.RDS().SetWriter(env.Writer))
	id := uniqueID("moved-")
	_, err = c.ExecContext(ctx, "insert into aurora_it (id) values (?)", id)
	require.NoError(t, err, "refused on the stale source, retried on the new one")
	assert.Equal(t, multiregion.Region(env.Writer), c.WriterRegion())
	var n int
	require.NoError(t, openMaria(t, mariaDSN(t, env, env.Writer, true)).QueryRowContext(ctx, "select count(*) from aurora_it where id = ?", id).Scan(&n))
	assert.Equal(t, 1, n, "exactly once")
}

// TestIntegrationMariaDBZPromoteAndMove (Z: it runs last; it promotes a
// lab replica and puts it back): eight goroutines write through an RDS
// MariaDB Cluster. Mid-run the replica is promoted (STOP SLAVE; SET GLOBAL
// read_only=OFF), the control plane names it the source, and the old
// source's endpoint (a proxy of the test) moves to the other replica (the
// old writer demoted: open connections cut, new writes refused with 1290).
// Each goroutine may lose at most one call; every write after the move is
// on the promoted replica. The cleanup demotes it again (its rows removed
// without binlogging, read_only=ON, START SLAVE) and checks it replicates.
func TestIntegrationMariaDBZPromoteAndMove(t *testing.T) {
	env := testutil.LoadLab(t)
	ensureMariaTable(t, env)
	ctx := testCtx(t)
	target, other := env.Replicas()[0], env.Replicas()[1]
	admin := openMaria(t, mariaRegion(t, env, target).Direct.MariaDBAdmin)
	targetDB := openMaria(t, mariaDSN(t, env, target, true))
	prefix := uniqueID("mp-")
	t.Cleanup(func() { demoteMaria(t, env, admin, prefix) })
	oldWriter := testutil.NewMovingProxy(t, mariaAddr(t, env, env.Writer, true))
	ml, mr := mariaControlLab(t, env, env.Writer, func(r string) string {
		if r == env.Writer {
			return oldWriter.Addr()
		}
		return mariaAddr(t, env, r, true)
	})
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.Kind, o.SourceDBInstanceID, o.DSN = aurora.RDSReplicas, ml.RDS().InstanceID(env.Writer), mariaTemplate(t, env)
		o.LagInterval = 200 * time.Millisecond
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	move := func() {
		for _, q := range []string{"STOP SLAVE", "SET GLOBAL read_only = OFF"} {
			_, err := admin.ExecContext(ctx, q)
			require.NoError(t, err, q)
		}
		require.NoError(t, ml.RDS().SetWriter(target))
		oldWriter.MoveTo(mariaAddr(t, env, other, true), true)
	}
	const writers = 8
	run := writeThroughMove(t, c, writers, prefix, "insert into aurora_it (id, g) values (?, ?)", move)
	assert.Equal(t, multiregion.Region(target), c.WriterRegion(), "the Cluster follows the promoted replica")
	after := make([]any, len(run.after))
	for i, id := range run.after {
		after[i] = id
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(after)), ",") + ")"
	var onPromoted, onOld int
	require.NoError(t, targetDB.QueryRowContext(ctx, "select count(*) from aurora_it where id in "+in, after...).Scan(&onPromoted))
	require.NoError(t, openMaria(t, mariaDSN(t, env, env.Writer, true)).QueryRowContext(ctx, "select count(*) from aurora_it where id in "+in, after...).Scan(&onOld))
	assert.Equal(t, len(after), onPromoted, "every write after the move is on the promoted replica")
	assert.Zero(t, onOld, "none on the old source")
	t.Logf("FIGURE promote-and-move (MariaDB): %d goroutines, %d writes ok, %d after the move (on the promoted replica: %d; on the old source: %d), "+
		"%d failed calls, at most %d per goroutine (ok/failed:%s); first write on the new writer %v after the move",
		writers, run.total, len(after), onPromoted, onOld, run.failed, run.maxFail, run.counts, run.follow)
}

// demoteMaria makes the promoted replica follow the primary again: the
// rows written on it are deleted without binlogging (the primary never had
// them), read_only is back on, replication restarts from the primary's
// GTIDs it applied; then it must catch up with a fresh row.
func demoteMaria(t *testing.T, env *lab.Env, admin *sql.DB, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := admin.Conn(ctx) // sql_log_bin is per session
	require.NoError(t, err)
	defer conn.Close()
	for _, q := range []string{"SET SESSION sql_log_bin = 0", "DELETE FROM aurora_it WHERE id LIKE ?", "SET GLOBAL read_only = ON", "START SLAVE"} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, prefix+"%")
		}
		_, err := conn.ExecContext(ctx, q, args...)
		require.NoError(t, err, q)
	}
	id := uniqueID("after-")
	_, err = openMaria(t, mariaDSN(t, env, env.Writer, true)).ExecContext(ctx, "insert into aurora_it (id) values (?)", id)
	require.NoError(t, err)
	replica := openMaria(t, mariaDSN(t, env, env.Replicas()[0], true))
	assert.Eventually(t, func() bool {
		var n int
		return replica.QueryRowContext(ctx, "select count(*) from aurora_it where id = ?", id).Scan(&n) == nil && n == 1
	}, 15*time.Second, 50*time.Millisecond, "the demoted replica replicates again")
}

//go:build integration

package lab

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mariaOpen opens a pool on a lab DSN (go-sql-driver/mysql form), with a dial
// timeout so that a region that is down fails fast.
func mariaOpen(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal("lab MariaDB DSN does not parse") // the DSN holds a password: not quoted
	}
	cfg.Timeout = 5 * time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// slaveStatus returns SHOW SLAVE STATUS as column -> value ("" for NULL), or nil
// when the server replicates from nothing.
func slaveStatus(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(cols))
	for i, c := range cols {
		out[c] = vals[i].String
	}
	return out, rows.Err()
}

// checkReplicating asserts that db's replica threads run and that
// Seconds_Behind_Master is a number, and returns it.
func checkReplicating(ctx context.Context, db *sql.DB) (int, error) {
	st, err := slaveStatus(ctx, db)
	if err != nil {
		return 0, err
	}
	if st == nil {
		return 0, errors.New("SHOW SLAVE STATUS is empty: not a replica")
	}
	if st["Slave_IO_Running"] != "Yes" || st["Slave_SQL_Running"] != "Yes" {
		return 0, fmt.Errorf("Slave_IO_Running %q Slave_SQL_Running %q (last error %q)", st["Slave_IO_Running"], st["Slave_SQL_Running"], st["Last_Error"])
	}
	lag, err := strconv.Atoi(st["Seconds_Behind_Master"])
	if err != nil || lag < 0 {
		return 0, fmt.Errorf("Seconds_Behind_Master %q is not a lag", st["Seconds_Behind_Master"])
	}
	return lag, nil
}

// eventuallyRow waits until db holds row id of lab_mariadb with value want.
func eventuallyRow(ctx context.Context, db *sql.DB, id, want string) error {
	return eventually(ctx, 10*time.Second, func(ctx context.Context) error {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT v FROM lab_mariadb WHERE id = ?", id).Scan(&got); err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("has %q, want %q", got, want)
		}
		return nil
	})
}

func isReadOnlyError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1290 && strings.Contains(me.Message, "--read-only option")
}

// mariaPrimary opens the writer's MariaDB (through its proxy) and makes sure the
// test table exists.
func mariaPrimary(t *testing.T, ctx context.Context, env *Env) *sql.DB {
	t.Helper()
	primary := mariaOpen(t, mustRegion(t, env, env.Writer).MariaDB)
	if _, err := primary.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS lab_mariadb (id VARCHAR(64) PRIMARY KEY, v VARCHAR(64) NOT NULL)"); err != nil {
		t.Fatalf("create table on the primary: %v", err)
	}
	return primary
}

// TestMariaDBShape: RDS MySQL-family read replicas: the writer region's MariaDB
// takes writes; the others replicate it by GTID (SHOW SLAVE STATUS running, with a
// Seconds_Behind_Master), serve its committed rows, and refuse the application's
// writes with error 1290 (--read-only option).
func TestMariaDBShape(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 60*time.Second)
	primary := mariaPrimary(t, ctx, env)
	var readOnly int
	if err := primary.QueryRowContext(ctx, "SELECT @@read_only").Scan(&readOnly); err != nil || readOnly != 0 {
		t.Fatalf("primary @@read_only = %d, %v; want 0", readOnly, err)
	}
	if st, err := slaveStatus(ctx, primary); err != nil || st != nil {
		t.Fatalf("primary SHOW SLAVE STATUS = %v, %v; want none", st, err)
	}
	id, val := unique("row"), unique("v")
	if _, err := primary.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, ?)", id, val); err != nil {
		t.Fatalf("insert on the primary: %v", err)
	}

	forEachRegion(t, env, env.Replicas(), func(t *testing.T, name string, r Region) {
		replica := mariaOpen(t, r.MariaDB)
		if err := replica.QueryRowContext(ctx, "SELECT @@read_only").Scan(&readOnly); err != nil || readOnly != 1 {
			t.Fatalf("%s @@read_only = %d, %v; want 1", name, readOnly, err)
		}
		lag, err := checkReplicating(ctx, replica)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: Seconds_Behind_Master %d", name, lag)
		if err := eventuallyRow(ctx, replica, id, val); err != nil {
			t.Fatalf("the primary's row on replica %s: %v", name, err)
		}
		_, err = replica.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, 'x')", unique("replica"))
		if !isReadOnlyError(err) {
			t.Fatalf("insert on replica %s: err = %v, want MySQL error 1290 (--read-only option)", name, err)
		}
	})
}

// mariaRTT measures n COM_PING round trips on one pooled connection, sorted.
func mariaRTT(ctx context.Context, db *sql.DB, n int) ([]time.Duration, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	out := make([]time.Duration, 0, n)
	for i := range n + 2 {
		start := time.Now()
		if err := conn.PingContext(ctx); err != nil {
			return nil, err
		}
		if i >= 2 { // after two warm-ups
			out = append(out, time.Since(start))
		}
	}
	slices.Sort(out)
	return out, nil
}

// TestMariaDBLatency: a round trip to a region's MariaDB through its proxy costs
// about twice the configured one-way latency (median of 11 pings, at least 2L -
// 20 %); the direct address bypasses it. Load only slows round trips down, so
// the median is bounded from below, and the direct one is far under the
// proxied one (80 ms one way in eu-west-1 by default).
func TestMariaDBLatency(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 60*time.Second)
	name := env.Regions()[len(env.Regions())-1]
	r := mustRegion(t, env, name)
	if r.Latency() < 40*time.Millisecond {
		t.Fatalf("%s has %v one way; the test wants a region with at least 40 ms", name, r.Latency())
	}
	proxied, err := mariaRTT(ctx, mariaOpen(t, r.MariaDB), 11)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := mariaRTT(ctx, mariaOpen(t, r.Direct.MariaDB), 11)
	if err != nil {
		t.Fatal(err)
	}
	pm, dm := proxied[len(proxied)/2], direct[len(direct)/2]
	t.Logf("%s: median ping %v through the proxy (one way %v), %v direct", name, pm, r.Latency(), dm)
	if want := r.RoundTrip() * 4 / 5; pm < want {
		t.Errorf("median ping through the proxy %v, below %v", pm, want)
	}
	if dm > pm/2 {
		t.Errorf("median ping direct %v, not well under the proxied %v", dm, pm)
	}
}

// TestMariaDBPromoteReplica: a replica promoted as the lab's runbook does it
// (STOP SLAVE; SET GLOBAL read_only=OFF, with the admin account) takes the
// application's writes, which do not reach the old primary, and no longer
// follows it. The cleanup makes it a replica again (read_only=ON, START SLAVE,
// its local row removed without binlogging) and checks that it catches up, so
// the tests after this one see the lab's topology.
func TestMariaDBPromoteReplica(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 90*time.Second)
	primary := mariaPrimary(t, ctx, env)
	name := env.Replicas()[0]
	r := mustRegion(t, env, name)
	admin := mariaOpen(t, r.Direct.MariaDBAdmin)
	app := mariaOpen(t, r.MariaDB)
	local := unique("promoted")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := demote(ctx, admin, local); err != nil {
			t.Errorf("making %s a replica again: %v", name, err)
			return
		}
		id, val := unique("after"), unique("v")
		if _, err := primary.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, ?)", id, val); err != nil {
			t.Errorf("insert on the primary after the test: %v", err)
		} else if err := eventuallyRow(ctx, app, id, val); err != nil {
			t.Errorf("%s does not replicate again: %v", name, err)
		}
	})

	for _, q := range []string{"STOP SLAVE", "SET GLOBAL read_only = OFF"} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("promote %s: %s: %v", name, q, err)
		}
	}
	var readOnly int
	if err := app.QueryRowContext(ctx, "SELECT @@read_only").Scan(&readOnly); err != nil || readOnly != 0 {
		t.Fatalf("promoted %s @@read_only = %d, %v; want 0", name, readOnly, err)
	}
	if _, err := app.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, 'local')", local); err != nil {
		t.Fatalf("the application's write on the promoted %s: %v", name, err)
	}
	if _, err := checkReplicating(ctx, app); err == nil {
		t.Fatalf("promoted %s still replicates", name)
	}
	// The primary's new rows stop at the promoted server, and its rows stay its own.
	id := unique("unseen")
	if _, err := primary.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, 'p')", id); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // ample for a live replica, which applies in milliseconds
	var n int
	if err := app.QueryRowContext(ctx, "SELECT COUNT(*) FROM lab_mariadb WHERE id = ?", id).Scan(&n); err != nil || n != 0 {
		t.Errorf("the primary's row reached the promoted %s: count %d, %v", name, n, err)
	}
	if err := primary.QueryRowContext(ctx, "SELECT COUNT(*) FROM lab_mariadb WHERE id = ?", local).Scan(&n); err != nil || n != 0 {
		t.Errorf("the promoted %s's row reached the primary: count %d, %v", name, n, err)
	}
}

// demote makes a promoted replica follow the primary again: its local row is
// deleted without binlogging it (the primary never had it), read_only is back on,
// and replication restarts from the primary's GTIDs it had applied
// (MASTER_USE_GTID=slave_pos, so its own local GTIDs do not matter).
func demote(ctx context.Context, admin *sql.DB, localID string) error {
	conn, err := admin.Conn(ctx) // sql_log_bin is per session
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{"SET SESSION sql_log_bin = 0", "DELETE FROM lab_mariadb WHERE id = ?", "SET GLOBAL read_only = ON", "START SLAVE"} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, localID)
		}
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return eventually(ctx, 10*time.Second, func(ctx context.Context) error {
		_, err := checkReplicating(ctx, admin)
		return err
	})
}

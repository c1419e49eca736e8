//go:build integration

package lab

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// These tests change a MariaDB replica's topology (promotion, delay) with the
// admin account and put it back when they end.

// replicaTest gives a test that changes the first replica's topology its
// context, the primary (test table made), the replica's name, and pools on the
// replica: admin (direct, the admin account) and app (proxied, the
// application's account).
func replicaTest(t *testing.T, d time.Duration) (ctx context.Context, primary *sql.DB, name string, admin, app *sql.DB) {
	t.Helper()
	env := labEnv(t)
	ctx = testContext(t, d)
	primary = mariaPrimary(t, ctx, env)
	name = env.Replicas()[0]
	r := mustRegion(t, env, name)
	return ctx, primary, name, mariaOpen(t, r.Direct.MariaDBAdmin), mariaOpen(t, r.MariaDB)
}

// TestMariaDBDelayedReplica: a replica held MASTER_DELAY seconds behind, the
// lab's way to make one lag, reports the lag in Seconds_Behind_Master and serves
// the primary's row only once the delay has passed.
func TestMariaDBDelayedReplica(t *testing.T) {
	ctx, primary, name, admin, app := replicaTest(t, 60*time.Second)
	const delay = 3
	setDelay := func(ctx context.Context, seconds int) error {
		for _, q := range []string{"STOP SLAVE", fmt.Sprintf("CHANGE MASTER TO MASTER_DELAY = %d", seconds), "START SLAVE"} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := setDelay(ctx, 0); err != nil {
			t.Errorf("%s: MASTER_DELAY back to 0: %v", name, err)
		}
	})
	if err := setDelay(ctx, delay); err != nil {
		t.Fatal(err)
	}
	id, val := unique("delayed"), unique("v")
	written := time.Now()
	if _, err := primary.ExecContext(ctx, "INSERT INTO lab_mariadb (id, v) VALUES (?, ?)", id, val); err != nil {
		t.Fatal(err)
	}
	// Within the delay: the row is not there, and the lag shows.
	maxLag := 0
	for time.Since(written) < (delay-1)*time.Second {
		var n int
		if err := app.QueryRowContext(ctx, "SELECT COUNT(*) FROM lab_mariadb WHERE id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%s served the row %v after the write, under its %d s delay", name, time.Since(written), delay)
		}
		lag, err := checkReplicating(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		maxLag = max(maxLag, lag)
		time.Sleep(100 * time.Millisecond)
	}
	if maxLag < 1 {
		t.Errorf("Seconds_Behind_Master stayed %d during a %d s delay", maxLag, delay)
	}
	if err := eventuallyRow(ctx, app, id, val); err != nil {
		t.Fatalf("the row after the delay: %v", err)
	}
	t.Logf("%s: Seconds_Behind_Master up to %d under MASTER_DELAY=%d; the row arrived %v after the write", name, maxLag, delay, time.Since(written))
}

// TestMariaDBPromoteReplica: a replica promoted as the lab's runbook does it
// (STOP SLAVE; SET GLOBAL read_only=OFF, with the admin account) takes the
// application's writes, which do not reach the old primary, and no longer
// follows it. The cleanup makes it a replica again (read_only=ON, START SLAVE,
// its local row removed without binlogging) and checks that it catches up, so
// the tests after this one see the lab's topology.
func TestMariaDBPromoteReplica(t *testing.T) {
	ctx, primary, name, admin, app := replicaTest(t, 90*time.Second)
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

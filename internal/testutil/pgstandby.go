package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// PGBin is the lab's PostgreSQL bin directory (scripts/lab: PG_BIN):
// $LAB_PG_BIN, or Debian's PostgreSQL 15.
func PGBin() string {
	if p := os.Getenv("LAB_PG_BIN"); p != "" {
		return p
	}
	return "/usr/lib/postgresql/15/bin"
}

// AsPostgres makes cmd run as the user postgres when the test runs as
// root (PostgreSQL refuses root), and returns that user's ids (-1 when not
// root).
func AsPostgres(t testing.TB, cmd *exec.Cmd) (uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		return -1, -1
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("user postgres (it comes with the postgresql package): %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return uid, gid
}

// StartPGStandby starts a PostgreSQL hot standby of the primary at
// host:port of the test's own (pg_basebackup into a directory of its own,
// streaming without a replication slot, on a free loopback port), so that
// a test may promote it without touching the lab. It returns the
// standby's host:port and its cluster_name (its walreceiver's
// application_name on the primary) once it is up; t.Cleanup stops it,
// removes its directory and, if the test failed, logs its output. The
// caller waits for it to accept connections.
func StartPGStandby(t testing.TB, primaryHost, primaryPort string) (addr, name string, logs *SyncBuffer) {
	t.Helper()
	base, err := os.MkdirTemp("", "pg-standby-") // not t.TempDir: its parents are private to root
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 { // the postmaster's children may still be leaving
			if os.RemoveAll(base) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	dir := filepath.Join(base, "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	backup := exec.Command(filepath.Join(PGBin(), "pg_basebackup"), "-h", primaryHost, "-p", primaryPort,
		"-U", "postgres", "-D", dir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if uid, gid := AsPostgres(t, backup); uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := backup.CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	_ = ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	name = fmt.Sprintf("standby-%d-%s", os.Getpid(), port)
	logs = &SyncBuffer{}
	pg := exec.Command(filepath.Join(PGBin(), "postgres"), "-D", dir, "-p", port, "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "hot_standby=on", "-c", "cluster_name="+name)
	pg.Stdout, pg.Stderr = logs, logs
	AsPostgres(t, pg)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = pg.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = pg.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = pg.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("standby's log:\n%s", logs.String())
		}
	})
	return addr, name, logs
}

// OpenPG opens a database/sql pool on the PostgreSQL server at dsn with
// the driver "pgx", which the caller registers (a blank import of
// github.com/jackc/pgx/v5/stdlib: this package stays free of drivers);
// t.Cleanup closes it.
func OpenPG(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// AwaitPGRecovery waits (30 s at most) until the standby behind db, one
// of StartPGStandby's, accepts connections in recovery; the test fails,
// with the standby's log, if it does not. The caller has registered db's
// driver.
func AwaitPGRecovery(t testing.TB, db *sql.DB, logs *SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		var rec bool
		if db.QueryRowContext(ctx, "select pg_is_in_recovery()").Scan(&rec) == nil && rec {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the standby does not accept connections in recovery; log:\n%s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

//go:build integration

package lab

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

func pgOpen(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestPostgresShape: Aurora PostgreSQL global database: the writer region's
// PostgreSQL takes writes; the others are hot standbys that refuse them with
// SQLSTATE 25006 (read_only_sql_transaction) and serve the writer's committed rows.
func TestPostgresShape(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 60*time.Second)
	w := mustRegion(t, env, env.Writer)
	primary := pgOpen(t, w.Postgres)
	var inRecovery bool
	if err := primary.QueryRowContext(ctx, "select pg_is_in_recovery()").Scan(&inRecovery); err != nil || inRecovery {
		t.Fatalf("primary pg_is_in_recovery = %v, %v; want false", inRecovery, err)
	}
	if _, err := primary.ExecContext(ctx, "create table if not exists lab_smoke (id text primary key, v text not null)"); err != nil {
		t.Fatal(err)
	}
	id, val := unique("row"), unique("v")
	if _, err := primary.ExecContext(ctx, "insert into lab_smoke (id, v) values ($1, $2)", id, val); err != nil {
		t.Fatalf("insert on the primary: %v", err)
	}

	forEachRegion(t, env, env.Replicas(), func(t *testing.T, name string, r Region) {
		standby := pgOpen(t, r.Postgres)
		if err := standby.QueryRowContext(ctx, "select pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
			t.Fatalf("%s pg_is_in_recovery = %v, %v; want true", name, inRecovery, err)
		}
		err := eventually(ctx, 10*time.Second, func(ctx context.Context) error {
			var got string
			if err := standby.QueryRowContext(ctx, "select v from lab_smoke where id = $1", id).Scan(&got); err != nil {
				return err
			}
			if got != val {
				return errors.New("standby has " + got + ", want " + val)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("committed row not readable on standby %s: %v", name, err)
		}
		_, err = standby.ExecContext(ctx, "insert into lab_smoke (id, v) values ($1, 'x')", unique("standby"))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
			t.Fatalf("insert on standby %s: err = %v, want SQLSTATE 25006", name, err)
		}
	})
}

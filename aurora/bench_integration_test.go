//go:build integration

package aurora_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/testutil"
)

// benchCluster is a static Cluster over the lab's servers, direct (no
// proxy latency, so that the adapter's cost is not hidden by it), and a
// raw *sql.DB to the region Reader picks.
func benchCluster(b *testing.B) (*aurora.Cluster, *sql.DB) {
	env := testutil.LoadLab(b)
	ctx := testCtx(b)
	c, err := aurora.New(ctx, labClient(b, env, false), func(o *aurora.Options) {
		o.Engine, o.RefreshInterval = aurora.PostgreSQL, -1
		for _, r := range env.Regions() {
			o.Members = append(o.Members, aurora.Member{Region: multiregion.Region(r), Writer: r == env.Writer, DSN: labPG(b, env, r, true, "aurora-bench")})
		}
	})
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	_, r, err := c.Reader(ctx)
	require.NoError(b, err)
	return c, testutil.OpenPG(b, labPG(b, env, string(r), true, "aurora-bench-raw"))
}

// BenchmarkReaderVsRaw: Reader then QueryRowContext("select 1") against
// the same query on a *sql.DB of the same region, interleaved
// (testutil.RoutedVsRaw): routed/raw is the adapter's cost.
func BenchmarkReaderVsRaw(b *testing.B) {
	c, raw := benchCluster(b)
	ctx := testCtx(b)
	readerVsRaw(b, ctx, c, raw)
}

// BenchmarkQueryRowVsRaw is BenchmarkReaderVsRaw for the routed
// Cluster.QueryRowContext.
func BenchmarkQueryRowVsRaw(b *testing.B) {
	c, raw := benchCluster(b)
	ctx := testCtx(b)
	queryRowVsRaw(b, ctx, c, raw)
}

// BenchmarkRead reports each path alone, for its allocations.
func BenchmarkRead(b *testing.B) {
	c, raw := benchCluster(b)
	ctx := testCtx(b)
	var v int
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := raw.QueryRowContext(ctx, "select 1").Scan(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Reader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			db, _, err := c.Reader(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := db.QueryRowContext(ctx, "select 1").Scan(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("QueryRowContext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := c.QueryRowContext(ctx, "select 1").Scan(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReaderVsSamePool is BenchmarkReaderVsRaw with the raw side on
// the very *sql.DB Reader hands out: the same connections and server
// processes, so that only the adapter's work differs (two pools have two
// server backends, which a loaded machine schedules unevenly).
func BenchmarkReaderVsSamePool(b *testing.B) {
	c, _ := benchCluster(b)
	ctx := testCtx(b)
	raw, _, err := c.Reader(ctx)
	require.NoError(b, err)
	raw.SetMaxIdleConns(1)
	raw.SetMaxOpenConns(1) // one connection: one server backend for both sides
	readerVsRaw(b, ctx, c, raw)
}

// BenchmarkQueryRowVsSamePool is BenchmarkReaderVsSamePool for the routed
// Cluster.QueryRowContext.
func BenchmarkQueryRowVsSamePool(b *testing.B) {
	c, _ := benchCluster(b)
	ctx := testCtx(b)
	raw, _, err := c.Reader(ctx)
	require.NoError(b, err)
	raw.SetMaxIdleConns(1)
	raw.SetMaxOpenConns(1)
	queryRowVsRaw(b, ctx, c, raw)
}

// readerVsRaw interleaves Reader then "select 1" with the same query on raw.
func readerVsRaw(b *testing.B, ctx context.Context, c *aurora.Cluster, raw *sql.DB) {
	var v int
	testutil.RoutedVsRaw(b, func() error {
		db, _, err := c.Reader(ctx)
		if err != nil {
			return err
		}
		return db.QueryRowContext(ctx, "select 1").Scan(&v)
	}, func() error { return raw.QueryRowContext(ctx, "select 1").Scan(&v) })
}

// queryRowVsRaw interleaves the routed QueryRowContext with the same query on raw.
func queryRowVsRaw(b *testing.B, ctx context.Context, c *aurora.Cluster, raw *sql.DB) {
	var v int
	testutil.RoutedVsRaw(b, func() error { return c.QueryRowContext(ctx, "select 1").Scan(&v) },
		func() error { return raw.QueryRowContext(ctx, "select 1").Scan(&v) })
}

//go:build integration

package singlewriter_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
	"github.com/regionkit/multiregion/internal/testutil"
)

// labClient is a Client over the lab's three regions; its network view is
// not used by these tests (the stores have no probers), so probes are off.
func labClient(t *testing.T, env *lab.Env) *multiregion.Client {
	t.Helper()
	var regions []multiregion.Region
	for _, r := range env.Regions() {
		regions = append(regions, multiregion.Region(r))
	}
	mr, err := multiregion.New(context.Background(), aws.Config{HTTPClient: &http.Client{}}, multiregion.WithRegions(regions...),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return mr
}

// staleThenTrue is a Source that first claims the writer is in stale (a
// switchover the kit has not seen), then asks each region's server
// whether it is the writer, as the aurora adapter's Source does.
type staleThenTrue struct {
	stale  multiregion.Region
	loads  atomic.Int32
	probe  func(ctx context.Context, r multiregion.Region) (writer bool, err error)
	region []multiregion.Region
}

func (s *staleThenTrue) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	n := s.loads.Add(1)
	t := singlewriter.Topology{}
	for _, r := range s.region {
		m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, Endpoint: string(r)}
		isWriter := r == s.stale
		if n > 1 {
			w, err := s.probe(ctx, r)
			if err != nil {
				return t, err
			}
			isWriter = w
		}
		if isWriter {
			m.Role, t.Writer = singlewriter.RoleWriter, r
		}
		t.Members = append(t.Members, m)
	}
	return t, nil
}

// TestPostgresReadOnlyRefusalFollowsTheWriter: the kit believes a hot
// standby is the writer; the write there is refused by PostgreSQL with
// SQLSTATE 25006 (not applied), the loop refreshes the topology (the
// Source asks pg_is_in_recovery() per region) and retries once on the
// real primary, where the row lands exactly once.
func TestPostgresReadOnlyRefusalFollowsTheWriter(t *testing.T) {
	env := testutil.LoadLab(t)
	mr := labClient(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbs := map[multiregion.Region]*sql.DB{}
	for _, name := range env.Regions() {
		dsn, err := env.Endpoint(name, lab.Postgres)
		require.NoError(t, err)
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		dbs[multiregion.Region(name)] = db
	}
	stale := multiregion.Region(env.Replicas()[0])
	src := &staleThenTrue{stale: stale, region: mr.Regions(), probe: func(ctx context.Context, r multiregion.Region) (bool, error) {
		var inRecovery bool
		err := dbs[r].QueryRowContext(ctx, "select pg_is_in_recovery()").Scan(&inRecovery)
		return !inRecovery, err
	}}
	kit, err := singlewriter.New(ctx, mr, src,
		func(_ context.Context, m singlewriter.Member) (*sql.DB, error) { return dbs[m.Region], nil }, nil,
		func(o *singlewriter.Options) {
			o.Kind, o.Store, o.RefreshInterval = multiregion.AuroraGlobal, "aurora:it", -1
		})
	require.NoError(t, err)
	t.Cleanup(func() { _ = kit.Close() })
	require.Equal(t, stale, kit.Topology().Writer)
	st, err := mr.NewStore("aurora:it", nil)
	require.NoError(t, err)
	classify := route.ClassifierFunc(func(_ context.Context, err error) route.Class {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "25006" { // read_only_sql_transaction
			return route.WriterMoved
		}
		return route.Unknown
	})
	rt := singlewriter.NewRouter(kit, st, classify, nil)

	_, err = dbs[multiregion.Region(env.Writer)].ExecContext(ctx, "create table if not exists kit_it (id text primary key)")
	require.NoError(t, err)
	require.Eventually(t, func() bool { // the standby must know the table, so that it refuses the write as read-only
		var name sql.NullString
		return dbs[stale].QueryRowContext(ctx, "select to_regclass('kit_it')::text").Scan(&name) == nil && name.Valid
	}, 10*time.Second, 20*time.Millisecond)
	id := "kit-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var tried []multiregion.Region
	r, err := rt.Write(ctx, "aurora.Exec", route.Write, "", func(ctx context.Context, r multiregion.Region, db *sql.DB) error {
		tried = append(tried, r)
		_, err := db.ExecContext(ctx, "insert into kit_it (id) values ($1)", id)
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, multiregion.Region(env.Writer), r)
	assert.Equal(t, []multiregion.Region{stale, multiregion.Region(env.Writer)}, tried)
	assert.Equal(t, int32(2), src.loads.Load(), "one refresh for the refusal")
	var n int
	require.NoError(t, dbs[multiregion.Region(env.Writer)].QueryRowContext(ctx, "select count(*) from kit_it where id = $1", id).Scan(&n))
	assert.Equal(t, 1, n)
	rs, _ := st.Status().Region(stale)
	assert.True(t, rs.Healthy, "a read-only refusal ejected the standby")

	// Pinned to a standby: refused before any traffic.
	_, err = rt.Write(ctx, "aurora.Exec", route.Write, stale, func(context.Context, multiregion.Region, *sql.DB) error {
		t.Fatal("a write pinned to a standby was sent")
		return nil
	})
	var we *multiregion.WriteRegionError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, multiregion.Region(env.Writer), we.Writer)
}

// TestRedisReadOnlyRefusalFollowsTheWriter: the same against the lab's
// redis-server replicas, which answer READONLY.
func TestRedisReadOnlyRefusalFollowsTheWriter(t *testing.T) {
	env := testutil.LoadLab(t)
	mr := labClient(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clients := map[multiregion.Region]*redis.Client{}
	for _, name := range env.Regions() {
		addr, err := env.Endpoint(name, lab.Redis)
		require.NoError(t, err)
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		clients[multiregion.Region(name)] = c
	}
	stale := multiregion.Region(env.Replicas()[1])
	src := &staleThenTrue{stale: stale, region: mr.Regions(), probe: func(ctx context.Context, r multiregion.Region) (bool, error) {
		info, err := clients[r].Info(ctx, "replication").Result()
		return strings.Contains(info, "role:master"), err
	}}
	kit, err := singlewriter.New(ctx, mr, src,
		func(_ context.Context, m singlewriter.Member) (*redis.Client, error) { return clients[m.Region], nil }, nil,
		func(o *singlewriter.Options) {
			o.Kind, o.Store, o.RefreshInterval = multiregion.ElastiCacheGlobal, "cache:it", -1
		})
	require.NoError(t, err)
	t.Cleanup(func() { _ = kit.Close() })
	st, err := mr.NewStore("cache:it", nil)
	require.NoError(t, err)
	classify := route.ClassifierFunc(func(_ context.Context, err error) route.Class {
		if strings.HasPrefix(err.Error(), "READONLY ") {
			return route.WriterMoved
		}
		return route.Unknown
	})
	rt := singlewriter.NewRouter(kit, st, classify, nil)
	key := fmt.Sprintf("kit-it-%d", time.Now().UnixNano())
	t.Cleanup(func() { _ = clients[multiregion.Region(env.Writer)].Del(context.Background(), key).Err() })
	var tried []multiregion.Region
	r, err := rt.Write(ctx, "cache.Incr", route.Write, "", func(ctx context.Context, r multiregion.Region, c *redis.Client) error {
		tried = append(tried, r)
		return c.Incr(ctx, key).Err()
	})
	require.NoError(t, err)
	assert.Equal(t, multiregion.Region(env.Writer), r)
	assert.Equal(t, []multiregion.Region{stale, multiregion.Region(env.Writer)}, tried)
	v, err := clients[multiregion.Region(env.Writer)].Get(ctx, key).Int()
	require.NoError(t, err)
	assert.Equal(t, 1, v, "the refused INCR was applied twice, or not at all")
}

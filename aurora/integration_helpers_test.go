//go:build integration

package aurora_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
)

// The lab (scripts/lab): us-east-1's PostgreSQL is the primary, the other
// regions' are hot standbys (pg_basebackup, streaming), each behind its
// region's Toxiproxy proxy. Tests that slow or take down a region restore
// the proxies; the promotion test promotes a standby of its own, never the
// lab's.

var uniq atomic.Int64

func uniqueID(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, time.Now().UnixNano(), uniq.Add(1))
}

// labPG is region's PostgreSQL URL (through its proxy, or direct) with the
// planted password (the lab trusts loopback, so it is never checked) and
// an application_name of the test's.
func labPG(t testing.TB, env *lab.Env, region string, direct bool, app string) string {
	t.Helper()
	u, err := url.Parse(testutil.LabEndpoints(t, env, region, direct).Postgres)
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), password)
	q := u.Query()
	q.Set("application_name", app)
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// ensureTable creates the tests' table on the primary and waits until
// every standby has it.
func ensureTable(t testing.TB, env *lab.Env) {
	t.Helper()
	ctx := testCtx(t)
	primary := testutil.OpenPG(t, labPG(t, env, env.Writer, true, "aurora-it"))
	_, err := primary.ExecContext(ctx, "create table if not exists aurora_it (id text primary key, g int not null default 0)")
	require.NoError(t, err)
	for _, r := range env.Replicas() {
		db := testutil.OpenPG(t, labPG(t, env, r, true, "aurora-it"))
		require.Eventually(t, func() bool {
			_, err := db.ExecContext(ctx, "select 1 from aurora_it limit 1")
			return err == nil
		}, 20*time.Second, 50*time.Millisecond, "table replicated to %s", r)
	}
}

// staticPG is the lab as a static topology, through the proxies.
func staticPG(t testing.TB, env *lab.Env, app string) func(*aurora.Options) {
	return func(o *aurora.Options) {
		o.Engine = aurora.PostgreSQL
		o.RefreshInterval = -1
		for _, r := range env.Regions() {
			o.Members = append(o.Members, aurora.Member{Region: multiregion.Region(r), Writer: r == env.Writer, DSN: labPG(t, env, r, false, app)})
		}
	}
}

// labClient is a Client over the lab's regions; with probes, each store's
// prober runs every 100 ms.
func labClient(t testing.TB, env *lab.Env, probes bool) *multiregion.Client {
	t.Helper()
	var regions []multiregion.Region
	dbs := map[multiregion.Region]*sql.DB{}
	for _, r := range env.Regions() {
		regions = append(regions, multiregion.Region(r))
		dbs[multiregion.Region(r)] = testutil.OpenPG(t, labPG(t, env, r, false, "aurora-it-probe"))
	}
	// The Client's own view of the network: a ping of each region's
	// PostgreSQL through its proxy (never an AWS endpoint).
	prober := multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		t0 := time.Now()
		err := dbs[r].PingContext(ctx)
		return time.Since(t0), err
	})
	// Credentials carry the planted secret: IAM auth tokens are signed with them.
	cfg := aws.Config{HTTPClient: &http.Client{}, Credentials: credentials.NewStaticCredentialsProvider("AKIDLAB", testutil.PlantedIn("secret"), "")}
	mr, err := multiregion.New(context.Background(), cfg, multiregion.WithRegions(regions...), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = !probes
		o.Prober, o.ProbeInterval = prober, 100*time.Millisecond
		o.Logger = testutil.Logger()
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return mr
}

// connections counts region's server sessions whose application_name is app.
func connections(t testing.TB, env *lab.Env, region, app string) int {
	t.Helper()
	db := testutil.OpenPG(t, labPG(t, env, region, true, "aurora-it-counter"))
	var n int
	require.NoError(t, db.QueryRowContext(testCtx(t), "select count(*) from pg_stat_activity where application_name = $1", app).Scan(&n))
	return n
}

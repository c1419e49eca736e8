//go:build integration

package docdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
)

// dedicatedStandby is a PostgreSQL hot standby of the lab's primary that
// belongs to this test alone (testutil.StartPGStandby): the test may
// promote it; t.Cleanup stops it and removes its directory.
type dedicatedStandby struct {
	dsn  string // database postgres
	name string // cluster_name: the application_name of its walreceiver on the primary
}

func startDedicatedStandby(t *testing.T, env *lab.Env) *dedicatedStandby {
	t.Helper()
	primary, err := url.Parse(testutil.LabEndpoints(t, env, env.Writer, true).Postgres)
	require.NoError(t, err)
	addr, name, logs := testutil.StartPGStandby(t, primary.Hostname(), primary.Port())
	s := &dedicatedStandby{dsn: fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", addr), name: name}
	testutil.AwaitPGRecovery(t, testutil.OpenPG(t, s.dsn), logs)
	return s
}

// startFerret starts a FerretDB of the test's own over the PostgreSQL
// database at pgURL, on a free loopback port, and waits until it answers.
func startFerret(t *testing.T, pgURL string) string {
	t.Helper()
	addr := closedPort(t)
	var logs testutil.SyncBuffer
	cmd := exec.Command(ferretBin(t), "--handler=postgresql", "--postgresql-url="+pgURL,
		"--listen-addr="+addr, "--debug-addr=-", "--state-dir="+t.TempDir(), "--telemetry=disable", "--log-level=ERROR")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("FerretDB over %s:\n%s", pgURL, logs.String())
		}
	})
	c := rawClient(t, addr)
	ctx := testCtx(t)
	require.Eventually(t, func() bool { return c.Ping(ctx, nil) == nil }, 20*time.Second, 50*time.Millisecond, "FerretDB over %s", pgURL)
	return addr
}

// ferretURL is the FerretDB database of the PostgreSQL server at dsn,
// with extra startup parameters.
func ferretURL(t testing.TB, dsn string, params map[string]string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.Path = "/ferretdb"
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// TestIntegrationRealPromoteAndMove is issue 11's last figure with a real
// PostgreSQL promotion, on servers of the test's own: a dedicated hot
// standby of the lab's primary (pg_basebackup, streaming without a slot)
// with a FerretDB over it serves the secondary region. Eight goroutines
// insert documents with client-set _id throughout. Mid-run the standby is
// promoted (pg_promote), the mocked control plane names its region the
// primary, and the old primary's endpoint (a proxy of the test) moves to a
// FerretDB over the lab's primary whose sessions are read-only
// (default_transaction_read_only), as a demoted primary refuses writes:
// open connections are cut, new writes are refused with SQLSTATE 25006.
// Each goroutine may lose at most one call; the Cluster follows the new
// primary without a restart, and every write started after the move is on
// the promoted server and not on the old primary. The lab's servers are
// never promoted, restarted nor reconfigured.
func TestIntegrationRealPromoteAndMove(t *testing.T) { promoteAndMove(t, false) }

// TestIntegrationRealPromoteAndMoveWithACut is the same, but the old
// primary's endpoint just stops answering (its connections cut, new ones
// refused), as when a failover takes the old primary away: no server
// refuses a write as read-only, so it is the regional failure of a write
// in the writer region that reloads the topology (singlewriter.Router).
func TestIntegrationRealPromoteAndMoveWithACut(t *testing.T) { promoteAndMove(t, true) }

func promoteAndMove(t *testing.T, plainCut bool) {
	env := testutil.LoadLab(t)
	ctx := testCtx(t)
	const dbName, collName = "docdbit", "realpromote"
	ensureCollection(t, env, collName) // before the base backup: FerretDB over the standby must know it
	primaryPG := testutil.LabEndpoints(t, env, env.Writer, true).Postgres
	primaryDB := testutil.OpenPG(t, primaryPG)
	var slots int
	require.NoError(t, primaryDB.QueryRowContext(ctx, "select count(*) from pg_replication_slots").Scan(&slots))

	standby := startDedicatedStandby(t, env)
	t.Cleanup(func() {
		// The lab's primary is left as it was: no slot of ours, no walsender to the standby.
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		assert.Eventually(t, func() bool {
			var n, now int
			return primaryDB.QueryRowContext(ctx, "select count(*) from pg_stat_replication where application_name = $1", standby.name).Scan(&n) == nil &&
				primaryDB.QueryRowContext(ctx, "select count(*) from pg_replication_slots").Scan(&now) == nil && n == 0 && now == slots
		}, 10*time.Second, 50*time.Millisecond, "the lab's primary has no slot nor walsender of this test left")
	})
	standbyDB := testutil.OpenPG(t, standby.dsn)
	require.Eventually(t, func() bool {
		var n int
		return primaryDB.QueryRowContext(ctx, "select count(*) from pg_stat_replication where application_name = $1 and state = 'streaming'", standby.name).Scan(&n) == nil && n == 1
	}, 20*time.Second, 50*time.Millisecond, "the dedicated standby streams from the lab's primary")
	var slotName sql.NullString
	require.NoError(t, standbyDB.QueryRowContext(ctx, "select slot_name from pg_stat_wal_receiver").Scan(&slotName))
	require.False(t, slotName.Valid && slotName.String != "", "the dedicated standby streams without a slot (got %q)", slotName.String)

	promoted := startFerret(t, ferretURL(t, standby.dsn, nil))
	labPrimary := mongoAddr(t, env, env.Writer, true)
	demoted := startFerret(t, ferretURL(t, primaryPG, map[string]string{"default_transaction_read_only": "on"}))
	oldPrimary := testutil.NewMovingProxy(t, labPrimary)
	secondary := env.Replicas()[0]
	ml, mr := controlLab(t, env, func(r string) string {
		switch r {
		case env.Writer:
			return oldPrimary.Addr()
		case secondary:
			return promoted
		}
		return mongoAddr(t, env, r, true)
	}, env.Writer)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.GlobalClusterID = ml.DocDB().GlobalClusterID() })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, multiregion.Region(env.Writer), c.Writer())
	coll := c.Collection(dbName, collName)

	const writers = 8
	started := time.Now()
	var (
		wg         sync.WaitGroup
		stop       atomic.Bool
		moved      atomic.Bool
		movedAt    atomic.Int64 // ns since started
		firstAfter atomic.Int64 // ns since started: first write started after the move that succeeded
		before     atomic.Int64
		ok, fail   [writers]atomic.Int64
		after      [writers][]string // ids written by calls started after the move
	)
	for g := range writers {
		wg.Go(func() {
			for !stop.Load() {
				post := moved.Load()
				id := uniqueID(fmt.Sprintf("g%d-", g))
				_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "g", Value: g}})
				if err != nil {
					if n := fail[g].Add(1); n <= 3 {
						t.Logf("g%d failure %d at %v (writer then %s): %.300v", g, n, time.Since(started).Round(time.Millisecond), c.Writer(), err.Error())
					}
					continue
				}
				ok[g].Add(1)
				if post {
					after[g] = append(after[g], id)
					firstAfter.CompareAndSwap(0, int64(time.Since(started)))
				} else {
					before.Add(1)
				}
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	var promotedOK bool
	require.NoError(t, standbyDB.QueryRowContext(ctx, "select pg_promote(true, 30)").Scan(&promotedOK))
	require.True(t, promotedOK, "pg_promote")
	require.NoError(t, ml.DocDB().SetWriter(secondary))
	if plainCut {
		oldPrimary.Close() // open connections cut, new ones refused
	} else {
		oldPrimary.MoveTo(demoted, true) // cuts the open connections; new ones are refused as read-only
	}
	movedAt.Store(int64(time.Since(started)))
	moved.Store(true)
	window := 1300 * time.Millisecond
	if plainCut {
		// A call in flight on a cut connection fails only when the
		// driver's server selection gives up (2 s in ferretOptions): give
		// every goroutine time to get past it and write again.
		window = 4 * time.Second
	}
	time.Sleep(window)
	stop.Store(true)
	wg.Wait()

	assert.Equal(t, multiregion.Region(secondary), c.Writer(), "the Cluster follows the new primary")
	var inRecovery bool
	require.NoError(t, standbyDB.QueryRowContext(ctx, "select pg_is_in_recovery()").Scan(&inRecovery))
	assert.False(t, inRecovery, "the dedicated standby is promoted")

	var total, failed, maxFail int64
	var ids []string
	for g := range writers {
		total += ok[g].Load()
		failed += fail[g].Load()
		maxFail = max(maxFail, fail[g].Load())
		assert.LessOrEqual(t, fail[g].Load(), int64(1), "goroutine %d: at most one failed call", g)
		assert.NotEmpty(t, after[g], "goroutine %d wrote after the move", g)
		ids = append(ids, after[g]...)
	}
	require.NotEmpty(t, ids, "writes after the move")
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	onPromoted, err := rawClient(t, promoted).Database(dbName).Collection(collName).CountDocuments(ctx, filter)
	require.NoError(t, err)
	assert.EqualValues(t, len(ids), onPromoted, "every write after the move is on the promoted server")
	onOld, err := rawClient(t, labPrimary).Database(dbName).Collection(collName).CountDocuments(ctx, filter)
	require.NoError(t, err)
	assert.Zero(t, onOld, "no write after the move is on the old primary")
	_, err = rawClient(t, demoted).Database(dbName).Collection(collName).InsertOne(ctx, bson.D{{Key: "_id", Value: uniqueID("demoted-")}})
	var se mongo.ServerError
	require.ErrorAs(t, err, &se, "the old primary's endpoint refuses writes")
	assert.True(t, se.HasErrorMessage("SQLSTATE 25006"), "%v", err)

	firstWrite := time.Duration(firstAfter.Load() - movedAt.Load()).Round(time.Millisecond)
	t.Logf("FIGURE real promote-and-move: %d goroutines, %d writes ok (%d before the move, %d after, all %d on the promoted standby, %d on the old primary), "+
		"%d failed calls (at most %d per goroutine), first write after the move in %v, pg_is_in_recovery=%v, %d DescribeGlobalClusters",
		writers, total, before.Load(), len(ids), onPromoted, onOld, failed, maxFail, firstWrite, inRecovery, ml.DocDB().Calls("DescribeGlobalClusters"))
}

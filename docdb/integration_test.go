//go:build integration

package docdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the lag source
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// The lab (scripts/lab): FerretDB over each region's PostgreSQL, us-east-1
// over the primary, the others over hot standbys, each behind Toxiproxy.
// These tests never promote the lab's standbys nor leave a region down or
// slowed: restore puts the proxies back as they were.

// mongoAddr is the host:port of region's FerretDB, through its proxy or direct.
func mongoAddr(t testing.TB, env *lab.Env, region string, direct bool) string {
	t.Helper()
	u, err := url.Parse(testutil.LabEndpoints(t, env, region, direct).MongoDB)
	require.NoError(t, err)
	return u.Host
}

func labMembers(t testing.TB, env *lab.Env) []docdb.Member {
	var ms []docdb.Member
	for _, r := range env.Regions() {
		ms = append(ms, docdb.Member{Region: multiregion.Region(r), Writer: r == env.Writer, Endpoint: mongoAddr(t, env, r, false)})
	}
	return ms
}

// ferretOptions are the options FerretDB needs: no TLS, no replica set.
func ferretOptions(o *docdb.Options) {
	o.DisableTLS, o.ReplicaSet = true, "-"
	o.RefreshInterval = -1
	o.ClientOptions = func(_ multiregion.Region, co *options.ClientOptions) {
		co.SetServerSelectionTimeout(2 * time.Second).SetConnectTimeout(2 * time.Second)
	}
}

// pingProber is the Client's network view of the lab: a ping of each
// region's FerretDB through its proxy.
type pingProber struct {
	clients map[multiregion.Region]*mongo.Client
}

func (p pingProber) Probe(ctx context.Context, r multiregion.Region) (time.Duration, error) {
	t0 := time.Now()
	err := p.clients[r].Ping(ctx, readpref.Primary())
	return time.Since(t0), err
}

// labClient is a Client over the lab's regions. With probes, its network
// view pings each region's FerretDB every 100 ms.
func labClient(t testing.TB, env *lab.Env, probes bool, members ...[]docdb.Member) *multiregion.Client {
	t.Helper()
	var regions []multiregion.Region
	p := pingProber{clients: map[multiregion.Region]*mongo.Client{}}
	for _, r := range env.Regions() {
		regions = append(regions, multiregion.Region(r))
		p.clients[multiregion.Region(r)] = rawClient(t, mongoAddr(t, env, r, false))
	}
	for _, ms := range members {
		for _, m := range ms {
			p.clients[m.Region] = rawClient(t, m.Endpoint)
		}
	}
	mr, err := multiregion.New(context.Background(), aws.Config{HTTPClient: &http.Client{}}, multiregion.WithRegions(regions...), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = !probes
		o.Prober, o.ProbeInterval = p, 100*time.Millisecond
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return mr
}

func rawClient(t testing.TB, addr string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().SetHosts([]string{addr}).SetDirect(true).SetRetryWrites(false).
		SetServerSelectionTimeout(2 * time.Second).SetConnectTimeout(2 * time.Second))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Disconnect(ctx)
	})
	return c
}

var seq atomic.Int64

func uniqueID(prefix string) string {
	return prefix + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(seq.Add(1), 10)
}

// ensureCollection creates the collection (with a "seed" document) on
// the primary and waits until every standby has replayed it.
func ensureCollection(t testing.TB, env *lab.Env, coll string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := rawClient(t, mongoAddr(t, env, env.Writer, true))
	_, err := w.Database("docdbit").Collection(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: "seed"}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		require.NoError(t, err)
	}
	for _, r := range env.Replicas() {
		waitReplayed(t, ctx, env, r)
	}
}

// ferretBin finds the lab's FerretDB binary: $MULTIREGION_FERRETDB_BIN,
// else ferretdb-* in $LAB_CACHE/bin or <module root>/.lab/cache/bin.
func ferretBin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("MULTIREGION_FERRETDB_BIN"); p != "" {
		return p
	}
	var dirs []string
	if c := os.Getenv("LAB_CACHE"); c != "" {
		dirs = append(dirs, filepath.Join(c, "bin"))
	}
	dirs = append(dirs, filepath.Join("..", ".lab", "cache", "bin"))
	for _, d := range dirs {
		if m, _ := filepath.Glob(filepath.Join(d, "ferretdb-*")); len(m) > 0 {
			return m[0]
		}
	}
	t.Fatal("no FerretDB binary: set MULTIREGION_FERRETDB_BIN or LAB_CACHE (scripts/lab install builds it)")
	return ""
}

// standbyFerret starts a FerretDB of this test's own over region's
// PostgreSQL hot standby, once the standby has replayed everything the
// primary wrote so far: FerretDB loads its catalog of collections when it
// starts and does not see collections created on the primary afterwards,
// so the lab's long-running FerretDB over a standby cannot read new
// collections. The lab itself is not touched; the process ends with the
// test.
func standbyFerret(t testing.TB, env *lab.Env, region string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	waitReplayed(t, ctx, env, region)
	pg, err := url.Parse(testutil.LabEndpoints(t, env, region, true).Postgres)
	require.NoError(t, err)
	pg.Path = "/ferretdb"
	addr := closedPort(t)
	cmd := exec.Command(ferretBin(t), "--handler=postgresql", "--postgresql-url="+pg.String(),
		"--listen-addr="+addr, "--debug-addr=-", "--state-dir="+t.TempDir(), "--telemetry=disable", "--log-level=ERROR")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	c := rawClient(t, addr)
	require.Eventually(t, func() bool { return c.Ping(ctx, nil) == nil }, 20*time.Second, 50*time.Millisecond, "FerretDB over the %s standby", region)
	return addr
}

// waitReplayed waits until region's standby has replayed the primary's
// current WAL position.
func waitReplayed(t testing.TB, ctx context.Context, env *lab.Env, region string) {
	t.Helper()
	primary, err := sql.Open("pgx", testutil.LabEndpoints(t, env, env.Writer, true).Postgres)
	require.NoError(t, err)
	defer primary.Close()
	standby, err := sql.Open("pgx", testutil.LabEndpoints(t, env, region, true).Postgres)
	require.NoError(t, err)
	defer standby.Close()
	var lsn string
	require.NoError(t, primary.QueryRowContext(ctx, "select pg_current_wal_lsn()::text").Scan(&lsn))
	require.Eventually(t, func() bool {
		var ok bool
		return standby.QueryRowContext(ctx, "select pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&ok) == nil && ok
	}, 20*time.Second, 20*time.Millisecond, "standby %s replays %s", region, lsn)
}

// newNetem is a test-owned stand-in for a region's network: a loopback
// proxy with a one-way latency per chunk and an outage switch.
func newNetem(t *testing.T, target string, oneWay time.Duration) *testutil.MovingProxy {
	p := testutil.NewMovingProxy(t, target)
	p.SetDelay(oneWay)
	return p
}

// testMembers: the primary is the lab's (through Toxiproxy); each
// secondary is a FerretDB of the test's own over the lab's standby, behind
// a netem with the given one-way latency.
func testMembers(t *testing.T, env *lab.Env, latency map[string]time.Duration) ([]docdb.Member, map[string]*testutil.MovingProxy) {
	t.Helper()
	nets := map[string]*testutil.MovingProxy{}
	var ms []docdb.Member
	for _, r := range env.Regions() {
		m := docdb.Member{Region: multiregion.Region(r), Writer: r == env.Writer, Endpoint: mongoAddr(t, env, r, false)}
		if r != env.Writer {
			nets[r] = newNetem(t, standbyFerret(t, env, r), latency[r])
			m.Endpoint = nets[r].Addr()
		}
		ms = append(ms, m)
	}
	return ms, nets
}

// TestIntegrationInsertOnPrimaryReadFromSecondary: an insert reaches the
// primary's FerretDB and replicates; a read pinned to each secondary finds it.
func TestIntegrationInsertOnPrimaryReadFromSecondary(t *testing.T) {
	env := testutil.LoadLab(t)
	mr := labClient(t, env, false)
	ctx := testCtx(t)
	ensureCollection(t, env, "basic")
	members, _ := testMembers(t, env, nil)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.Members = members })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("docdbit", "basic")
	id := uniqueID("doc-")
	res, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: 1}})
	require.NoError(t, err)
	assert.Equal(t, id, res.InsertedID)
	// Ground truth: on the primary's FerretDB, bypassing the adapter.
	w := rawClient(t, mongoAddr(t, env, env.Writer, true))
	require.NoError(t, w.Database("docdbit").Collection("basic").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err())

	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
	require.NoError(t, err)
	for _, r := range env.Replicas() {
		region := multiregion.Region(r)
		require.Eventually(t, func() bool {
			var got struct{ V int }
			sr := c.In(region).Collection("docdbit", "basic").FindOne(ctx, bson.D{{Key: "_id", Value: id}})
			return sr.Decode(&got) == nil && got.V == 2 && sr.Region() == region
		}, 10*time.Second, 20*time.Millisecond, "read from %s", r)
	}
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, err)
	var docs []bson.M
	require.NoError(t, cur.All(ctx, &docs))
	assert.Len(t, docs, 1)
	t.Logf("Find served by %s", cur.Region())
	// FerretDB 1.24 refuses the maxTimeMS the driver derives from a
	// context deadline on distinct; DocumentDB takes it.
	dr, err := coll.Distinct(context.Background(), "v", bson.D{{Key: "_id", Value: id}})
	require.NoError(t, err)
	var vs []int
	require.NoError(t, dr.Decode(&vs))
	assert.Equal(t, []int{2}, vs)
	agg, err := coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "_id", Value: id}}}}})
	require.NoError(t, err)
	require.NoError(t, agg.All(ctx, &docs))
	assert.Len(t, docs, 1)
	sr := coll.FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, sr.Err())
	assert.Equal(t, multiregion.Region(env.Writer), sr.Region())
	assert.ErrorIs(t, c.In(multiregion.Region(env.Writer)).Collection("docdbit", "basic").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(), mongo.ErrNoDocuments)
}

// TestIntegrationReadsNearestAndFailover: reads go to the region with the
// lowest latency (the primary, 5 ms one way through Toxiproxy, before
// us-west-2 at 30 ms and eu-west-1 at 80 ms), and fail over to the next
// nearest when Toxiproxy takes that region down.
func TestIntegrationReadsNearestAndFailover(t *testing.T) {
	env := testutil.LoadLab(t)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	ensureCollection(t, env, "nearest")
	members, _ := testMembers(t, env, map[string]time.Duration{"us-west-2": 30 * time.Millisecond, "eu-west-1": 80 * time.Millisecond})
	mr := labClient(t, env, true, members)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.Members = members })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("docdbit", "nearest")
	seed := bson.D{{Key: "_id", Value: "seed"}}
	near := multiregion.Region(env.Writer)
	time.Sleep(time.Second) // a few probe rounds
	for range 5 {
		sr := coll.FindOne(ctx, seed)
		require.NoError(t, sr.Err())
		assert.Equal(t, near, sr.Region(), "the nearest region serves")
	}
	require.NoError(t, env.Down(ctx, string(near)))
	t0 := time.Now()
	sr := coll.FindOne(ctx, seed)
	require.NoError(t, sr.Err(), "the read fails over")
	assert.Equal(t, multiregion.Region("us-west-2"), sr.Region(), "next nearest: us-west-2 at 30 ms, before eu-west-1 at 80 ms")
	t.Logf("first read after %s went down: served by %s in %v", near, sr.Region(), time.Since(t0))
	for range 5 {
		sr := coll.FindOne(ctx, seed)
		require.NoError(t, sr.Err())
		assert.Equal(t, multiregion.Region("us-west-2"), sr.Region())
	}
	require.NoError(t, env.Up(ctx, string(near)))
}

// TestIntegrationWritePinnedToSecondary: refused before the network.
func TestIntegrationWritePinnedToSecondary(t *testing.T) {
	env := testutil.LoadLab(t)
	mr := labClient(t, env, false)
	ctx := testCtx(t)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.Members = labMembers(t, env) })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	sec := multiregion.Region(env.Replicas()[1])
	_, err = c.In(sec).Collection("docdbit", "basic").InsertOne(ctx, bson.D{{Key: "_id", Value: uniqueID("pinned-")}})
	var we *multiregion.WriteRegionError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, sec, we.Region)
	assert.Equal(t, multiregion.Region(env.Writer), we.Writer)
}

// controlLab is the multiregiontest control plane whose clusters are the
// given data-plane addresses per region, with a Client on it.
func controlLab(t *testing.T, env *lab.Env, addr func(region string) string, writer string) (*multiregiontest.Lab, *multiregion.Client) {
	t.Helper()
	ml := multiregiontest.Start(t, env.Regions(), multiregiontest.WithDocDB(func(o *multiregiontest.DocDBOptions) {
		o.Writer = writer
		o.Endpoint = func(r string) (string, int) {
			h, p, _ := net.SplitHostPort(addr(r))
			n, _ := strconv.Atoi(p)
			return h, n
		}
	}))
	mr, err := multiregion.New(context.Background(), ml.Config(), ml.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	return ml, mr
}

// TestIntegrationRefusedWriteFollowsThePrimary: the control plane first
// names a secondary as the primary. A write sent there is refused by
// FerretDB over the standby (SQLSTATE 25006): the Cluster reloads the
// topology; while the control plane still names the secondary, the caller
// gets the typed driver error; once it names the real primary, the write
// is retried there once and lands exactly once.
func TestIntegrationRefusedWriteFollowsThePrimary(t *testing.T) {
	env := testutil.LoadLab(t)
	ctx := testCtx(t)
	ensureCollection(t, env, "moved")
	stale := env.Replicas()[0]
	ml, mr := controlLab(t, env, func(r string) string { return mongoAddr(t, env, r, false) }, stale)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.GlobalClusterID = ml.DocDB().GlobalClusterID() })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, multiregion.Region(stale), c.Writer())
	coll := c.Collection("docdbit", "moved")

	loads := ml.DocDB().Calls("DescribeGlobalClusters")
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: uniqueID("refused-")}})
	require.Error(t, err)
	var se mongo.ServerError
	require.ErrorAs(t, err, &se, "the driver's error stays reachable: %v", err)
	assert.True(t, se.HasErrorMessage("SQLSTATE 25006"), "%v", err)
	assert.Equal(t, loads+1, ml.DocDB().Calls("DescribeGlobalClusters"), "one refresh for the refusal")
	t.Logf("refused write: %v", err)

	require.NoError(t, ml.DocDB().SetWriter(env.Writer)) // the control plane catches up
	id := uniqueID("moved-")
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "n", Value: 1}})
	require.NoError(t, err)
	assert.Equal(t, multiregion.Region(env.Writer), c.Writer())
	w := rawClient(t, mongoAddr(t, env, env.Writer, true))
	n, err := w.Database("docdbit").Collection("moved").CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}

// TestIntegrationPromoteAndMove simulates a switchover without touching
// the lab: the regional cluster endpoints of us-east-1 and us-west-2 are
// proxies of this test, in front of the lab's FerretDB over the PostgreSQL
// primary (writable) and over us-west-2's standby (read-only). Mid-run the
// proxies swap targets (us-west-2's endpoint now writes, us-east-1's
// refuses with SQLSTATE 25006) and the mocked control plane names
// us-west-2 the primary, as after SwitchoverGlobalCluster. Eight
// goroutines insert throughout; each may lose at most one call (one cut
// while in flight), the rest succeed without a restart.
func TestIntegrationPromoteAndMove(t *testing.T) {
	env := testutil.LoadLab(t)
	ctx := testCtx(t)
	ensureCollection(t, env, "promote")
	writable := mongoAddr(t, env, env.Writer, true)
	readOnly := mongoAddr(t, env, "us-west-2", true)
	proxies := map[string]*testutil.MovingProxy{
		"us-east-1": testutil.NewMovingProxy(t, writable),
		"us-west-2": testutil.NewMovingProxy(t, readOnly),
	}
	ml, mr := controlLab(t, env, func(r string) string {
		if p, ok := proxies[r]; ok {
			return p.Addr()
		}
		return mongoAddr(t, env, r, true)
	}, "us-east-1")
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.GlobalClusterID = ml.DocDB().GlobalClusterID() })
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("docdbit", "promote")

	const writers = 8
	started := time.Now()
	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		ok, fail [writers]atomic.Int64
		firstErr [writers]atomic.Pointer[error]
	)
	for g := range writers {
		wg.Go(func() {
			for !stop.Load() {
				_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: uniqueID(fmt.Sprintf("g%d-", g))}})
				if err != nil {
					if n := fail[g].Add(1); n <= 3 {
						t.Logf("g%d failure %d at %v (writer then %s): %.200v", g, n, time.Since(started).Round(time.Millisecond), c.Writer(), err.Error())
					}
					firstErr[g].CompareAndSwap(nil, &err)
					continue
				}
				ok[g].Add(1)
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, ml.DocDB().SetWriter("us-west-2"))
	proxies["us-east-1"].MoveTo(readOnly, true)
	proxies["us-west-2"].MoveTo(writable, true)
	promotedAt := time.Now()
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()
	assert.Equal(t, multiregion.Region("us-west-2"), c.Writer())
	var total, failed int64
	for g := range writers {
		total += ok[g].Load()
		failed += fail[g].Load()
		assert.LessOrEqual(t, fail[g].Load(), int64(1), "goroutine %d", g)
		if p := firstErr[g].Load(); p != nil {
			t.Logf("goroutine %d: %d ok, %d failed: %v", g, ok[g].Load(), fail[g].Load(), *p)
		}
		assert.Positive(t, ok[g].Load(), "goroutine %d wrote", g)
	}
	t.Logf("promote-and-move: %d writes ok, %d failed, %d DescribeGlobalClusters after the move (%v ago)",
		total, failed, ml.DocDB().Calls("DescribeGlobalClusters")-1, time.Since(promotedAt).Round(time.Millisecond))
}

// pgLag measures a standby's replay lag: 0 when it has replayed
// everything the primary wrote, else the time since its last replayed
// transaction.
func pgLag(t testing.TB, env *lab.Env) docdb.LagSource {
	dbs := map[multiregion.Region]*sql.DB{}
	for _, r := range env.Regions() {
		dbs[multiregion.Region(r)] = testutil.OpenPG(t, testutil.LabEndpoints(t, env, r, true).Postgres)
	}
	primary := dbs[multiregion.Region(env.Writer)]
	return docdb.LagFunc(func(ctx context.Context, r multiregion.Region, _ string) (time.Duration, error) {
		var lsn string
		if err := primary.QueryRowContext(ctx, "select pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
			return 0, err
		}
		var behind bool
		var secs sql.NullFloat64
		err := dbs[r].QueryRowContext(ctx, `select pg_last_wal_replay_lsn() < $1::pg_lsn,
			extract(epoch from now() - pg_last_xact_replay_timestamp())::float8`, lsn).Scan(&behind, &secs)
		if err != nil {
			return 0, err
		}
		if !behind || !secs.Valid {
			return 0, nil
		}
		return time.Duration(secs.Float64 * float64(time.Second)), nil
	})
}

// TestIntegrationLag: the PostgreSQL lag source measures the standbys, and
// MaxLag skips a replica whose (here: reported) lag is too high.
func TestIntegrationLag(t *testing.T) {
	env := testutil.LoadLab(t)
	ctx := testCtx(t)
	src := pgLag(t, env)
	for _, r := range env.Replicas() {
		d, err := src.ReplicaLag(ctx, multiregion.Region(r), "")
		require.NoError(t, err)
		assert.Less(t, d, 5*time.Second, r)
		t.Logf("%s replay lag: %v", r, d)
	}
	ensureCollection(t, env, "lag")
	mr := labClient(t, env, false)
	lagging := multiregion.Region(env.Replicas()[0])
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) {
		o.Members = labMembers(t, env)
		o.MaxLag = time.Second
		o.LagSource = docdb.LagFunc(func(ctx context.Context, r multiregion.Region, id string) (time.Duration, error) {
			if r == lagging {
				return time.Minute, nil
			}
			return src.ReplicaLag(ctx, r, id)
		})
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	sr := c.In(lagging).Collection("docdbit", "lag").FindOne(ctx, bson.D{{Key: "_id", Value: "seed"}})
	require.ErrorIs(t, sr.Err(), multiregion.ErrNoHealthyRegion, "a replica beyond MaxLag serves no reads")
	sr = c.Collection("docdbit", "lag").FindOne(ctx, bson.D{{Key: "_id", Value: "seed"}})
	require.NoError(t, sr.Err())
	assert.NotEqual(t, lagging, sr.Region())
}

// TestIntegrationReadYourWrites: with ReadYourWrites, a read of an _id
// just written goes to the primary even when a secondary is nearer.
func TestIntegrationReadYourWrites(t *testing.T) {
	env := testutil.LoadLab(t)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	ensureCollection(t, env, "ryw")
	require.NoError(t, env.SetLatency(ctx, env.Writer, 60*time.Millisecond))
	members, _ := testMembers(t, env, map[string]time.Duration{"us-west-2": 5 * time.Millisecond, "eu-west-1": 80 * time.Millisecond})
	mr := labClient(t, env, true, members)
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) {
		o.Members = members
		o.ReadYourWrites, o.ReadYourWritesWindow = true, time.Minute
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("docdbit", "ryw")
	require.Eventually(t, func() bool {
		return coll.FindOne(ctx, bson.D{{Key: "_id", Value: "seed"}}).Region() == "us-west-2"
	}, 10*time.Second, 50*time.Millisecond)
	id := uniqueID("ryw-")
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, err)
	sr := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}})
	require.NoError(t, sr.Err(), "read your own write")
	assert.Equal(t, multiregion.Region(env.Writer), sr.Region())
}

// BenchmarkFindOneRoutedVsRaw: FindOne through the Cluster and through
// the driver directly, on the same region (the primary, through its
// proxy: 5 ms one way), interleaved in one loop; routed/raw is the p50
// ratio.
func BenchmarkFindOneRoutedVsRaw(b *testing.B) { benchFindOne(b, false) }

// BenchmarkFindOneRoutedVsRawDirect is the same without the proxy, so that
// the adapter's own cost is not hidden by the lab's latency.
func BenchmarkFindOneRoutedVsRawDirect(b *testing.B) { benchFindOne(b, true) }

func benchFindOne(b *testing.B, noProxy bool) {
	env := testutil.LoadLab(b)
	ensureCollection(b, env, "bench")
	mr := labClient(b, env, false)
	ctx := context.Background()
	members := labMembers(b, env)
	for i := range members {
		members[i].Endpoint = mongoAddr(b, env, string(members[i].Region), noProxy)
	}
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) { o.Members = members })
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("docdbit", "bench")
	raw := rawClient(b, mongoAddr(b, env, env.Writer, noProxy)).Database("docdbit").Collection("bench")
	filter := bson.D{{Key: "_id", Value: "seed"}}
	testutil.RoutedVsRaw(b, func() error {
		sr := coll.FindOne(ctx, filter)
		if err := sr.Err(); err != nil {
			return err
		}
		if r := sr.Region(); r != multiregion.Region(env.Writer) {
			return fmt.Errorf("FindOne served by %s, want %s", r, env.Writer)
		}
		return nil
	}, func() error {
		_, err := raw.FindOne(ctx, filter).Raw()
		return err
	})
}

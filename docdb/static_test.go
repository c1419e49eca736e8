package docdb_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/internal/testutil"
)

// closedPort returns a loopback address nobody listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// staticCluster is a Cluster over a static topology whose endpoints
// refuse connections; connects counts the driver clients built.
func staticCluster(t *testing.T, mr *multiregion.Client, connects *atomic.Int32, fns ...func(*docdb.Options)) *docdb.Cluster {
	t.Helper()
	members := []docdb.Member{
		{Region: use1, Writer: true, Endpoint: closedPort(t)},
		{Region: usw2, Endpoint: closedPort(t)},
		{Region: euw1, Endpoint: closedPort(t)},
	}
	c, err := docdb.New(testCtx(t), mr, append([]func(*docdb.Options){func(o *docdb.Options) {
		o.Members = members
		o.DisableTLS, o.ReplicaSet = true, "-"
		o.RefreshInterval = -1
		o.ClientOptions = func(_ multiregion.Region, co *options.ClientOptions) {
			if connects != nil {
				connects.Add(1)
			}
			co.SetServerSelectionTimeout(100 * time.Millisecond).SetConnectTimeout(100 * time.Millisecond)
		}
	}}, fns...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestWriteOutsidePrimaryRefusedBeforeNetwork(t *testing.T) {
	_, mr := newLab(t, false, nil)
	var connects atomic.Int32
	c := staticCluster(t, mr, &connects)
	ctx := testCtx(t)
	coll := c.In(usw2).Collection("db", "c")
	id := bson.D{{Key: "_id", Value: "k"}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}
	errs := map[string]error{}
	_, errs["InsertOne"] = coll.InsertOne(ctx, id)
	_, errs["InsertMany"] = coll.InsertMany(ctx, []any{id})
	_, errs["UpdateOne"] = coll.UpdateOne(ctx, id, set)
	_, errs["UpdateMany"] = coll.UpdateMany(ctx, id, set)
	_, errs["ReplaceOne"] = coll.ReplaceOne(ctx, id, bson.D{{Key: "v", Value: 2}})
	_, errs["DeleteOne"] = coll.DeleteOne(ctx, id)
	_, errs["DeleteMany"] = coll.DeleteMany(ctx, id)
	_, errs["BulkWrite"] = coll.BulkWrite(ctx, []mongo.WriteModel{mongo.NewDeleteOneModel().SetFilter(id)})
	errs["FindOneAndUpdate"] = coll.FindOneAndUpdate(ctx, id, set).Err()
	errs["FindOneAndReplace"] = coll.FindOneAndReplace(ctx, id, bson.D{}).Err()
	errs["FindOneAndDelete"] = coll.FindOneAndDelete(ctx, id).Err()
	_, errs["Aggregate $out"] = coll.Aggregate(ctx, mongo.Pipeline{{{Key: "$out", Value: "other"}}})
	for op, err := range errs {
		var we *multiregion.WriteRegionError
		if assert.ErrorAs(t, err, &we, op) {
			assert.Equal(t, usw2, we.Region, op)
			assert.Equal(t, use1, we.Writer, op)
		}
	}
	assert.Zero(t, connects.Load(), "no driver client was built: nothing went on the network")
}

func TestInputErrors(t *testing.T) {
	_, mr := newLab(t, false, nil)
	var connects atomic.Int32
	c := staticCluster(t, mr, &connects)
	ctx := testCtx(t)
	coll := c.Collection("db", "c")
	id := bson.D{{Key: "_id", Value: "k"}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}
	var nilDoc bson.D
	cases := map[string]error{}
	_, cases["empty db"] = c.Collection("", "c").InsertOne(ctx, id)
	_, cases["empty collection"] = c.Collection("db", "").FindOne(ctx, id).Raw()
	_, cases["nil document"] = coll.InsertOne(ctx, nil)
	_, cases["nil typed document"] = coll.InsertOne(ctx, nilDoc)
	_, cases["unmarshalable"] = coll.InsertOne(ctx, make(chan int))
	_, cases["not a document"] = coll.InsertOne(ctx, 42)
	_, cases["no documents"] = coll.InsertMany(ctx, nil)
	_, cases["update without operators"] = coll.UpdateOne(ctx, id, bson.D{{Key: "v", Value: 1}})
	_, cases["empty update"] = coll.UpdateOne(ctx, id, bson.D{})
	_, cases["nil filter"] = coll.UpdateOne(ctx, nil, set)
	_, cases["nil filter find"] = coll.Find(ctx, nil)
	_, cases["nil filter count"] = coll.CountDocuments(ctx, nil)
	_, cases["replacement with operators"] = coll.ReplaceOne(ctx, id, set)
	_, cases["nil filter delete"] = coll.DeleteMany(ctx, nil)
	_, cases["bulk with bad update"] = coll.BulkWrite(ctx, []mongo.WriteModel{mongo.NewUpdateOneModel().SetFilter(id).SetUpdate(bson.D{{Key: "v", Value: 1}})})
	_, cases["no models"] = coll.BulkWrite(ctx, nil)
	_, cases["pipeline not a slice"] = coll.Aggregate(ctx, "x")
	_, cases["empty field"] = coll.Distinct(ctx, "", id)
	cases["find one and update without operators"] = coll.FindOneAndUpdate(ctx, id, bson.D{{Key: "v", Value: 1}}).Err()
	//nolint:staticcheck // a nil context is what is tested
	_, cases["nil ctx"] = coll.InsertOne(nil, id) //lint:ignore SA1012 testing nil
	for name, err := range cases {
		var ie *docdb.InputError
		if assert.ErrorAs(t, err, &ie, name) {
			assert.ErrorIs(t, err, docdb.ErrInvalidInput, name)
		}
	}
	assert.Zero(t, connects.Load(), "input errors are found before any client is built")
}

func TestOptionErrors(t *testing.T) {
	_, mr := newLab(t, false, nil)
	ctx := testCtx(t)
	for name, fn := range map[string]func(*docdb.Options){
		"nothing": func(*docdb.Options) {},
		"both": func(o *docdb.Options) {
			o.GlobalClusterID = "g"
			o.Members = []docdb.Member{{Region: use1, Writer: true, Endpoint: "h:1"}}
		},
		"bad CA":           func(o *docdb.Options) { o.GlobalClusterID = "g"; o.CABundle = []byte("not pem") },
		"bad version":      func(o *docdb.Options) { o.GlobalClusterID = "g"; o.EngineVersion = "eight" },
		"password no user": func(o *docdb.Options) { o.GlobalClusterID = "g"; o.Password = "p" },
	} {
		_, err := docdb.New(ctx, mr, fn)
		assert.ErrorIs(t, err, multiregion.ErrInvalidOptions, name)
	}
	_, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.Members = []docdb.Member{{Region: use1, Writer: true, Endpoint: "h:1"}, {Region: usw2, Writer: true, Endpoint: "h:2"}}
	})
	assert.ErrorIs(t, err, multiregion.ErrInvalidOptions, "two writers")
}

func TestClosed(t *testing.T) {
	_, mr := newLab(t, false, nil)
	c := staticCluster(t, mr, nil)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "idempotent")
	checkClosed(t, c)

	// The Client closing closes the Cluster too.
	_, mr2 := newLab(t, false, nil)
	c2 := staticCluster(t, mr2, nil)
	require.NoError(t, mr2.Close())
	require.Eventually(t, func() bool { return errors.Is(c2.Refresh(context.Background()), multiregion.ErrClosed) }, 5*time.Second, 10*time.Millisecond)
	checkClosed(t, c2)
}

func checkClosed(t *testing.T, c *docdb.Cluster) {
	t.Helper()
	ctx := testCtx(t)
	coll := c.Collection("db", "c")
	id := bson.D{{Key: "_id", Value: "k"}}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: 1}}}}
	errs := map[string]error{}
	_, errs["InsertOne"] = coll.InsertOne(ctx, id)
	_, errs["UpdateOne"] = coll.UpdateOne(ctx, id, set)
	_, errs["DeleteMany"] = coll.DeleteMany(ctx, id)
	errs["FindOne"] = coll.FindOne(ctx, id).Err()
	_, errs["Find"] = coll.Find(ctx, id)
	_, errs["CountDocuments"] = coll.CountDocuments(ctx, id)
	_, errs["Distinct"] = coll.Distinct(ctx, "v", id)
	_, errs["Aggregate"] = coll.Aggregate(ctx, mongo.Pipeline{})
	errs["Refresh"] = c.Refresh(ctx)
	errs["Switchover"] = c.Switchover(ctx, usw2)
	errs["Failover"] = c.Failover(ctx, usw2, true)
	for op, err := range errs {
		assert.ErrorIs(t, err, multiregion.ErrClosed, op)
	}
}

// TestSecretsNeverLeak plants a password and checks every error and log
// line of reads and writes that fail (connection refused) and of bad input.
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "s3cr3t-Pa55word-planted"
	logs := &testutil.SyncBuffer{}
	_, mr := newLab(t, true, logs)
	c := staticCluster(t, mr, nil, func(o *docdb.Options) { o.Username, o.Password = "app", secret })
	ctx := testCtx(t)
	coll := c.Collection("db", "c")
	id := bson.D{{Key: "_id", Value: "k"}}
	var errs []error
	_, err := coll.InsertOne(ctx, id)
	errs = append(errs, err)
	errs = append(errs, coll.FindOne(ctx, id).Err())
	_, err = coll.Find(ctx, id)
	errs = append(errs, err)
	_, err = coll.UpdateOne(ctx, id, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
	errs = append(errs, err)
	_, err = c.In(usw2).Collection("db", "c").InsertOne(ctx, id)
	errs = append(errs, err)
	_, err = coll.UpdateOne(ctx, id, bson.D{{Key: "n", Value: 1}})
	errs = append(errs, err)
	errs = append(errs, c.Switchover(ctx, usw2))
	_, err = docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = "missing"
		o.Name = "x"
		o.Username, o.Password = "app", secret
	})
	errs = append(errs, err)
	st := c.Status()
	for i, err := range errs {
		require.Error(t, err, i)
		assert.NotContains(t, err.Error(), secret, "error %d", i)
		for _, r := range st.Regions {
			if r.LastError != nil {
				assert.NotContains(t, r.LastError.Error(), secret)
			}
		}
	}
	require.NoError(t, c.Close())
	out := logs.String()
	assert.NotContains(t, out, secret)
	t.Logf("%d log bytes checked; e.g. %s", len(out), firstLine(errs[0].Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

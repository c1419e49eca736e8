package docdb_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
)

// TestMaxLagSkipsLaggingReplica: a secondary whose measured lag exceeds
// MaxLag serves no reads; the decision needs no data-plane traffic.
func TestMaxLagSkipsLaggingReplica(t *testing.T) {
	_, mr := newLab(t, false, nil)
	var connects atomic.Int32
	lag := docdb.LagFunc(func(_ context.Context, r multiregion.Region, _ string) (time.Duration, error) {
		switch r {
		case usw2:
			return time.Minute, nil
		case euw1:
			return 0, errors.New("no datapoint") // unknown: keeps serving
		}
		return 0, nil
	})
	c := staticCluster(t, mr, &connects, func(o *docdb.Options) { o.MaxLag, o.LagSource = time.Second, lag })
	ctx := testCtx(t)
	err := c.In(usw2).Collection("db", "c").FindOne(ctx, bson.D{}).Err()
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	assert.Zero(t, connects.Load(), "the lagging replica was not contacted")
}

// TestControlPlaneLag: the control-plane Source measures each secondary
// with the LagSource (the cluster ARN is passed), never the primary.
func TestControlPlaneLag(t *testing.T) {
	lab, mr := newLab(t, false, nil)
	var asked []string
	lag := docdb.LagFunc(func(_ context.Context, r multiregion.Region, id string) (time.Duration, error) {
		asked = append(asked, string(r)+"="+id)
		return 10 * time.Second, nil
	})
	c, err := docdb.New(testCtx(t), mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
		o.RefreshInterval, o.LagSource, o.MaxLag = -1, lag, time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.Equal(t, []string{"us-west-2=" + lab.DocDB().ClusterARN("us-west-2"), "eu-west-1=" + lab.DocDB().ClusterARN("eu-west-1")}, asked)
	err = c.In(euw1).Collection("db", "c").FindOne(testCtx(t), bson.D{}).Err()
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
}

type fakeMetrics struct {
	v       float64
	ok      bool
	metric  string
	dims    map[string]string
	calls   int
	failErr error
}

func (f *fakeMetrics) Maximum(_ context.Context, _ multiregion.Region, ns, metric string, dims map[string]string, _ time.Duration) (float64, bool, error) {
	f.calls++
	f.metric, f.dims = ns+"/"+metric, dims
	return f.v, f.ok, f.failErr
}

func TestCloudWatchLag(t *testing.T) {
	m := &fakeMetrics{v: 250, ok: true}
	src := docdb.CloudWatchLag(m, 0)
	d, err := src.ReplicaLag(context.Background(), usw2, "arn:aws:rds:us-west-2:123456789012:cluster:orders-w2")
	require.NoError(t, err)
	assert.Equal(t, 250*time.Millisecond, d)
	assert.Equal(t, "AWS/DocDB/DBClusterReplicaLagMaximum", m.metric)
	assert.Equal(t, map[string]string{"DBClusterIdentifier": "orders-w2"}, m.dims)
	m.ok = false
	_, err = src.ReplicaLag(context.Background(), usw2, "orders-w2")
	assert.Error(t, err, "no datapoint: lag unknown")
}

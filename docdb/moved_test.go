package docdb_test

import (
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestFailedWriteReloadsTopology: a failover cuts the old primary off
// before any server refuses a write as read-only. A write that fails there
// without being applied (connection refused) reloads the topology and, as
// the primary moved, runs once more on the new one; a second failure is
// the caller's, and a burst of failures reloads at most once per second.
func TestFailedWriteReloadsTopology(t *testing.T) {
	lab, mr := newLab(t, false, nil, func(o *multiregiontest.DocDBOptions) {
		o.Endpoint = func(string) (string, int) {
			h, p, _ := net.SplitHostPort(closedPort(t))
			n, _ := strconv.Atoi(p)
			return h, n
		}
	})
	ctx := testCtx(t)
	var connects atomic.Int32
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
		o.DisableTLS, o.ReplicaSet, o.RefreshInterval = true, "-", -1
		o.ClientOptions = func(r multiregion.Region, co *options.ClientOptions) {
			connects.Add(1)
			co.SetServerSelectionTimeout(50 * time.Millisecond)
		}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	coll := c.Collection("db", "c")
	loads := lab.DocDB().Calls("DescribeGlobalClusters")

	require.NoError(t, lab.DocDB().SetWriter(string(usw2)))    // the failover the Cluster has not seen
	_, err = coll.InsertOne(ctx, bson.D{{Key: "v", Value: 1}}) // no _id: not idempotent, but surely not applied
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	assert.Contains(t, err.Error(), string(usw2), "the second try ran on the new primary")
	assert.Equal(t, usw2, c.Writer())
	assert.Equal(t, loads+1, lab.DocDB().Calls("DescribeGlobalClusters"), "one reload")
	assert.EqualValues(t, 2, connects.Load(), "one client per primary tried")

	for range 5 {
		_, err = coll.InsertOne(ctx, bson.D{{Key: "v", Value: 1}})
		require.Error(t, err)
	}
	assert.Equal(t, loads+1, lab.DocDB().Calls("DescribeGlobalClusters"), "reloads for failed writes are bounded")
}

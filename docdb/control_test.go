package docdb_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestControlPlaneTopology(t *testing.T) {
	lab, mr := newLab(t, false, nil, func(o *multiregiontest.DocDBOptions) {
		o.EngineVersion = "8.0.2"
		o.Endpoint = func(r string) (string, int) { return "db-" + r + ".example", 27017 }
	})
	ctx := testCtx(t)
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
		o.RefreshInterval = -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.Equal(t, use1, c.Writer())
	assert.Equal(t, labRegions, c.Regions())
	assert.True(t, c.RetryWrites(), "engine 8.0.2 supports retryable writes")
	st := c.Status()
	assert.Equal(t, "docdb:"+lab.DocDB().GlobalClusterID(), st.Name)
	assert.Equal(t, use1, st.Topology.Writer)

	// The writer moves under the Cluster: a refresh sees it.
	require.NoError(t, lab.DocDB().SetWriter(string(euw1)))
	lab.DocDB().SetEngineVersion("5.0.0")
	require.NoError(t, c.Refresh(ctx))
	assert.Equal(t, euw1, c.Writer())
	assert.False(t, c.RetryWrites(), "engines before 8.0.2: retryWrites=false")
}

func TestSwitchoverAndFailover(t *testing.T) {
	lab, mr := newLab(t, false, nil)
	ctx := testCtx(t)
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
		o.RefreshInterval = -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	require.NoError(t, c.Switchover(ctx, usw2))
	assert.Equal(t, usw2, c.Writer(), "the topology is reloaded after the switchover")
	assert.Equal(t, 1, lab.DocDB().Calls("SwitchoverGlobalCluster"))

	require.NoError(t, c.Failover(ctx, euw1, true))
	assert.Equal(t, euw1, c.Writer())
	require.NoError(t, c.Failover(ctx, use1, false))
	assert.Equal(t, use1, c.Writer())
	assert.Equal(t, 2, lab.DocDB().Calls("FailoverGlobalCluster"))

	var ie *docdb.InputError
	require.ErrorAs(t, c.Switchover(ctx, use1), &ie, "already the primary")
	require.ErrorAs(t, c.Failover(ctx, "ap-south-1", false), &ie, "no cluster there")
	assert.Equal(t, 1, lab.DocDB().Calls("SwitchoverGlobalCluster"), "validation sends nothing")
}

func TestTooManyRegions(t *testing.T) {
	lab, mr := newLab(t, false, nil)
	for i := range docdb.MaxSecondaryRegions {
		lab.DocDB().AddRegion("ap-south-" + strconv.Itoa(i+1))
	}
	_, err := docdb.New(testCtx(t), mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
	})
	require.ErrorIs(t, err, multiregion.ErrTooManyRegions)

	members := make([]docdb.Member, docdb.MaxRegions+1)
	for i := range members {
		members[i] = docdb.Member{Region: multiregion.Region("ap-south-" + strconv.Itoa(i+1)), Endpoint: "h:1", Writer: i == 0}
	}
	_, err = docdb.New(testCtx(t), mr, func(o *docdb.Options) { o.Members = members })
	require.ErrorIs(t, err, multiregion.ErrTooManyRegions)
}

func TestControlPlaneFailureKeepsTopology(t *testing.T) {
	lab, mr := newLab(t, false, nil)
	ctx := testCtx(t)
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = lab.DocDB().GlobalClusterID()
		o.RefreshInterval = -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	lab.DocDB().FailNext("DescribeGlobalClusters", 100)
	err = c.Refresh(ctx)
	require.Error(t, err)
	assert.Equal(t, use1, c.Writer(), "the last good topology stays")
	assert.Equal(t, 1, c.Status().Topology.ConsecutiveFailures)

	_, err = docdb.New(ctx, mr, func(o *docdb.Options) { o.GlobalClusterID = "nope"; o.Name = "other" })
	require.Error(t, err)
	assert.True(t, errors.Is(err, err))
}

func TestAllowPartial(t *testing.T) {
	lab, mr := newLab(t, false, nil)
	lab.DocDB().AddRegion("ap-south-1")
	_, err := docdb.New(testCtx(t), mr, func(o *docdb.Options) { o.GlobalClusterID = lab.DocDB().GlobalClusterID() })
	require.ErrorIs(t, err, multiregion.ErrUnknownRegion, "a member outside the Client")
	c, err := docdb.New(testCtx(t), mr, func(o *docdb.Options) {
		o.GlobalClusterID, o.AllowPartial, o.RefreshInterval = lab.DocDB().GlobalClusterID(), true, -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.Equal(t, labRegions, c.Regions())
}

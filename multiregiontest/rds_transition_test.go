package multiregiontest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

// With TransitionDescribes, the control plane reports a switchover under way
// for that many DescribeGlobalClusters calls before the writer moves, as AWS
// does: a caller that waits for the new writer must poll.
func TestRDS_AuroraTransition(t *testing.T) {
	ctx := context.Background()
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) { o.TransitionDescribes = 2 })
	h := lab.RDS()
	c := api("us-east-1")
	gid := aws.String(h.GlobalClusterID())
	writerOf := func(g types.GlobalCluster) string {
		for _, m := range g.GlobalClusterMembers {
			if aws.ToBool(m.IsWriter) {
				return aws.ToString(m.DBClusterArn)
			}
		}
		return ""
	}

	fo, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: gid,
		TargetDbClusterIdentifier: aws.String(h.ClusterARN("eu-west-1")), AllowDataLoss: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "failing-over", aws.ToString(fo.GlobalCluster.Status))
	assert.Equal(t, "us-east-1", h.Writer(), "the writer has not moved yet")
	// Another move meanwhile is refused.
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterARN("us-west-2"))})
	var state *types.InvalidGlobalClusterStateFault
	assert.ErrorAs(t, err, &state)

	for i := range 2 {
		out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
		require.NoError(t, err)
		g := out.GlobalClusters[0]
		assert.Equal(t, "failing-over", aws.ToString(g.Status), "describe %d", i)
		require.NotNil(t, g.FailoverState, "describe %d", i)
		assert.Equal(t, types.FailoverStatusFailingOver, g.FailoverState.Status)
		assert.Equal(t, h.ClusterARN("us-east-1"), aws.ToString(g.FailoverState.FromDbClusterArn))
		assert.Equal(t, h.ClusterARN("eu-west-1"), aws.ToString(g.FailoverState.ToDbClusterArn))
		assert.True(t, aws.ToBool(g.FailoverState.IsDataLossAllowed))
		assert.Equal(t, h.ClusterARN("us-east-1"), writerOf(g), "describe %d: the old writer still", i)
	}
	out, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	g := out.GlobalClusters[0]
	assert.Equal(t, "available", aws.ToString(g.Status))
	assert.Nil(t, g.FailoverState)
	assert.Equal(t, h.ClusterARN("eu-west-1"), writerOf(g))
	assert.Equal(t, "eu-west-1", h.Writer())
}

func TestRDS_AuroraWriteForwarding(t *testing.T) {
	ctx := context.Background()
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) { o.WriteForwarding = true })
	h := lab.RDS()
	h.SetWriteForwarding("eu-west-1", false)
	out, err := api("us-east-1").DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	m := out.GlobalClusters[0].GlobalClusterMembers
	assert.Equal(t, []types.WriteForwardingStatus{"", types.WriteForwardingStatusEnabled, types.WriteForwardingStatusDisabled},
		[]types.WriteForwardingStatus{m[0].GlobalWriteForwardingStatus, m[1].GlobalWriteForwardingStatus, m[2].GlobalWriteForwardingStatus})
	dc, err := api("us-west-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	require.NoError(t, err)
	assert.Equal(t, types.WriteForwardingStatusEnabled, dc.DBClusters[0].GlobalWriteForwardingStatus)
	assert.True(t, aws.ToBool(dc.DBClusters[0].GlobalWriteForwardingRequested))
	dc, err = api("eu-west-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	require.NoError(t, err)
	assert.Equal(t, types.WriteForwardingStatusDisabled, dc.DBClusters[0].GlobalWriteForwardingStatus)
	assert.False(t, h.Members()[2].WriteForwarding)
}

// A switchover whose hook is still running (the test promoting its servers)
// refuses another one, as AWS refuses a second operation on a global cluster.
func TestRDS_AuroraConcurrentSwitchover(t *testing.T) {
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) {
		o.OnSwitchover = func(context.Context, string, string) error {
			entered <- struct{}{}
			<-release
			return nil
		}
	})
	h := lab.RDS()
	c := api("us-east-1")
	gid := aws.String(h.GlobalClusterID())
	first := make(chan error, 1)
	go func() {
		_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("us-west-2"))})
		first <- err
	}()
	<-entered
	_, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	var state *types.InvalidGlobalClusterStateFault
	assert.ErrorAs(t, err, &state, "a second switchover while the first runs")
	close(release)
	require.NoError(t, <-first)
	assert.Equal(t, "us-west-2", h.Writer())
	require.Len(t, h.Operations(), 1)
}

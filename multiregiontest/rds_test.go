package multiregiontest_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

var rdsRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// startRDS starts a lab with WithRDS and a Client on it, and returns the lab
// and a real rds client per region.
func startRDS(t *testing.T, fns ...func(*multiregiontest.RDSOptions)) (*multiregiontest.Lab, func(region string) *rds.Client) {
	t.Helper()
	lab := multiregiontest.Start(t, rdsRegions, multiregiontest.WithRDS(fns...))
	mr, err := multiregion.New(context.Background(), lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { mr.Close() })
	return lab, func(region string) *rds.Client { return rds.NewFromConfig(mr.Config(multiregion.Region(region))) }
}

func fakeEndpoint(r string) (string, int) { return "db." + r + ".example", 5432 + len(r) }

func TestRDS_AuroraDescribe(t *testing.T) {
	ctx := context.Background()
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) {
		o.GlobalClusterID, o.Engine, o.EngineVersion = "g1", "aurora-mysql", "8.0.mysql_aurora.3.09.0"
		o.Endpoint = fakeEndpoint
	})
	h := lab.RDS()
	out, err := api("eu-west-1").DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("g1")})
	require.NoError(t, err)
	require.Len(t, out.GlobalClusters, 1)
	g := out.GlobalClusters[0]
	assert.Equal(t, "aurora-mysql", aws.ToString(g.Engine))
	assert.Equal(t, "8.0.mysql_aurora.3.09.0", aws.ToString(g.EngineVersion))
	assert.Regexp(t, `^g1\.global-[a-z0-9]{12}\.global\.rds\.amazonaws\.com$`, aws.ToString(g.Endpoint))
	assert.Equal(t, h.GlobalEndpoint(), aws.ToString(g.Endpoint))
	require.Len(t, g.GlobalClusterMembers, 3)
	for i, m := range g.GlobalClusterMembers {
		assert.Equal(t, h.ClusterARN(rdsRegions[i]), aws.ToString(m.DBClusterArn))
		assert.Equal(t, i == 0, aws.ToBool(m.IsWriter), "member %d", i)
	}
	assert.Equal(t, []string{h.ClusterARN("us-west-2"), h.ClusterARN("eu-west-1")}, g.GlobalClusterMembers[0].Readers)

	// Each region describes its own cluster, by identifier or ARN.
	for _, r := range rdsRegions {
		for _, id := range []string{h.ClusterID(r), h.ClusterARN(r)} {
			dc, err := api(r).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
			require.NoError(t, err, r)
			require.Len(t, dc.DBClusters, 1)
			c := dc.DBClusters[0]
			host, port := fakeEndpoint(r)
			assert.Equal(t, host, aws.ToString(c.Endpoint))
			assert.Equal(t, "db-ro."+r+".example", aws.ToString(c.ReaderEndpoint))
			assert.Equal(t, int32(port), aws.ToInt32(c.Port))
			assert.Equal(t, "available", aws.ToString(c.Status))
			assert.Equal(t, "aurora-mysql", aws.ToString(c.Engine))
			assert.Equal(t, h.ClusterID(r), aws.ToString(c.DBClusterIdentifier))
			assert.Equal(t, "g1", aws.ToString(c.GlobalClusterIdentifier))
			require.Len(t, c.DBClusterMembers, 1)
			assert.Equal(t, r == "us-east-1", aws.ToBool(c.DBClusterMembers[0].IsClusterWriter))
		}
	}
	all, err := api("us-west-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	require.NoError(t, err)
	assert.Len(t, all.DBClusters, 1, "a region lists its own cluster only")
	f, err := api("us-west-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{Filters: []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{"other"}}}})
	require.NoError(t, err)
	assert.Empty(t, f.DBClusters, "the filter excludes the cluster")

	// The cluster's instance, found by the cluster filter.
	di, err := api("us-west-2").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
		Filters: []types.Filter{{Name: aws.String("db-cluster-id"), Values: []string{h.ClusterID("us-west-2")}}}})
	require.NoError(t, err)
	require.Len(t, di.DBInstances, 1)
	assert.Equal(t, h.InstanceID("us-west-2"), aws.ToString(di.DBInstances[0].DBInstanceIdentifier))
	assert.Equal(t, h.ClusterID("us-west-2"), aws.ToString(di.DBInstances[0].DBClusterIdentifier))
	assert.Equal(t, "db.us-west-2.example", aws.ToString(di.DBInstances[0].Endpoint.Address))

	// Unknown identifiers: the SDK's typed errors.
	_, err = api("us-east-1").DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("nope")})
	var gnf *types.GlobalClusterNotFoundFault
	assert.ErrorAs(t, err, &gnf)
	_, err = api("us-east-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	var cnf *types.DBClusterNotFoundFault
	assert.ErrorAs(t, err, &cnf, "another region's cluster")
	_, err = api("us-east-1").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	var inf *types.DBInstanceNotFoundFault
	assert.ErrorAs(t, err, &inf)
	// Aurora instances are no read replicas.
	_, err = api("us-west-2").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String(h.InstanceID("us-west-2"))})
	var bad *types.InvalidDBInstanceStateFault
	assert.ErrorAs(t, err, &bad)
}

func TestRDS_AuroraSwitchoverAndFailover(t *testing.T) {
	ctx := context.Background()
	var hooked testutil.SyncBuffer
	var refuse atomic.Bool
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) {
		o.OnSwitchover = func(_ context.Context, from, to string) error {
			fmt.Fprintf(&hooked, "switchover %s>%s;", from, to)
			if refuse.Load() {
				return errors.New("servers not ready")
			}
			return nil
		}
		o.OnFailover = func(_ context.Context, from, to string) error {
			fmt.Fprintf(&hooked, "failover %s>%s;", from, to)
			return nil
		}
	})
	h := lab.RDS()
	c := api("us-west-2")
	gid := aws.String(h.GlobalClusterID())

	sw, err := c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterARN("us-west-2"))})
	require.NoError(t, err)
	assert.Equal(t, "us-west-2", h.Writer())
	require.Len(t, sw.GlobalCluster.GlobalClusterMembers, 3, "the old writer stays a secondary")
	assert.False(t, aws.ToBool(sw.GlobalCluster.GlobalClusterMembers[0].IsWriter))
	assert.True(t, aws.ToBool(sw.GlobalCluster.GlobalClusterMembers[1].IsWriter))

	// Refusals: the writer itself, a hook error, unequal versions, a busy member.
	var state *types.InvalidGlobalClusterStateFault
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("us-west-2"))})
	assert.ErrorAs(t, err, &state, "switchover to the writer")
	refuse.Store(true)
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	assert.ErrorAs(t, err, &state, "hook refused")
	assert.Contains(t, err.Error(), "servers not ready")
	assert.Equal(t, "us-west-2", h.Writer())
	refuse.Store(false)
	h.SetEngineVersion("eu-west-1", "16.6")
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	assert.ErrorAs(t, err, &state, "versions differ")
	h.SetEngineVersion("", "16.6")
	h.SetStatus("eu-west-1", "modifying")
	var cstate *types.InvalidDBClusterStateFault
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	assert.ErrorAs(t, err, &cstate, "target not available")
	h.SetStatus("eu-west-1", "available")
	var cnf *types.DBClusterNotFoundFault
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String("nope")})
	assert.ErrorAs(t, err, &cnf)
	var gnf *types.GlobalClusterNotFoundFault
	_, err = c.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("nope"), TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1"))})
	assert.ErrorAs(t, err, &gnf)

	// FailoverGlobalCluster: AllowDataLoss and Switchover exclude each other.
	_, err = c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("eu-west-1")),
		AllowDataLoss: aws.Bool(true), Switchover: aws.Bool(true)})
	var api1 smithy.APIError
	require.ErrorAs(t, err, &api1)
	assert.Equal(t, "InvalidParameterCombination", api1.ErrorCode())
	// With AllowDataLoss, the primary need not be available.
	h.SetStatus("us-west-2", "unavailable")
	fo, err := c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterARN("eu-west-1")), AllowDataLoss: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", h.Writer())
	assert.Len(t, fo.GlobalCluster.GlobalClusterMembers, 3, "the old writer stays a secondary")
	h.SetStatus("us-west-2", "available")
	// With Switchover, a switchover: OnSwitchover runs.
	_, err = c.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: gid, TargetDbClusterIdentifier: aws.String(h.ClusterID("us-east-1")), Switchover: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", h.Writer())

	assert.Equal(t, "switchover us-east-1>us-west-2;switchover us-west-2>eu-west-1;failover us-west-2>eu-west-1;switchover eu-west-1>us-east-1;", hooked.String())
	ops := h.Operations()
	require.Len(t, ops, 4)
	assert.Equal(t, multiregiontest.RDSOperation{Action: "FailoverGlobalCluster", From: "us-west-2", To: "eu-west-1", AllowDataLoss: true}, ops[2])
	assert.Error(t, ops[1].Err, "the refused switchover is recorded")
	assert.Equal(t, 7, h.Calls("SwitchoverGlobalCluster"))
	assert.Equal(t, 3, h.Calls("FailoverGlobalCluster"))
}

func TestRDS_AuroraTopologyChanges(t *testing.T) {
	ctx := context.Background()
	lab, api := startRDS(t)
	h := lab.RDS()
	h.SetEndpoint("us-west-2", "127.0.0.1", 15432)
	h.SetReaderEndpoint("us-west-2", "127.0.0.2")
	require.NoError(t, h.SetWriter("us-west-2"))
	require.Error(t, h.SetWriter("ap-south-1"), "no member there")
	require.Error(t, h.RemoveRegion("us-west-2"), "the writer cannot be removed")
	require.NoError(t, h.RemoveRegion("eu-west-1"))
	h.AddRegion("ap-south-1")
	h.SetGlobalEndpoint("")

	out, err := api("us-east-1").DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	g := out.GlobalClusters[0]
	assert.Nil(t, g.Endpoint, "no global writer endpoint")
	var regions []string
	for _, m := range g.GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) {
			regions = append(regions, "writer:"+aws.ToString(m.DBClusterArn))
		} else {
			regions = append(regions, aws.ToString(m.DBClusterArn))
		}
	}
	assert.Equal(t, []string{h.ClusterARN("us-east-1"), "writer:" + h.ClusterARN("us-west-2"), h.ClusterARN("ap-south-1")}, regions)
	dc, err := api("us-west-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", aws.ToString(dc.DBClusters[0].Endpoint))
	assert.Equal(t, "127.0.0.2", aws.ToString(dc.DBClusters[0].ReaderEndpoint))
	assert.Equal(t, int32(15432), aws.ToInt32(dc.DBClusters[0].Port))
	assert.Equal(t, "16.4", aws.ToString(dc.DBClusters[0].EngineVersion))
	// eu-west-1 left the global database: its region has no cluster.
	dc, err = api("eu-west-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	require.NoError(t, err)
	assert.Empty(t, dc.DBClusters)

	m := h.Members()
	require.Len(t, m, 3)
	assert.Equal(t, multiregiontest.RDSMember{Region: "us-west-2", ID: h.ClusterID("us-west-2"), ARN: h.ClusterARN("us-west-2"), Writer: true,
		Host: "127.0.0.1", Port: 15432, ReaderHost: "127.0.0.2", Status: "available", EngineVersion: "16.4"}, m[1])
}

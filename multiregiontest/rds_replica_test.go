package multiregiontest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsdocdb "github.com/aws/aws-sdk-go-v2/service/docdb"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestRDS_ReadReplicas(t *testing.T) {
	ctx := context.Background()
	var promoted testutil.SyncBuffer
	lab, api := startRDS(t, func(o *multiregiontest.RDSOptions) {
		o.Kind, o.Engine, o.DBInstanceID = multiregion.RDSReadReplica, "mariadb", "orders"
		o.Endpoint = fakeEndpoint
		o.OnPromote = func(_ context.Context, from, to string) error {
			fmt.Fprintf(&promoted, "%s>%s;", from, to)
			if to == "eu-west-1" {
				return errors.New("not now")
			}
			return nil
		}
	})
	h := lab.RDS()
	assert.Equal(t, "orders-us-east-1", h.InstanceID("us-east-1"))

	src, err := api("us-east-1").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-us-east-1")})
	require.NoError(t, err)
	require.Len(t, src.DBInstances, 1)
	s := src.DBInstances[0]
	assert.Equal(t, "mariadb", aws.ToString(s.Engine))
	assert.Equal(t, "10.11.9", aws.ToString(s.EngineVersion))
	assert.Equal(t, "available", aws.ToString(s.DBInstanceStatus))
	assert.Equal(t, "db.us-east-1.example", aws.ToString(s.Endpoint.Address))
	assert.Equal(t, int32(5441), aws.ToInt32(s.Endpoint.Port))
	assert.Nil(t, s.ReadReplicaSourceDBInstanceIdentifier)
	assert.Equal(t, []string{h.InstanceARN("us-west-2"), h.InstanceARN("eu-west-1")}, s.ReadReplicaDBInstanceIdentifiers)

	rep, err := api("us-west-2").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
		Filters: []types.Filter{{Name: aws.String("db-instance-id"), Values: []string{h.InstanceARN("us-west-2")}}}})
	require.NoError(t, err)
	require.Len(t, rep.DBInstances, 1)
	assert.Equal(t, h.InstanceARN("us-east-1"), aws.ToString(rep.DBInstances[0].ReadReplicaSourceDBInstanceIdentifier))
	assert.Empty(t, rep.DBInstances[0].ReadReplicaDBInstanceIdentifiers)

	// No Aurora here: no global cluster, no DB cluster.
	gc, err := api("us-east-1").DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	assert.Empty(t, gc.GlobalClusters)
	var gnf *types.GlobalClusterNotFoundFault
	_, err = api("us-east-1").SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("aurora-global"), TargetDbClusterIdentifier: aws.String("x")})
	assert.ErrorAs(t, err, &gnf)
	var cnf *types.DBClusterNotFoundFault
	_, err = api("us-east-1").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("orders-us-east-1")})
	assert.ErrorAs(t, err, &cnf)

	// Promotion: the replica is called in its own region.
	var inf *types.DBInstanceNotFoundFault
	_, err = api("us-east-1").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("orders-us-west-2")})
	assert.ErrorAs(t, err, &inf, "another region's replica")
	var state *types.InvalidDBInstanceStateFault
	_, err = api("us-east-1").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("orders-us-east-1")})
	assert.ErrorAs(t, err, &state, "the source is no replica")
	h.SetStatus("us-west-2", "rebooting")
	_, err = api("us-west-2").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("orders-us-west-2")})
	assert.ErrorAs(t, err, &state, "a replica that is not available")
	h.SetStatus("us-west-2", "available")
	_, err = api("eu-west-1").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("orders-eu-west-1")})
	assert.ErrorAs(t, err, &state, "the hook refused")

	p, err := api("us-west-2").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String(h.InstanceARN("us-west-2"))})
	require.NoError(t, err)
	assert.Nil(t, p.DBInstance.ReadReplicaSourceDBInstanceIdentifier, "standalone")
	_, err = api("us-west-2").PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: aws.String("orders-us-west-2")})
	assert.ErrorAs(t, err, &state, "promoted twice")
	src, err = api("us-east-1").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{h.InstanceARN("eu-west-1")}, src.DBInstances[0].ReadReplicaDBInstanceIdentifiers, "the promoted replica left the list")
	assert.Equal(t, "us-east-1>eu-west-1;us-east-1>us-west-2;", promoted.String())
	ops := h.Operations()
	require.Len(t, ops, 2)
	assert.Equal(t, multiregiontest.RDSOperation{Action: "PromoteReadReplica", From: "us-east-1", To: "us-west-2"}, ops[1])
	assert.Equal(t, "us-east-1", h.Writer(), "the source stays the source of the others")
	m := h.Members()
	assert.True(t, !m[1].Writer && !m[1].ReadReplica && m[2].ReadReplica, "%+v", m)

	// SetWriter re-roots: the promoted instance becomes the source of every other.
	require.NoError(t, h.SetWriter("us-west-2"))
	h.AddRegion("ap-south-1")
	out, err := api("us-west-2").DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	assert.Equal(t, []string{h.InstanceARN("us-east-1"), h.InstanceARN("eu-west-1"), h.InstanceARN("ap-south-1")}, out.DBInstances[0].ReadReplicaDBInstanceIdentifiers)
}

func TestRDS_Faults(t *testing.T) {
	ctx := context.Background()
	lab, api := startRDS(t)
	h := lab.RDS()
	c := api("us-east-1")

	h.FailNext("DescribeGlobalClusters", 1)
	_, err := c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusInternalServerError, re.HTTPStatusCode())
	_, err = c.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err, "one injected failure only")
	assert.Equal(t, 2, h.Calls("DescribeGlobalClusters"))

	lab.Endpoint("us-east-1").SetThrottleRate(1)
	_, err = c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	assert.True(t, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool(), "throttled: %v", err)
	lab.Endpoint("us-east-1").SetThrottleRate(0)
	lab.Endpoint("us-west-2").Down()
	_, err = api("us-west-2").DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	assert.Error(t, err, "region down")
	_, err = c.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{})
	assert.NoError(t, err, "other regions still serve")
}

// RDS and DocumentDB speak the same API (Version 2014-10-31); a lab with
// both answers each client from its own store.
func TestRDS_BesideDocDB(t *testing.T) {
	ctx := context.Background()
	lab := multiregiontest.Start(t, rdsRegions, multiregiontest.WithDocDB(), multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) { o.GlobalClusterID = "orders" }))
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	defer mr.Close()
	r, err := rds.NewFromConfig(mr.Config("eu-west-1")).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	d, err := awsdocdb.NewFromConfig(mr.Config("eu-west-1")).DescribeGlobalClusters(ctx, &awsdocdb.DescribeGlobalClustersInput{})
	require.NoError(t, err)
	assert.Equal(t, "orders", aws.ToString(r.GlobalClusters[0].GlobalClusterIdentifier))
	assert.Equal(t, "aurora-postgresql", aws.ToString(r.GlobalClusters[0].Engine))
	assert.Equal(t, "docdb-global", aws.ToString(d.GlobalClusters[0].GlobalClusterIdentifier))
	assert.Equal(t, 1, lab.RDS().Calls("DescribeGlobalClusters"))
}

func TestRDS_BadOptions(t *testing.T) {
	for name, fn := range map[string]func(*multiregiontest.RDSOptions){
		"unknown kind":         func(o *multiregiontest.RDSOptions) { o.Kind = multiregion.DynamoDBMREC },
		"RDS engine on Aurora": func(o *multiregiontest.RDSOptions) { o.Engine = "postgres" },
		"Aurora engine on RDS": func(o *multiregiontest.RDSOptions) { o.Kind, o.Engine = multiregion.RDSReadReplica, "aurora-mysql" },
		"writer not a member":  func(o *multiregiontest.RDSOptions) { o.Writer = "ap-south-1" },
		"bad region name":      func(o *multiregiontest.RDSOptions) { o.Regions = []string{"nowhere"} },
		"region listed twice":  func(o *multiregiontest.RDSOptions) { o.Regions = []string{"us-east-1", "us-east-1"} },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := multiregiontest.New(rdsRegions, multiregiontest.WithRDS(fn))
			assert.ErrorIs(t, err, multiregiontest.ErrInvalidOptions)
		})
	}
}

package aurora_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/singlewriter"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// controlOptions: the Cluster of the mock's Aurora global database (or RDS
// source), no background rounds (the mock serves no data plane).
func controlOptions(lab *multiregiontest.Lab) func(*aurora.Options) {
	return func(o *aurora.Options) {
		o.DSN = "postgres://app:" + password + "@placeholder/app?sslmode=disable&connect_timeout=1"
		o.LagInterval, o.RefreshInterval = -1, -1
		if lab.RDS().Kind() == multiregion.RDSReadReplica {
			o.Kind, o.SourceDBInstanceID = aurora.RDSReplicas, lab.RDS().InstanceID("us-east-1")
		} else {
			o.GlobalClusterID = lab.RDS().GlobalClusterID()
		}
	}
}

// TestControlPlaneAurora: the topology comes from DescribeGlobalClusters
// and DescribeDBClusters over the real rds client; Switchover and Failover
// call the APIs, with the flags, and wait for the new writer; Promote is
// not an Aurora failover API.
func TestControlPlaneAurora(t *testing.T) {
	lab, mr := newClient(t, false, multiregiontest.WithRDS())
	ctx := testCtx(t)
	c, err := aurora.New(ctx, mr, controlOptions(lab))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.Equal(t, use1, c.WriterRegion())
	assert.Equal(t, labRegions, c.Regions())
	assert.Equal(t, aurora.PostgreSQL, c.Engine(), "aurora-postgresql from the control plane")
	assert.Equal(t, 1, lab.RDS().Calls("DescribeGlobalClusters"))
	assert.Equal(t, 3, lab.RDS().Calls("DescribeDBClusters"))

	require.NoError(t, c.Switchover(ctx, usw2, func(o *aurora.MoveOptions) { o.Wait, o.PollInterval = true, 10*time.Millisecond }))
	assert.Equal(t, usw2, c.WriterRegion())
	assert.Equal(t, "us-west-2", lab.RDS().Writer())
	require.NoError(t, c.Failover(ctx, euw1, true))
	require.NoError(t, c.Refresh(ctx))
	assert.Equal(t, euw1, c.WriterRegion())
	ops := lab.RDS().Operations()
	require.Len(t, ops, 2)
	assert.Equal(t, multiregiontest.RDSOperation{Action: "SwitchoverGlobalCluster", From: "us-east-1", To: "us-west-2"}, ops[0])
	assert.Equal(t, multiregiontest.RDSOperation{Action: "FailoverGlobalCluster", From: "us-west-2", To: "eu-west-1", AllowDataLoss: true}, ops[1])

	var ce *multiregion.CapabilityError
	require.ErrorAs(t, c.Promote(ctx, use1), &ce, "PromoteReadReplica is not in Aurora's capability row")
	assert.ErrorIs(t, c.Switchover(ctx, euw1), aurora.ErrInvalidInput, "the writer already")
	assert.ErrorIs(t, c.Switchover(ctx, "ap-south-1"), aurora.ErrInvalidInput)
	assert.Len(t, lab.RDS().Operations(), 2, "refused before any request")

	// The writer moved outside the API: a refresh follows it.
	require.NoError(t, lab.RDS().SetWriter("us-east-1"))
	require.NoError(t, c.Refresh(ctx))
	assert.Equal(t, use1, c.WriterRegion())
	_, err = c.In(usw2).ExecContext(ctx, "insert into t values (1)")
	var wre *multiregion.WriteRegionError
	require.ErrorAs(t, err, &wre)
}

// TestControlPlaneRDS: DescribeDBInstances gives the source and its
// replicas; Promote calls PromoteReadReplica, the promoted instance becomes
// the writer and source; Switchover is not an RDS failover API.
func TestControlPlaneRDS(t *testing.T) {
	lab, mr := newClient(t, false, multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) { o.Kind = multiregion.RDSReadReplica }))
	ctx := testCtx(t)
	c, err := aurora.New(ctx, mr, controlOptions(lab))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	assert.Equal(t, use1, c.WriterRegion())
	assert.Equal(t, labRegions, c.Regions())

	var ce *multiregion.CapabilityError
	require.ErrorAs(t, c.Switchover(ctx, usw2), &ce)
	require.ErrorAs(t, c.Failover(ctx, usw2, true), &ce)
	require.NoError(t, c.Promote(ctx, euw1, func(o *aurora.MoveOptions) { o.Wait, o.PollInterval = true, 10*time.Millisecond }))
	assert.Equal(t, euw1, c.WriterRegion())
	assert.Equal(t, []multiregion.Region{euw1}, c.Regions(), "replication broken: the old source's replicas leave the topology")
	assert.Equal(t, []multiregiontest.RDSOperation{{Action: "PromoteReadReplica", From: "us-east-1", To: "eu-west-1"}}, lab.RDS().Operations())
}

// TestControlPlaneLimits: more members than the kind allows is a
// *multiregion.CapabilityError (ErrTooManyRegions): Aurora 1 + 10, RDS 15
// replicas per source, 5 for Oracle and SQL Server, 3 for Db2; an engine
// without a driver here is an *multiregion.OptionError.
func TestControlPlaneLimits(t *testing.T) {
	extra := func(n int) []string {
		out := []string{"us-east-1", "us-west-2", "eu-west-1"}
		for i := range n {
			out = append(out, fmt.Sprintf("xx-test-%d", i+1))
		}
		return out
	}
	cases := []struct {
		name    string
		opts    func(*multiregiontest.RDSOptions)
		tooMany bool
	}{
		{"aurora 12 clusters", func(o *multiregiontest.RDSOptions) { o.Regions = extra(9) }, true},
		{"rds 16 replicas", func(o *multiregiontest.RDSOptions) {
			o.Kind, o.Regions = multiregion.RDSReadReplica, extra(14)
		}, true},
		{"oracle 6 replicas", func(o *multiregiontest.RDSOptions) {
			o.Kind, o.Engine, o.Regions = multiregion.RDSReadReplica, "oracle-ee", extra(4)
		}, true},
		{"sqlserver 6 replicas", func(o *multiregiontest.RDSOptions) {
			o.Kind, o.Engine, o.Regions = multiregion.RDSReadReplica, "sqlserver-ee", extra(4)
		}, true},
		{"db2 4 replicas", func(o *multiregiontest.RDSOptions) {
			o.Kind, o.Engine, o.Regions = multiregion.RDSReadReplica, "db2-se", extra(2)
		}, true},
		{"oracle 2 replicas: no driver", func(o *multiregiontest.RDSOptions) {
			o.Kind, o.Engine = multiregion.RDSReadReplica, "oracle-ee"
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lab, mr := newClient(t, false, multiregiontest.WithRDS(tc.opts))
			c, err := aurora.New(testCtx(t), mr, controlOptions(lab))
			if c != nil {
				_ = c.Close()
			}
			require.Error(t, err)
			testutil.Record(err.Error())
			if tc.tooMany {
				assert.ErrorIs(t, err, multiregion.ErrTooManyRegions)
			} else {
				var oe *multiregion.OptionError
				assert.ErrorAs(t, err, &oe)
			}
		})
	}
}

// TestControlPlaneFailure: a failed first load fails New with the kit's
// *singlewriter.SourceError; a failed refresh keeps the last topology.
func TestControlPlaneFailure(t *testing.T) {
	lab, mr := newClient(t, false, multiregiontest.WithRDS())
	lab.RDS().FailNext("DescribeGlobalClusters", 3) // one per region asked
	_, err := aurora.New(testCtx(t), mr, controlOptions(lab))
	var se *singlewriter.SourceError
	require.ErrorAs(t, err, &se)
	testutil.Record(err.Error())

	c, err := aurora.New(testCtx(t), mr, controlOptions(lab))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	lab.RDS().FailNext("DescribeGlobalClusters", 3)
	require.Error(t, c.Refresh(context.Background()))
	assert.Equal(t, use1, c.WriterRegion())
	assert.Error(t, c.Status().Topology.LastError)
}

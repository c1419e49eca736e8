package multiregiontest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdocdb "github.com/aws/aws-sdk-go-v2/service/docdb"
	"github.com/aws/aws-sdk-go-v2/service/docdb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestDocDBControlPlane drives the lab's DocumentDB control plane with the
// real AWS SDK client, through the Client's per-region configs.
func TestDocDBControlPlane(t *testing.T) {
	regions := []multiregion.Region{"us-east-1", "eu-west-1"}
	lab := multiregiontest.Start(t, regions, multiregiontest.WithDocDB(func(o *multiregiontest.DocDBOptions) {
		o.GlobalClusterID, o.EngineVersion = "g1", "8.0.2"
		o.Endpoint = func(r string) (string, int) { return "db." + r + ".example", 27018 }
	}))
	ctx := context.Background()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	api := awsdocdb.NewFromConfig(mr.Config("eu-west-1"))
	out, err := api.DescribeGlobalClusters(ctx, &awsdocdb.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("g1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.GlobalClusters) != 1 || len(out.GlobalClusters[0].GlobalClusterMembers) != 2 {
		t.Fatalf("global clusters: %+v", out.GlobalClusters)
	}
	g := out.GlobalClusters[0]
	if aws.ToString(g.EngineVersion) != "8.0.2" || !aws.ToBool(g.GlobalClusterMembers[0].IsWriter) || aws.ToBool(g.GlobalClusterMembers[1].IsWriter) {
		t.Fatalf("global cluster: %+v", g)
	}
	arn := aws.ToString(g.GlobalClusterMembers[1].DBClusterArn)
	if arn != lab.DocDB().ClusterARN("eu-west-1") {
		t.Fatalf("member ARN %s", arn)
	}
	dc, err := api.DescribeDBClusters(ctx, &awsdocdb.DescribeDBClustersInput{DBClusterIdentifier: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	c := dc.DBClusters[0]
	if aws.ToString(c.Endpoint) != "db.eu-west-1.example" || aws.ToString(c.ReaderEndpoint) != "db-ro.eu-west-1.example" || aws.ToInt32(c.Port) != 27018 {
		t.Fatalf("cluster: endpoint %s reader %s port %d", aws.ToString(c.Endpoint), aws.ToString(c.ReaderEndpoint), aws.ToInt32(c.Port))
	}
	// A region answers for its own cluster only.
	_, err = awsdocdb.NewFromConfig(mr.Config("us-east-1")).DescribeDBClusters(ctx, &awsdocdb.DescribeDBClustersInput{DBClusterIdentifier: aws.String(arn)})
	var nf *types.DBClusterNotFoundFault
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeDBClusters of another region's cluster: %v", err)
	}
	_, err = api.DescribeGlobalClusters(ctx, &awsdocdb.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String("nope")})
	var gnf *types.GlobalClusterNotFoundFault
	if !errors.As(err, &gnf) {
		t.Fatalf("unknown global cluster: %v", err)
	}

	// FailoverGlobalCluster needs AllowDataLoss or Switchover.
	_, err = api.FailoverGlobalCluster(ctx, &awsdocdb.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("g1"), TargetDbClusterIdentifier: aws.String(arn)})
	if err == nil {
		t.Fatal("failover without AllowDataLoss or Switchover accepted")
	}
	if _, err := api.SwitchoverGlobalCluster(ctx, &awsdocdb.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("g1"), TargetDbClusterIdentifier: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if w := lab.DocDB().Writer(); w != "eu-west-1" {
		t.Fatalf("writer after switchover: %s", w)
	}
	if n := lab.DocDB().Calls("SwitchoverGlobalCluster"); n != 1 {
		t.Fatalf("switchover calls: %d", n)
	}
	// Injected failures are 500s the SDK retries; more than its attempts fail the call.
	lab.DocDB().FailNext("DescribeGlobalClusters", 10)
	if _, err := api.DescribeGlobalClusters(ctx, &awsdocdb.DescribeGlobalClustersInput{}); err == nil {
		t.Fatal("injected failures did not fail the call")
	}
}

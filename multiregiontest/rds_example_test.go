package multiregiontest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// An Aurora global database whose members report the test's own data-plane
// endpoints, and a switchover through the real rds client.
func ExampleWithRDS() {
	ctx := context.Background()
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"}, multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.GlobalClusterID = "orders"
		o.Endpoint = func(region string) (string, int) {
			return "127.0.0.1", map[string]int{"us-east-1": 15432, "eu-west-1": 15433}[region]
		}
		o.OnSwitchover = func(_ context.Context, from, to string) error {
			fmt.Println("promote the servers:", from, "->", to) // e.g. pg_promote() on to's standby
			return nil
		}
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mr.Close()

	api := rds.NewFromConfig(mr.Config("eu-west-1"))
	dc, err := api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("orders-eu-west-1")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("eu-west-1:", aws.ToString(dc.DBClusters[0].Endpoint), aws.ToInt32(dc.DBClusters[0].Port))
	if _, err := api.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String("orders"), TargetDbClusterIdentifier: aws.String(lab.RDS().ClusterARN("eu-west-1"))}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("writer:", lab.RDS().Writer())
	// Output:
	// eu-west-1: 127.0.0.1 15433
	// promote the servers: us-east-1 -> eu-west-1
	// writer: eu-west-1
}

// Command docdb shows how the docdb adapter follows a DocumentDB global
// cluster's primary: it reads the topology from the control plane, refuses
// a write aimed at a secondary region before any network traffic, and
// follows a switchover.
//
// It runs in-process without AWS: multiregiontest serves the DocumentDB
// control plane (DescribeGlobalClusters, DescribeDBClusters,
// SwitchoverGlobalCluster) in three regions on 127.0.0.1, the real AWS SDK
// talking to it. No MongoDB-wire server runs in-process (see the docdb
// package's integration tests, which use FerretDB in scripts/lab), so the
// example makes no data-plane call that would need one.
//
//	go run ./examples/docdb
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/multiregiontest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "docdb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	regions := []multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"}
	lab, err := multiregiontest.New(regions, multiregiontest.WithDocDB(func(o *multiregiontest.DocDBOptions) {
		o.GlobalClusterID, o.EngineVersion = "orders-global", "8.0.2"
	}))
	if err != nil {
		return err
	}
	defer lab.Close()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()

	cluster, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = "orders-global"
		o.Username, o.Password = "app", "never-printed"
	})
	if err != nil {
		return err
	}
	defer cluster.Close()
	fmt.Fprintf(out, "global cluster %s: primary %s, regions %v, retryable writes %v\n",
		cluster.Status().Name, cluster.Writer(), cluster.Regions(), cluster.RetryWrites())

	// A write aimed at a secondary region never leaves the process.
	_, err = cluster.In("eu-west-1").Collection("shop", "orders").
		InsertOne(ctx, bson.D{{Key: "_id", Value: "o-1"}, {Key: "total", Value: 42}})
	var we *multiregion.WriteRegionError
	if errors.As(err, &we) {
		fmt.Fprintf(out, "write in %s refused before the network: primary is %s\n", we.Region, we.Writer)
	}

	// A planned switchover: SwitchoverGlobalCluster, then the adapter
	// reloads the topology; writes now go to us-west-2.
	if err := cluster.Switchover(ctx, "us-west-2"); err != nil {
		return err
	}
	fmt.Fprintf(out, "after the switchover: primary %s\n", cluster.Writer())
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/multiregiontest"
)

// docdbGlobalCluster is the DocumentDB global cluster the lab's control
// plane serves for the last part.
const docdbGlobalCluster = "orders-global"

// docdbOption serves the DocumentDB control plane (DescribeGlobalClusters,
// DescribeDBClusters, SwitchoverGlobalCluster) in the quickstart's lab,
// with the global cluster's primary in primary.
func docdbOption(primary string) multiregiontest.Option {
	return multiregiontest.WithDocDB(func(o *multiregiontest.DocDBOptions) {
		o.GlobalClusterID, o.EngineVersion, o.Writer = docdbGlobalCluster, "8.0.2", primary
	})
}

// docdbDemo shows the docdb adapter following a global cluster's primary:
// the topology from the control plane, a write aimed at a secondary
// refused before any network traffic, and a switchover followed. No
// MongoDB-wire server runs in-process (the docdb package's integration
// tests use the lab's FerretDB), so it makes no data-plane call.
func docdbDemo(ctx context.Context, out io.Writer, mr *multiregion.Client) error {
	fmt.Fprintln(out, "--- DocumentDB global cluster through the docdb adapter (control plane only) ---")
	cluster, err := docdb.New(ctx, mr, func(o *docdb.Options) { o.GlobalClusterID = docdbGlobalCluster })
	if err != nil {
		return err
	}
	defer cluster.Close()
	fmt.Fprintf(out, "global cluster %s: primary %s, regions %v, retryable writes %v (engine 8.0.2)\n",
		docdbGlobalCluster, cluster.Writer(), cluster.Regions(), cluster.RetryWrites())
	primary := cluster.Writer()
	var secondaries []multiregion.Region
	for _, r := range cluster.Regions() {
		if r != primary {
			secondaries = append(secondaries, r)
		}
	}
	_, err = cluster.In(secondaries[0]).Collection("shop", "orders").InsertOne(ctx, bson.D{{Key: "_id", Value: "o-1"}})
	var we *multiregion.WriteRegionError
	if !errors.As(err, &we) {
		return fmt.Errorf("a write in a secondary region was not refused locally: %v", err)
	}
	fmt.Fprintf(out, "docdb write in %s refused before the network: primary is %s\n", we.Region, we.Writer)
	if err := cluster.Switchover(ctx, secondaries[1]); err != nil {
		return err
	}
	fmt.Fprintf(out, "after SwitchoverGlobalCluster: docdb primary %s\n", cluster.Writer())
	return nil
}

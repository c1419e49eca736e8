package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/multiregiontest"
)

// auroraGlobalCluster is the Aurora global database the lab's control
// plane serves.
const auroraGlobalCluster = "payments-global"

// auroraOption serves the RDS control plane (DescribeGlobalClusters,
// DescribeDBClusters, SwitchoverGlobalCluster) in the quickstart's lab,
// with the global database's primary cluster in primary.
func auroraOption(primary string) multiregiontest.Option {
	return multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.GlobalClusterID, o.Writer = auroraGlobalCluster, primary
	})
}

// auroraDemo shows the aurora adapter following an Aurora global
// database's writer: the topology from the control plane, a write aimed at
// a secondary refused before any network traffic, and a switchover the
// Cluster follows. No PostgreSQL runs in-process (the aurora package's
// integration tests use the lab's), so it makes no data-plane call.
func auroraDemo(ctx context.Context, out io.Writer, mr *multiregion.Client) error {
	fmt.Fprintln(out, "--- Aurora global database through the aurora adapter (control plane only) ---")
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.GlobalClusterID = auroraGlobalCluster
		o.DSN = "postgres://app:never-printed@placeholder/payments"
		o.LagInterval = -1 // no server to measure here
	})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(out, "global database %s: writer %s, regions %v, engine %s\n", auroraGlobalCluster, c.WriterRegion(), c.Regions(), c.Engine())
	_, err = c.In("eu-west-1").ExecContext(ctx, "insert into payments (id) values ($1)", "p-1")
	var we *multiregion.WriteRegionError
	if !errors.As(err, &we) {
		return fmt.Errorf("a write in a secondary region was not refused locally: %v", err)
	}
	fmt.Fprintf(out, "aurora write in %s refused before the network: writer is %s\n", we.Region, we.Writer)
	if err := c.Switchover(ctx, "us-west-2", func(o *aurora.MoveOptions) { o.Wait = true }); err != nil {
		return err
	}
	fmt.Fprintf(out, "after SwitchoverGlobalCluster: aurora writer %s\n", c.WriterRegion())
	return nil
}

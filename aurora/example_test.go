package aurora_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/multiregiontest"
)

// exampleClient is a Client on multiregiontest's RDS control plane.
func exampleClient(opts ...func(*multiregiontest.RDSOptions)) (*multiregiontest.Lab, *multiregion.Client, error) {
	lab, err := multiregiontest.New([]multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"}, multiregiontest.WithRDS(opts...))
	if err != nil {
		return nil, nil, err
	}
	mr, err := multiregion.New(context.Background(), lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		lab.Close()
		return nil, nil, err
	}
	return lab, mr, nil
}

// An Aurora global database from the control plane: a write aimed at a
// secondary is refused before the network; a switchover is followed.
func Example() {
	ctx := context.Background()
	lab, mr, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	defer mr.Close()
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.GlobalClusterID = lab.RDS().GlobalClusterID()
		o.DSN = "postgres://app:secret@placeholder/app" // host and port come from the control plane
		o.LagInterval = -1                              // the mock serves no database
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("writer:", c.WriterRegion(), "engine:", c.Engine())

	_, err = c.In("eu-west-1").ExecContext(ctx, "insert into t values (1)")
	var we *multiregion.WriteRegionError
	fmt.Println("refused locally:", errors.As(err, &we), we.Writer)

	if err := c.Switchover(ctx, "us-west-2", func(o *aurora.MoveOptions) { o.Wait = true }); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("writer after the switchover:", c.WriterRegion())
	// Output:
	// writer: us-east-1 engine: postgresql
	// refused locally: true us-east-1
	// writer after the switchover: us-west-2
}

// RDS cross-Region read replicas: Promote breaks replication, and the
// promoted instance becomes the writer.
func ExampleCluster_Promote() {
	ctx := context.Background()
	lab, mr, err := exampleClient(func(o *multiregiontest.RDSOptions) { o.Kind, o.Engine = multiregion.RDSReadReplica, "mysql" })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	defer mr.Close()
	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.Kind, o.SourceDBInstanceID = aurora.RDSReplicas, lab.RDS().InstanceID("us-east-1")
		o.DSN = "app:secret@tcp(placeholder:3306)/app"
		o.LagInterval = -1
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("source:", c.WriterRegion(), "regions:", c.Regions(), "engine:", c.Engine())
	if err := c.Promote(ctx, "eu-west-1", func(o *aurora.MoveOptions) { o.Wait = true }); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after the promotion:", c.WriterRegion(), c.Regions())
	// Output:
	// source: us-east-1 regions: [us-east-1 us-west-2 eu-west-1] engine: mysql
	// after the promotion: eu-west-1 [eu-west-1]
}

// A static topology: the writer region and a DSN per region.
func ExampleNew_static() {
	lab, mr, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	defer mr.Close()
	c, err := aurora.New(context.Background(), mr, func(o *aurora.Options) {
		o.Engine = aurora.PostgreSQL
		o.Members = []aurora.Member{
			{Region: "us-east-1", Writer: true, DSN: "postgres://app:secret@10.0.0.1:5432/app"},
			{Region: "eu-west-1", DSN: "postgres://app:secret@10.1.0.1:5432/app"},
		}
		o.LagInterval = -1 // no servers here; with them, set MaxLag too
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.WriterRegion(), c.Regions())
	// Output:
	// us-east-1 [us-east-1 eu-west-1]
}

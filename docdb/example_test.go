package docdb_test

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/multiregiontest"
)

// exampleClient is a Client on an in-process DocumentDB control plane.
func exampleClient() (*multiregion.Client, func()) {
	lab, err := multiregiontest.New([]multiregion.Region{"us-east-1", "eu-west-1"},
		multiregiontest.WithDocDB(func(o *multiregiontest.DocDBOptions) { o.GlobalClusterID = "orders-global" }))
	if err != nil {
		panic(err)
	}
	mr, err := multiregion.New(context.Background(), lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		panic(err)
	}
	return mr, func() { _ = mr.Close(); lab.Close() }
}

// New loads the topology from the DocumentDB control plane.
func ExampleNew() {
	mr, done := exampleClient()
	defer done()
	ctx := context.Background()
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID = "orders-global"
		o.Username, o.Password = "app", "secret" // never in errors or logs
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("primary:", c.Writer())
	fmt.Println("regions:", c.Regions())
	fmt.Println("retryable writes:", c.RetryWrites()) // engine 5.0.0: before 8.0.2
	// Output:
	// primary: us-east-1
	// regions: [us-east-1 eu-west-1]
	// retryable writes: false
}

// In scopes a handle to one region: writes there are refused before any
// network traffic unless it is the primary region.
func ExampleCluster_In() {
	mr, done := exampleClient()
	defer done()
	ctx := context.Background()
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) { o.GlobalClusterID = "orders-global" })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_, err = c.In("eu-west-1").Collection("shop", "orders").InsertOne(ctx, bson.D{{Key: "_id", Value: "o-1"}})
	var we *multiregion.WriteRegionError
	fmt.Println(errors.As(err, &we), we.Writer)
	// Output: true us-east-1
}

// Switchover moves the primary and reloads the topology.
func ExampleCluster_Switchover() {
	mr, done := exampleClient()
	defer done()
	ctx := context.Background()
	c, err := docdb.New(ctx, mr, func(o *docdb.Options) { o.GlobalClusterID = "orders-global" })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Switchover(ctx, "eu-west-1"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("primary:", c.Writer())
	// Output: primary: eu-west-1
}

// A static topology, for a global cluster whose primary does not move
// without a redeploy.
func ExampleOptions_static() {
	mr, done := exampleClient()
	defer done()
	c, err := docdb.New(context.Background(), mr, func(o *docdb.Options) {
		o.Name = "orders"
		o.EngineVersion = "8.0.2"
		o.Members = []docdb.Member{
			{Region: "us-east-1", Writer: true, Endpoint: "orders.cluster-abc.us-east-1.docdb.amazonaws.com:27017"},
			{Region: "eu-west-1", Endpoint: "orders-eu.cluster-def.eu-west-1.docdb.amazonaws.com:27017"},
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.Status().Name, c.Writer(), c.RetryWrites())
	// Output: docdb:orders us-east-1 true
}

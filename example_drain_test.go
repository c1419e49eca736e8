package multiregion_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// An operator drains a region before maintenance: no store sends it a new
// call, reads included, whatever its health, until Undrain. Unlike an
// ejected region, a drained one stays Healthy in Status (it is still
// probed) and is marked Drained, with who drained it.
func ExampleClient_Drain() {
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"},
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	ctx := context.Background()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	if err := mr.Refresh(ctx); err != nil {
		log.Fatal(err)
	}

	if err := mr.Drain("us-east-1"); err != nil {
		log.Fatal(err)
	}
	nearest, _ := mr.Nearest(ctx)
	st, _ := mr.Status().Region("us-east-1")
	fmt.Println("nearest:", nearest)
	fmt.Println("us-east-1 healthy:", st.Healthy, "drained:", st.Drained, "by", mr.Drained()[0].By)
	fmt.Println("unknown region:", mr.Drain("ap-south-1"))

	_ = mr.Undrain("us-east-1")
	nearest, _ = mr.Nearest(ctx)
	fmt.Println("after Undrain:", nearest)
	// Output:
	// nearest: eu-west-1
	// us-east-1 healthy: true drained: true by [operator]
	// unknown region: multiregion: region ap-south-1 is not configured on this client
	// after Undrain: us-east-1
}

// With Route 53 ARC routing controls, turning a region's control Off (in
// the console, the CLI or UpdateRoutingControlState) drains it within
// RoutingControlInterval; here the lab's cluster stands in for ARC and
// RefreshRoutingControls runs the poll at once.
func ExampleClient_RefreshRoutingControls() {
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"},
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond),
		multiregiontest.WithRoutingControls())
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	arc := lab.RoutingControls()
	ctx := context.Background()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) {
		// Against AWS: the ARNs of your routing controls, and the cluster
		// endpoints DescribeClusters lists.
		o.RoutingControls = map[multiregion.Region]string{
			"us-east-1": arc.ARN("us-east-1"),
			"eu-west-1": arc.ARN("eu-west-1"),
		}
		o.RoutingControlEndpoints = arc.Endpoints()
		o.DisableBackgroundProbes = true // the example polls by hand
	})
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	if err := mr.Refresh(ctx); err != nil {
		log.Fatal(err)
	}

	_ = arc.SetState("us-east-1", "Off")
	if err := mr.RefreshRoutingControls(ctx); err != nil {
		log.Fatal(err)
	}
	nearest, _ := mr.Nearest(ctx)
	fmt.Println("nearest:", nearest, "drained:", mr.Drained())

	arc.Endpoint(0).Down() // one cluster endpoint out: the next one answers
	_ = arc.SetState("us-east-1", "On")
	if err := mr.RefreshRoutingControls(ctx); err != nil {
		log.Fatal(err)
	}
	nearest, _ = mr.Nearest(ctx)
	fmt.Println("nearest:", nearest, "read from:", mr.Status().RoutingControls.Endpoint.Region)
	// Output:
	// nearest: eu-west-1 drained: [{us-east-1 [arc]}]
	// nearest: us-east-1 read from: us-west-2
}

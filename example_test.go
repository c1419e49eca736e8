package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// New measures every region and ranks them. Here the regions are local
// endpoints with simulated latencies; against AWS, leave out the Endpoints
// (rs.Options) and the default prober measures the real DynamoDB endpoints.
func ExampleNew() {
	rs, err := multiregiontest.New([]string{"ap-southeast-2", "eu-west-1", "us-east-1"},
		multiregiontest.WithLatency("ap-southeast-2", 250*time.Millisecond), // far apart: one probe each must tell them apart on a busy machine
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond),
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer rs.Close()

	ctx := context.Background()
	mr, err := multiregion.New(ctx, aws.Config{}, rs.Options(multiregion.ServiceDynamoDB),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()

	if err := mr.Refresh(ctx); err != nil { // one probe round, now
		log.Fatal(err)
	}
	nearest, err := mr.Nearest(ctx)
	if err != nil {
		log.Fatal(err)
	}
	all, _ := mr.Set()
	fmt.Println("nearest:", nearest)
	fmt.Println("ranked:", mr.Rank(all, nil))
	// Output:
	// nearest: us-east-1
	// ranked: [us-east-1 eu-west-1 ap-southeast-2]
}

// Adapters register a Store per datastore instance and report the outcome
// of every call to it with Observe: latencies feed the store's ranking once
// it has fresh samples of every region, failures eject a region for that
// store only after FailureThreshold in a row, and a successful call brings
// it back.
func ExampleStore_Observe() {
	mr, err := multiregion.New(context.Background(), aws.Config{},
		multiregion.WithRegions("us-east-1", "eu-west-1"),
		func(o *multiregion.Options) {
			o.DisableBackgroundProbes = true
			o.Prober = multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
				return 0, errors.New("no probes in this example")
			})
		})
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	orders, err := mr.NewStore("dynamo:orders", nil) // all of the Client's regions
	if err != nil {
		log.Fatal(err)
	}
	profiles, err := mr.NewStore("dynamo:profiles", nil)
	if err != nil {
		log.Fatal(err)
	}
	all, _ := mr.Set()

	orders.Observe("eu-west-1", 20*time.Millisecond, nil)
	orders.Observe("us-east-1", 90*time.Millisecond, nil)
	nearest, _ := orders.Pick(all)
	fmt.Println("nearest:", nearest)

	callErr := errors.New("connection reset by peer")
	for range 3 {
		orders.Observe("eu-west-1", 0, callErr)
	}
	nearest, _ = orders.Pick(all)
	fmt.Println("eu-west-1 healthy:", orders.Healthy("eu-west-1"))
	fmt.Println("nearest:", nearest)
	fmt.Println("eu-west-1 healthy for profiles:", profiles.Healthy("eu-west-1"))

	orders.Observe("us-east-1", 0, context.Canceled) // the caller gave up: not the region's fault
	fmt.Println("us-east-1 healthy:", orders.Healthy("us-east-1"))

	orders.Observe("eu-west-1", 20*time.Millisecond, nil) // a call that fell through to it succeeded
	nearest, _ = orders.Pick(all)
	fmt.Println("eu-west-1 healthy:", orders.Healthy("eu-west-1"))
	fmt.Println("nearest:", nearest)
	// Output:
	// nearest: eu-west-1
	// eu-west-1 healthy: false
	// nearest: us-east-1
	// eu-west-1 healthy for profiles: true
	// us-east-1 healthy: true
	// eu-west-1 healthy: true
	// nearest: eu-west-1
}

// Validate checks a deployment against the capability table before anything
// is created: an ElastiCache Global Datastore has one primary and at most
// two secondary regions.
func ExampleValidate() {
	err := multiregion.Validate(multiregion.ElastiCacheGlobal,
		[]multiregion.Region{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}, "us-east-1")
	fmt.Println(errors.Is(err, multiregion.ErrTooManyRegions))
	fmt.Println(err)
	// Output:
	// true
	// multiregion: too many regions for this store: ElastiCache Global Datastore: at most 3 regions (1 writer + 2), got 4
}

// Capability tells what a store can do across regions.
func ExampleCapability() {
	c, _ := multiregion.Capability(multiregion.AuroraGlobal)
	fmt.Println(c.Name)
	fmt.Println("writes in every region:", c.MultiRegionWrites)
	fmt.Println("write forwarding:", c.WriteForwarding, c.WriteForwardingConsistency)
	fmt.Println("failover:", c.FailoverAPIs)
	fmt.Println("max regions:", c.MaxRegions)

	m, _ := multiregion.Capability(multiregion.DynamoDBMRSC)
	fmt.Println(m.Name, "needs exactly", m.ExactRegions, "regions from one of", m.RegionSets)
	// Output:
	// Aurora global database
	// writes in every region: false
	// write forwarding: true [EVENTUAL SESSION GLOBAL]
	// failover: [SwitchoverGlobalCluster FailoverGlobalCluster]
	// max regions: 11
	// DynamoDB global table (MRSC) needs exactly 3 regions from one of [[us-east-1 us-east-2 us-west-2] [eu-west-1 eu-west-2 eu-west-3 eu-central-1] [ap-northeast-1 ap-northeast-2 ap-northeast-3]]
}

package multiregiontest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Profile is the item of the examples' profile service.
type Profile struct {
	User string `dynamodbav:"user"`
	City string `dynamodbav:"city"`
}

// startProfiles starts a two-region lab serving a "profiles" global table,
// a Client ranked by one probe round (us-east-1 is the nearer), and the
// dynamo Table a service would hold. The caller runs the returned stop.
func startProfiles(ctx context.Context) (*multiregiontest.Lab, *dynamo.Table[Profile], func()) {
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"},
		multiregiontest.WithDynamoDB(),
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	if err := lab.DynamoDB().CreateTable(ctx, "profiles", multiregiontest.StringKey("user")); err != nil {
		log.Fatal(err)
	}
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	if err := mr.Refresh(ctx); err != nil {
		log.Fatal(err)
	}
	profiles, err := dynamo.New[Profile](ctx, mr, "profiles",
		func(o *dynamo.Options) { o.StreamPollInterval = 5 * time.Millisecond })
	if err != nil {
		log.Fatal(err)
	}
	return lab, profiles, func() {
		_ = profiles.Close()
		_ = mr.Close()
		lab.Close()
	}
}

// A service keeps answering when its nearest region goes down: the read
// fails over to the next region.
func Example_regionOutage() {
	ctx := context.Background()
	lab, profiles, stop := startProfiles(ctx)
	defer stop()

	m, err := profiles.Put(ctx, Profile{User: "ada", City: "London"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("written in", m.Origin)
	_ = lab.DynamoDB().Quiesce(ctx) // replicated everywhere

	lab.Endpoint("us-east-1").Down() // the outage: connections refused
	it, err := profiles.Get(ctx, Profile{User: "ada"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(it.Value.City, "served by", it.Region)
	// Output:
	// written in us-east-1
	// London served by eu-west-1
}

// A test asserts that its service surfaced every write DynamoDB discarded:
// two regions edit one item before either edit replicates, last writer wins
// keeps one silently, and the lab's ground truth names the lost one.
func Example_lostWrite() {
	ctx := context.Background()
	lab, profiles, stop := startProfiles(ctx)
	defer stop()
	ddb := lab.DynamoDB()

	ddb.PauseReplication("us-east-1") // hold replication: the edits overlap
	ddb.PauseReplication("eu-west-1")
	_, _ = profiles.Put(ctx, Profile{User: "ada", City: "Paris"}, dynamo.InRegion("us-east-1"))
	_, _ = profiles.Put(ctx, Profile{User: "ada", City: "Oregon"}, dynamo.InRegion("eu-west-1"))
	ddb.ResumeReplication("us-east-1")
	ddb.ResumeReplication("eu-west-1")
	if err := ddb.Quiesce(ctx); err != nil {
		log.Fatal(err)
	}

	lost := ddb.LostWrites("profiles") // what AWS would never tell
	fmt.Println("writes lost:", len(lost))
	for _, w := range lost {
		select {
		case c := <-profiles.Conflicts(): // what the service surfaced
			gone, _ := dynamo.DecodeVersion[Profile](c.Lost)
			kept, _ := dynamo.DecodeVersion[Profile](c.Winner)
			match := string(c.Lost.Origin) == w.Region && multiregiontest.KeyString(c.Key) == w.Key
			fmt.Printf("surfaced: %s's edit %q lost to %q; matches the lab: %v\n", c.Lost.Origin, gone.City, kept.City, match)
		case <-time.After(10 * time.Second):
			fmt.Println("NOT surfaced: a write lost in", w.Region)
		}
	}
	// Output:
	// writes lost: 1
	// surfaced: us-east-1's edit "Paris" lost to "Oregon"; matches the lab: true
}

package profiles_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"example.com/profiles"
	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestMain fails the tests if the lab, the Client or the service leaves a
// goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the service against a lab of two regions, us-east-1 the
// nearer, serving its global table.
func start(t *testing.T) (*multiregiontest.Lab, *profiles.Service) {
	t.Helper()
	ctx := context.Background()
	lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"},
		multiregiontest.WithDynamoDB(),
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond))
	if err := lab.DynamoDB().CreateTable(ctx, profiles.Table, multiregiontest.StringKey("user")); err != nil {
		t.Fatal(err)
	}
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.ProbeInterval = 100 * time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	if err := mr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := profiles.New(ctx, mr, func(o *dynamo.Options) { o.StreamPollInterval = 5 * time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return lab, svc
}

func TestNearestRegionServes(t *testing.T) {
	_, svc := start(t)
	ctx := context.Background()
	in, err := svc.Save(ctx, profiles.Profile{User: "ada", Name: "Ada", City: "London"})
	if err != nil || in != "us-east-1" {
		t.Fatalf("Save: region %q, err %v; want us-east-1, the nearest", in, err)
	}
	p, from, err := svc.Lookup(ctx, "ada")
	if err != nil || from != "us-east-1" || p.City != "London" {
		t.Fatalf("Lookup: %+v from %q, err %v", p, from, err)
	}
	if _, _, err := svc.Lookup(ctx, "nobody"); err != profiles.ErrNotFound {
		t.Fatalf("Lookup of an unknown user: %v, want ErrNotFound", err)
	}
}

func TestOutageOfTheNearestRegion(t *testing.T) {
	lab, svc := start(t)
	ctx := context.Background()
	if _, err := svc.Save(ctx, profiles.Profile{User: "ada", City: "London"}); err != nil {
		t.Fatal(err)
	}
	if err := lab.DynamoDB().Quiesce(ctx); err != nil { // replicated to eu-west-1
		t.Fatal(err)
	}
	lab.Endpoint("us-east-1").Down()
	p, from, err := svc.Lookup(ctx, "ada")
	if err != nil || from != "eu-west-1" || p.City != "London" {
		t.Fatalf("Lookup during the outage: %+v from %q, err %v; want London from eu-west-1", p, from, err)
	}
	in, err := svc.Save(ctx, profiles.Profile{User: "bob", City: "Dublin"})
	if err != nil || in != "eu-west-1" {
		t.Fatalf("Save during the outage: region %q, err %v; want eu-west-1", in, err)
	}
}

func TestLostWriteIsSurfaced(t *testing.T) {
	lab, svc := start(t)
	ctx := context.Background()
	ddb := lab.DynamoDB()
	ddb.PauseReplication("us-east-1") // the two edits overlap in time
	ddb.PauseReplication("eu-west-1")
	if _, err := svc.Save(ctx, profiles.Profile{User: "ada", City: "Paris"}, "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, profiles.Profile{User: "ada", City: "Oregon"}, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	ddb.ResumeReplication("us-east-1")
	ddb.ResumeReplication("eu-west-1")
	if err := ddb.Quiesce(ctx); err != nil {
		t.Fatal(err)
	}

	lost := ddb.LostWrites(profiles.Table) // the lab's ground truth
	if len(lost) != 1 {
		t.Fatalf("the lab lost %d writes, want 1: %+v", len(lost), lost)
	}
	select {
	case e := <-svc.LostEdits():
		if string(e.Region) != lost[0].Region || e.Lost.City != "Paris" || e.Kept.City != "Oregon" {
			t.Fatalf("surfaced %+v; the lab lost the write in %s", e, lost[0].Region)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the service did not surface the write lost in %s", lost[0].Region)
	}
}

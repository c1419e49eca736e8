package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Profile is the item of the demo's global table.
type Profile struct {
	User string `dynamodbav:"user"`
	Name string `dynamodbav:"name"`
	City string `dynamodbav:"city"`
}

// tableDemo runs the dynamo adapter on the lab's global table: writes and
// reads go to the nearest replica, a read fails over when that region is
// down, and two concurrent edits in two regions, which DynamoDB resolves by
// last writer wins without a trace, come back as a conflict.
func tableDemo(ctx context.Context, out io.Writer, lab *multiregiontest.Lab, mr *multiregion.Client) error {
	ddb := lab.DynamoDB()
	fmt.Fprintln(out, "--- DynamoDB global table (MREC) through the dynamo adapter ---")
	nearest, err := mr.Nearest(ctx)
	if err != nil {
		return err
	}
	// The emulator's tables are global: created once, present everywhere.
	if err := ddb.CreateTable(ctx, "profiles", multiregiontest.StringKey("user")); err != nil {
		return err
	}
	profiles, err := dynamo.New[Profile](ctx, mr, "profiles",
		func(o *dynamo.Options) { o.StreamPollInterval = 20 * time.Millisecond })
	if err != nil {
		return err
	}
	defer profiles.Close()
	fmt.Fprintf(out, "table %s: %s, replicas %v\n", profiles.Name(), profiles.Consistency(), profiles.Replicas())

	meta, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "London"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "put ada: version %.8s written in %s (the nearest replica)\n", meta.Version, meta.Origin)
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}

	// The nearest replica goes down: the read fails over to the next one.
	lab.Endpoint(string(nearest)).Down()
	it, err := profiles.Get(ctx, Profile{User: "ada"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "get ada while %s is down: %q served by %s\n", nearest, it.Value.City, it.Region)
	if rs, ok := profiles.Status().Region(nearest); ok { // the table's own view of the region
		fmt.Fprintf(out, "the table's store saw %d failure(s) in %s; last: %v\n", rs.ConsecutiveFailures, nearest, rs.LastError)
	}
	if err := lab.Endpoint(string(nearest)).Up(); err != nil {
		return err
	}
	if err := waitFor(ctx, func() bool { r, err := mr.Nearest(ctx); return err == nil && r == nearest }); err != nil {
		return err
	}

	// Two users edit ada's profile in two regions within the replication
	// window (held here so the demo does not depend on timing).
	others := []multiregion.Region{}
	for _, r := range profiles.Replicas() {
		if r != nearest {
			others = append(others, r)
		}
	}
	for _, r := range others[:2] {
		ddb.PauseReplication(string(r))
	}
	a, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "Paris"}, dynamo.InRegion(others[0]))
	if err != nil {
		return err
	}
	b, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "Oregon"}, dynamo.InRegion(others[1]))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "concurrent edits: %.8s in %s, %.8s in %s\n", a.Version, a.Origin, b.Version, b.Origin)
	for _, r := range others[:2] {
		ddb.ResumeReplication(string(r))
	}
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}
	select {
	case c := <-profiles.Conflicts():
		lost, _ := dynamo.DecodeVersion[Profile](c.Lost)
		won, _ := dynamo.DecodeVersion[Profile](c.Winner)
		fmt.Fprintf(out, "CONFLICT surfaced: last writer wins kept %q (%s) and silently discarded %q (%s)\n",
			won.City, c.Winner.Origin, lost.City, c.Lost.Origin)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("no conflict surfaced")
	}
	return nil
}

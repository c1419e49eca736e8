// Command globaltable shows what DynamoDB global tables do not: two users
// in two regions edit the same item at the same time, last writer wins
// silently keeps one edit, and the dynamo adapter surfaces the other.
//
// It runs in-process on the public test kit, multiregiontest: a lab of two
// regions on 127.0.0.1 serving a DynamoDB global table (two MREC replicas),
// the real AWS SDK talking HTTP to them.
//
//	go run ./examples/globaltable
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Doc is the shared item.
type Doc struct {
	ID    string `dynamodbav:"id"`
	Title string `dynamodbav:"title"`
	By    string `dynamodbav:"by"`
}

const (
	virginia = multiregion.Region("us-east-1")
	ireland  = multiregion.Region("eu-west-1")
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "globaltable:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	// A global table in two regions, replication ~50 ms.
	lab, err := multiregiontest.New([]multiregion.Region{virginia, ireland},
		multiregiontest.WithDynamoDB(func(o *multiregiontest.DynamoDBOptions) { o.ReplicationDelay = 50 * time.Millisecond }))
	if err != nil {
		return err
	}
	defer lab.Close()
	ddb := lab.DynamoDB()

	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := ddb.CreateTable(ctx, "docs", multiregiontest.StringKey("id")); err != nil {
		return err
	}

	// The adapter: one handle for the global table; conflicts on a channel.
	docs, err := dynamo.New[Doc](ctx, mr, "docs",
		func(o *dynamo.Options) { o.StreamPollInterval = 10 * time.Millisecond })
	if err != nil {
		return err
	}
	defer docs.Close()
	fmt.Fprintf(out, "table %s: %s, replicas %v\n", docs.Name(), docs.Consistency(), docs.Replicas())

	if _, err := docs.Put(ctx, Doc{ID: "readme", Title: "Draft", By: "nobody"}, dynamo.InRegion(virginia)); err != nil {
		return err
	}
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}

	// Alice (Virginia) and Bob (Ireland) edit the same item within the
	// replication window: neither sees the other's edit. (Replication is
	// held while they type, so the demo does not depend on timing.)
	ddb.PauseReplication(string(virginia))
	ddb.PauseReplication(string(ireland))
	alice, err := docs.Put(ctx, Doc{ID: "readme", Title: "Alice's title", By: "alice"}, dynamo.InRegion(virginia))
	if err != nil {
		return err
	}
	bob, err := docs.Put(ctx, Doc{ID: "readme", Title: "Bob's title", By: "bob"}, dynamo.InRegion(ireland))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "alice wrote version %.8s in %s\n", alice.Version, alice.Origin)
	fmt.Fprintf(out, "bob   wrote version %.8s in %s\n", bob.Version, bob.Origin)

	// Replication converges on one version everywhere, silently.
	ddb.ResumeReplication(string(virginia))
	ddb.ResumeReplication(string(ireland))
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}
	for _, r := range []multiregion.Region{virginia, ireland} {
		it, err := docs.Get(ctx, Doc{ID: "readme"}, dynamo.InRegion(r), dynamo.WithConsistentRead(true))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s now reads %q by %s\n", r, it.Value.Title, it.Value.By)
	}

	// The adapter saw the overwrite in the replicas' streams.
	select {
	case c := <-docs.Conflicts():
		lost, _ := dynamo.DecodeVersion[Doc](c.Lost)
		won, _ := dynamo.DecodeVersion[Doc](c.Winner)
		fmt.Fprintf(out, "CONFLICT on %s (seen in %s): last writer wins discarded an edit\n", lost.ID, c.SeenIn)
		fmt.Fprintf(out, "  lost:   %q by %s, version %.8s from %s at %s\n", lost.Title, lost.By, c.Lost.Version, c.Lost.Origin, c.Lost.HLC.Time().Format(time.StampMicro))
		fmt.Fprintf(out, "  winner: %q by %s, version %.8s from %s at %s\n", won.Title, won.By, c.Winner.Version, c.Winner.Origin, c.Winner.HLC.Time().Format(time.StampMicro))
		fmt.Fprintln(out, "  both replaced version", shortID(c.Winner.Prev), "- neither writer saw the other")
	case <-time.After(5 * time.Second):
		return fmt.Errorf("no conflict surfaced")
	}
	return nil
}

func shortID(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

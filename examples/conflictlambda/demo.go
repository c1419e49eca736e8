package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/lambdadetect"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Doc is the shared item.
type Doc struct {
	ID    string `dynamodbav:"id"`
	Title string `dynamodbav:"title"`
}

const (
	virginia = multiregion.Region("us-east-1")
	ireland  = multiregion.Region("eu-west-1")
)

// demo runs the handler on the test kit: a service instance without an
// in-process detector writes concurrently in two regions, and each
// region's function gets its stream as Lambda batches.
func demo(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lab, err := multiregiontest.New([]multiregion.Region{virginia, ireland}, multiregiontest.WithDynamoDB())
	if err != nil {
		return err
	}
	defer lab.Close()
	ddb := lab.DynamoDB()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := ddb.CreateTable(ctx, "docs", multiregiontest.StringKey("id")); err != nil {
		return err
	}
	if err := ddb.CreateTable(ctx, "docs-conflicts", multiregiontest.StringKey(lambdadetect.LedgerKey)); err != nil {
		return err
	}
	// A service instance: no stream reader of its own.
	docs, err := dynamo.New[Doc](ctx, mr, "docs", func(o *dynamo.Options) { o.DisableConflictDetection = true })
	if err != nil {
		return err
	}
	defer docs.Close()
	if _, err := docs.Put(ctx, Doc{ID: "readme", Title: "Draft"}, dynamo.InRegion(virginia)); err != nil {
		return err
	}
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}
	ddb.PauseReplication(string(virginia)) // two edits within the replication window
	ddb.PauseReplication(string(ireland))
	for r, title := range map[multiregion.Region]string{virginia: "Alice's title", ireland: "Bob's title"} {
		if _, err := docs.Put(ctx, Doc{ID: "readme", Title: title}, dynamo.InRegion(r)); err != nil {
			return err
		}
	}
	ddb.ResumeReplication(string(virginia))
	ddb.ResumeReplication(string(ireland))
	if err := ddb.Quiesce(ctx); err != nil {
		return err
	}

	// One function per region, fed by that region's stream.
	for _, r := range []multiregion.Region{virginia, ireland} {
		h, err := lambdadetect.New(lambdadetect.Options{
			Table: "docs", Region: r, PartitionKey: "id",
			Ledger: ddb.Client(string(virginia)), LedgerTable: "docs-conflicts",
			Current: ddb.Client(string(r)), Settle: time.Millisecond,
			Handler: printConflict(out),
		})
		if err != nil {
			return err
		}
		src, err := ddb.EventSource(ctx, string(r), "docs")
		if err != nil {
			return err
		}
		for {
			ev, err := src.Next(ctx, 100)
			if err != nil {
				return err
			}
			if len(ev.Records) == 0 {
				break
			}
			resp, err := h.Handle(ctx, ev)
			fmt.Fprintf(out, "%s: batch of %d records, %d failed\n", r, len(ev.Records), len(resp.BatchItemFailures))
			src.Ack(resp, err)
		}
	}
	fmt.Fprintf(out, "lost writes (emulator ground truth): %d\n", len(ddb.LostWrites("docs")))
	return nil
}

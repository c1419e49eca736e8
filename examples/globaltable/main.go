// Command globaltable shows what DynamoDB global tables do not: two users
// in two regions edit the same item at the same time, last writer wins
// silently keeps one edit, and the dynamo adapter surfaces the other.
//
// It runs in-process: a global-table emulator (two MREC replicas) behind
// local endpoints on 127.0.0.1, the real AWS SDK talking HTTP to them.
//
//	go run ./examples/globaltable
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/internal/testutil/globaltable"
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
	emu, err := globaltable.New(globaltable.Options{
		Regions: []string{string(virginia), string(ireland)}, Mode: globaltable.MREC,
		ReplicationDelay: 50 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	defer emu.Close()
	rs, err := testutil.StartRegions([]string{string(virginia), string(ireland)}, testutil.WithHandler(emu.Handler))
	if err != nil {
		return err
	}
	defer rs.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	cfg := aws.Config{
		Region:      string(virginia),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:  &http.Client{Transport: tr},
	}
	mr, err := multiregion.New(ctx, cfg, rs.Options(multiregion.ServiceDynamoDB, multiregion.ServiceDynamoDBStreams),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := createTable(ctx, mr, "docs"); err != nil {
		return err
	}

	// The adapter: one handle for the global table; conflicts on a channel.
	noCRC := func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true } // the emulator sends no CRC32
	docs, err := dynamo.New[Doc](ctx, mr, "docs", dynamo.WithClientOptions(noCRC),
		func(o *dynamo.Options) { o.StreamPollInterval = 10 * time.Millisecond })
	if err != nil {
		return err
	}
	defer docs.Close()
	fmt.Fprintf(out, "table %s: %s, replicas %v\n", docs.Name(), docs.Consistency(), docs.Replicas())

	if _, err := docs.Put(ctx, Doc{ID: "readme", Title: "Draft", By: "nobody"}, dynamo.InRegion(virginia)); err != nil {
		return err
	}
	if err := emu.Quiesce(ctx); err != nil {
		return err
	}

	// Alice (Virginia) and Bob (Ireland) edit the same item within the
	// replication window: neither sees the other's edit. (Replication is
	// held while they type, so the demo does not depend on timing.)
	emu.PauseReplication(string(virginia))
	emu.PauseReplication(string(ireland))
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
	emu.ResumeReplication(string(virginia))
	emu.ResumeReplication(string(ireland))
	if err := emu.Quiesce(ctx); err != nil {
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

// createTable creates the table in one region; the global table has it everywhere.
func createTable(ctx context.Context, mr *multiregion.Client, name string) error {
	ddb := dynamodb.NewFromConfig(mr.Config(virginia), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	return err
}

// Command conflictlambda is the dynamo conflict detector as an AWS Lambda
// function: deploy one per replica region, each with a DynamoDB Streams
// event source mapping on that region's stream (see the README, "Conflict
// detection on Lambda"). Service instances then run their Tables with
// dynamo.Options.DisableConflictDetection, and no shard has more than the
// mapping's one reader.
//
// Deployed (AWS_LAMBDA_RUNTIME_API set by Lambda), it reads its settings
// from the environment: TABLE, PARTITION_KEY, SORT_KEY (optional),
// LEDGER_TABLE and LEDGER_REGION (one region for every function: the
// ledger is a plain table, not a global one), and logs each conflict as
// JSON (versions and regions, never the item).
//
// Run locally, it demonstrates the same handler on the public test kit:
// two regions write one item concurrently, and the emulator's stream
// records, converted to Lambda events, go to one handler per region; the
// loss is delivered once, though both regions' streams show it.
//
//	go run ./examples/conflictlambda
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/lambdadetect"
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		h, err := deployed(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, "conflictlambda:", err)
			os.Exit(1)
		}
		lambda.Start(h.Handle)
		return
	}
	if err := demo(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "conflictlambda:", err)
		os.Exit(1)
	}
}

// deployed builds the handler from the function's environment.
func deployed(ctx context.Context) (*lambdadetect.Handler, error) {
	env := func(k string) string { return os.Getenv(k) }
	if env("TABLE") == "" || env("PARTITION_KEY") == "" || env("LEDGER_TABLE") == "" || env("LEDGER_REGION") == "" {
		return nil, errors.New("set TABLE, PARTITION_KEY, LEDGER_TABLE and LEDGER_REGION")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	ledger := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Region = env("LEDGER_REGION") })
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	return lambdadetect.New(lambdadetect.Options{
		Table: env("TABLE"), Region: multiregion.Region(cfg.Region),
		PartitionKey: env("PARTITION_KEY"), SortKey: env("SORT_KEY"),
		Ledger: ledger, LedgerTable: env("LEDGER_TABLE"),
		Current: dynamodb.NewFromConfig(cfg),
		Logger:  log,
		Handler: func(ctx context.Context, c dynamo.Conflict) error {
			// Replace with what the service does with a lost write: a
			// queue, a table, a page. An error makes Lambda retry.
			log.InfoContext(ctx, "lost write", "table", c.Table, "lost_version", c.Lost.Version,
				"lost_origin", string(c.Lost.Origin), "winner_version", c.Winner.Version,
				"winner_origin", string(c.Winner.Origin), "seen_in", string(c.SeenIn), "lost_ancestors", len(c.LostAncestors))
			return nil
		},
	})
}

// printConflict is the demo's conflict handler.
func printConflict(out io.Writer) func(context.Context, dynamo.Conflict) error {
	return func(_ context.Context, c dynamo.Conflict) error {
		lost, err := dynamo.DecodeVersion[Doc](c.Lost)
		if err != nil {
			return err
		}
		won, err := dynamo.DecodeVersion[Doc](c.Winner)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]string{"lost": lost.Title, "lost_origin": string(c.Lost.Origin),
			"winner": won.Title, "winner_origin": string(c.Winner.Origin)})
		fmt.Fprintf(out, "CONFLICT seen in %s: %s\n", c.SeenIn, b)
		return nil
	}
}

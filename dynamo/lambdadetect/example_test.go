package lambdadetect_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	mr "github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/lambdadetect"
	"github.com/regionkit/multiregion/multiregiontest"
)

// A handler fed by the test kit's event source: version b1 (us-east-1)
// and b2 (us-west-2) both replaced a, concurrently; b2 was written last
// and wins, b1 is delivered once.
func Example() {
	ctx := context.Background()
	lab, err := multiregiontest.New([]string{"us-east-1", "us-west-2"}, multiregiontest.WithDynamoDB())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Close()
	ddb := lab.DynamoDB()
	_ = ddb.CreateTable(ctx, "docs", multiregiontest.StringKey("pk"))
	_ = ddb.CreateTable(ctx, "ledger", multiregiontest.StringKey(lambdadetect.LedgerKey))
	write := func(region, ver, prev string) {
		it := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"},
			"_mr_ver": &types.AttributeValueMemberS{Value: ver}, "_mr_origin": &types.AttributeValueMemberS{Value: region}}
		if prev != "" {
			it["_mr_prev"] = &types.AttributeValueMemberS{Value: prev}
			it["_mr_lin"] = &types.AttributeValueMemberS{Value: prev}
		}
		_, _ = ddb.Client(region).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("docs"), Item: it})
	}
	write("us-east-1", "a", "")
	_ = ddb.Quiesce(ctx)
	ddb.PauseReplication("us-east-1")
	ddb.PauseReplication("us-west-2")
	write("us-east-1", "b1", "a")
	write("us-west-2", "b2", "a")
	ddb.ResumeReplication("us-east-1")
	ddb.ResumeReplication("us-west-2")
	_ = ddb.Quiesce(ctx)

	for _, region := range []string{"us-east-1", "us-west-2"} {
		h, _ := lambdadetect.New(lambdadetect.Options{
			Table: "docs", Region: mr.Region(region), PartitionKey: "pk",
			Ledger: ddb.Client("us-east-1"), LedgerTable: "ledger", Current: ddb.Client(region),
			Settle: time.Millisecond,
			Handler: func(_ context.Context, c dynamo.Conflict) error {
				fmt.Printf("lost %s (from %s) to %s, seen in %s\n", c.Lost.Version, c.Lost.Origin, c.Winner.Version, c.SeenIn)
				return nil
			},
		})
		src, _ := ddb.EventSource(ctx, region, "docs")
		ev, _ := src.Next(ctx, 100)
		resp, err := h.Handle(ctx, ev)
		src.Ack(resp, err)
	}
	// Output:
	// lost b1 (from us-east-1) to b2, seen in us-east-1
}

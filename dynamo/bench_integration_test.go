//go:build integration

package dynamo_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// BenchmarkDynalitePutRoutedVsRaw is BenchmarkPutRoutedVsRaw against a
// real DynamoDB-compatible server, the lab's dynalite, straight to it (no
// latency proxy): Table.Put against a raw PutItem of the same item,
// interleaved (testutil.RoutedVsRaw). "new": a key never written (one
// PutItem on attribute_not_exists); "seen": the key this Table wrote last
// (one PutItem conditioned on the cached version). dynalite does not
// return the item of a failed condition (ALL_OLD), so the blind overwrite
// is measured on the in-process emulator only. "proxied" repeats both
// through the region's latency proxy.
//
//	scripts/lab test with LAB_GO_TEST_FLAGS="-run XXX -bench DynalitePut -benchtime 2000x -count 5"
func BenchmarkDynalitePutRoutedVsRaw(b *testing.B) {
	const region = multiregion.Region("us-east-1")
	ctx := context.Background()
	direct := true
	setup := func(b *testing.B) (*dynamo.Table[Doc], *dynamodb.Client, string) {
		mr, table := dynaliteTableAt(b, "dynamo-bench-", direct)
		tb, err := dynamo.New[Doc](ctx, mr, table, dynamo.WithReplicas(region), dynamo.WithKeys("pk", "sk"),
			func(o *dynamo.Options) { o.DisableConflictDetection = true })
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = tb.Close() })
		return tb, dynamodb.NewFromConfig(mr.Config(region)), table
	}
	item := func(table, pk string) *dynamodb.PutItemInput {
		return &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberN{Value: "1"},
			"title": &types.AttributeValueMemberS{Value: "a title"}, "count": &types.AttributeValueMemberN{Value: "42"},
		}}
	}
	newKey := func(b *testing.B) {
		tb, raw, table := setup(b)
		putNewVsRaw(b, tb, raw, func(pk string) *dynamodb.PutItemInput { return item(table, pk) })
	}
	seenKey := func(b *testing.B) {
		tb, raw, table := setup(b)
		putSeenVsRaw(b, tb, raw, item(table, "raw-seen"))
	}
	b.Run("new", newKey)
	b.Run("seen", seenKey)
	// The same through us-east-1's latency proxy (5 ms each way): what a
	// service in the region sees, where the round trip dominates.
	b.Run("proxied", func(b *testing.B) {
		direct = false
		b.Run("new", newKey)
		b.Run("seen", seenKey)
	})
}

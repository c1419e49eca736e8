package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// benchSetup starts the emulator behind local endpoints, writes one item,
// and returns a routed Table, a raw client of the region the Table picks
// (the same local endpoint, same HTTP transport) and the raw key.
func benchSetup(b *testing.B) (*dynamo.Table[Doc], *dynamodb.Client, map[string]types.AttributeValue) {
	// eu-west-1 is 5 ms away, so routing settles on us-east-1.
	e := newEnv(b, mrec(use1, euw1), multiregiontest.WithLatency(string(euw1), 5*time.Millisecond))
	tb := e.table(func(o *dynamo.Options) { o.DisableConflictDetection = true })
	ctx := testCtx(b)
	m, err := tb.Put(ctx, Doc{PK: "bench", SK: 1, Title: "a title", Count: 42})
	if err != nil {
		b.Fatal(err)
	}
	set, _ := e.mr.Set()
	r, err := e.mr.Pick(set)
	if err != nil || r != m.Origin {
		b.Fatalf("pick %s / origin %s / %v", r, m.Origin, err)
	}
	raw := dynamodb.NewFromConfig(e.mr.Config(r), noChecksum)
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "bench"},
		"sk": &types.AttributeValueMemberN{Value: "1"},
	}
	return tb, raw, key
}

// BenchmarkGetRouted is Table.Get: key marshal, pick, GetItem, Observe,
// unmarshal into Doc with its metadata.
func BenchmarkGetRouted(b *testing.B) {
	tb, _, _ := benchSetup(b)
	ctx := context.Background()
	key := Doc{PK: "bench", SK: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tb.Get(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRaw is dynamodb.Client.GetItem on the same endpoint.
func BenchmarkGetRaw(b *testing.B) {
	_, raw, key := benchSetup(b)
	ctx := context.Background()
	in := &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: key}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := raw.GetItem(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRoutedVsRaw runs the two alternately in one loop and reports
// each one's median and their ratio (testutil.RoutedVsRaw).
func BenchmarkGetRoutedVsRaw(b *testing.B) {
	tb, raw, rawKey := benchSetup(b)
	ctx := context.Background()
	key := Doc{PK: "bench", SK: 1}
	in := &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: rawKey}
	testutil.RoutedVsRaw(b, func() error {
		_, err := tb.Get(ctx, key)
		return err
	}, func() error {
		_, err := raw.GetItem(ctx, in)
		return err
	})
}

package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/dynamo"
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

// BenchmarkGetRoutedVsRaw alternates the two in one loop (switching
// which goes first), so machine noise hits both alike, and reports the
// median latency of each and their ratio: medians, because on a shared
// machine a few stalls of several milliseconds would dominate the means.
func BenchmarkGetRoutedVsRaw(b *testing.B) {
	tb, raw, rawKey := benchSetup(b)
	ctx := context.Background()
	key := Doc{PK: "bench", SK: 1}
	in := &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: rawKey}
	var routed, direct []time.Duration
	getRouted := func() {
		t0 := time.Now()
		if _, err := tb.Get(ctx, key); err != nil {
			b.Fatal(err)
		}
		routed = append(routed, time.Since(t0))
	}
	getRaw := func() {
		t0 := time.Now()
		if _, err := raw.GetItem(ctx, in); err != nil {
			b.Fatal(err)
		}
		direct = append(direct, time.Since(t0))
	}
	odd := false
	for b.Loop() {
		if odd = !odd; odd {
			getRouted()
			getRaw()
		} else {
			getRaw()
			getRouted()
		}
	}
	mr, md := median(routed), median(direct)
	b.ReportMetric(float64(mr.Nanoseconds()), "routed-p50-ns")
	b.ReportMetric(float64(md.Nanoseconds()), "raw-p50-ns")
	b.ReportMetric(float64(mr)/float64(md), "routed/raw")
}

func median(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
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

// putBench is the Put benchmark's setup: the routed Table, a raw client of
// the same endpoint, and a raw PutItem input of a small Doc.
func putBench(b *testing.B) (*dynamo.Table[Doc], *dynamodb.Client, func(pk string) *dynamodb.PutItemInput) {
	tb, raw, _ := benchSetup(b)
	in := func(pk string) *dynamodb.PutItemInput {
		return &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberN{Value: "1"},
			"title": &types.AttributeValueMemberS{Value: "a title"}, "count": &types.AttributeValueMemberN{Value: "42"},
		}}
	}
	return tb, raw, in
}

// BenchmarkPutRoutedVsRaw: Table.Put against a raw PutItem of the same
// item on the same endpoint, interleaved (testutil.RoutedVsRaw). "new":
// a key never written (one conditional PutItem); "seen": the key this
// Table wrote last (one PutItem conditioned on the cached version);
// "blind": an item another writer replaced, so this Table's cached version
// is stale (the condition misses, ALL_OLD returns the item, the retry
// writes: two round trips).
func BenchmarkPutRoutedVsRaw(b *testing.B) {
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		tb, raw, in := putBench(b)
		putNewVsRaw(b, tb, raw, in)
	})
	b.Run("seen", func(b *testing.B) {
		tb, raw, in := putBench(b)
		putSeenVsRaw(b, tb, raw, in("raw-seen"))
	})
	// The same "seen" Put against a raw PutItem of the same shape: the
	// metadata attributes and a version condition (always true) the server
	// must evaluate. Separates what the adapter adds from what a
	// conditional, stamped write costs the server.
	b.Run("seen-vs-conditional-raw", func(b *testing.B) {
		tb, raw, in := putBench(b)
		rin := in("raw-cond")
		for k, v := range map[string]string{"_mr_ver": newRawVersion(), "_mr_prev": newRawVersion(), "_mr_origin": "us-east-1",
			"_mr_hlc": "0001764600000000000.0000000000", "_mr_lin": newRawVersion()} {
			rin.Item[k] = &types.AttributeValueMemberS{Value: v}
		}
		rin.ConditionExpression = aws.String("attribute_not_exists(#mr_v) OR #mr_v <> :mr_seen")
		rin.ExpressionAttributeNames = map[string]string{"#mr_v": "_mr_ver"}
		rin.ExpressionAttributeValues = map[string]types.AttributeValue{":mr_seen": &types.AttributeValueMemberS{Value: "never"}}
		testutil.RoutedVsRaw(b, func() error {
			_, err := tb.Put(ctx, Doc{PK: "seen", SK: 1, Title: "a title", Count: 42})
			return err
		}, func() error {
			_, err := raw.PutItem(ctx, rin)
			return err
		})
	})
	b.Run("blind", func(b *testing.B) {
		tb, raw, in := putBench(b)
		rin := in("blind") // the raw writer replaces the Table's item each time: its version is never the cached one
		testutil.RoutedVsRaw(b, func() error {
			_, err := tb.Put(ctx, Doc{PK: "blind", SK: 1, Title: "a title", Count: 42})
			return err
		}, func() error {
			rin.Item["_mr_ver"] = &types.AttributeValueMemberS{Value: newRawVersion()}
			_, err := raw.PutItem(ctx, rin)
			return err
		})
	})
}

var rawVersions int

func newRawVersion() string {
	rawVersions++
	return fmt.Sprintf("%032x", rawVersions)
}

// putNewVsRaw interleaves Puts of keys tb never saw with raw PutItems of
// new keys built by in (testutil.RoutedVsRaw).
func putNewVsRaw(b *testing.B, tb *dynamo.Table[Doc], raw *dynamodb.Client, in func(pk string) *dynamodb.PutItemInput) {
	ctx := context.Background()
	n := 0
	testutil.RoutedVsRaw(b, func() error {
		n++
		_, err := tb.Put(ctx, Doc{PK: "new-" + strconv.Itoa(n), SK: 1, Title: "a title", Count: 42})
		return err
	}, func() error {
		n++
		_, err := raw.PutItem(ctx, in("raw-"+strconv.Itoa(n)))
		return err
	})
}

// putSeenVsRaw interleaves Puts of the key tb wrote last with the raw
// PutItem rin, again and again.
func putSeenVsRaw(b *testing.B, tb *dynamo.Table[Doc], raw *dynamodb.Client, rin *dynamodb.PutItemInput) {
	ctx := context.Background()
	testutil.RoutedVsRaw(b, func() error {
		_, err := tb.Put(ctx, Doc{PK: "seen", SK: 1, Title: "a title", Count: 42})
		return err
	}, func() error {
		_, err := raw.PutItem(ctx, rin)
		return err
	})
}

//go:build integration

package dynamo_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestDynaliteAcceptsEveryRequestShape runs every request shape the
// adapter sends (projected consistent GetItem, conditional PutItem with
// attribute_not_exists and with a version match, UpdateItem with the
// merged SET clause and an ANDed caller condition, Delete as a tombstone
// PutItem with an ANDed caller condition, Query with key condition,
// filter (ANDed with the tombstone filter), limit, descending and paging,
// BatchGetItem with a projection, BatchWriteItem) against the
// lab's dynalite, a DynamoDB implementation other than the emulator.
// dynalite has no replication, streams or transactions: one region, a
// static replica list, no conflict detection.
func TestDynaliteAcceptsEveryRequestShape(t *testing.T) {
	const region = multiregion.Region("us-east-1")
	ctx := testCtx(t)
	mr, table := dynaliteTable(t, "dynamo-it-")

	tb, err := dynamo.New[Doc](ctx, mr, table, dynamo.WithReplicas(region), dynamo.WithKeys("pk", "sk"),
		func(o *dynamo.Options) { o.DisableConflictDetection = true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tb.Close() })

	// Put: projected GetItem + PutItem attribute_not_exists, then #v = :seen.
	m1, err := tb.Put(ctx, Doc{PK: "it", SK: 1, Title: "one", Count: 1})
	if err != nil {
		t.Fatalf("Put (create): %v", err)
	}
	m2, err := tb.Put(ctx, Doc{PK: "it", SK: 1, Title: "two", Count: 2})
	if err != nil || m2.Prev != m1.Version {
		t.Fatalf("Put (replace) = %+v, %v", m2, err)
	}
	// PutIfVersion: a stale version is refused by the condition or the read.
	if _, err := tb.PutIfVersion(ctx, Doc{PK: "it", SK: 1, Title: "stale"}, m1.Version); !errors.Is(err, dynamo.ErrVersionMismatch) {
		t.Fatalf("PutIfVersion(stale): %v", err)
	}
	got, err := tb.Get(ctx, Doc{PK: "it", SK: 1}, dynamo.WithConsistentRead(true))
	if err != nil || got.Value.Title != "two" || got.Meta.Version != m2.Version || got.Meta.Lineage[0] != m1.Version {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	// Update: SET merged with the metadata, REMOVE kept, conditions ANDed.
	upd := expression.Set(expression.Name("count"), expression.Name("count").Plus(expression.Value(40))).Remove(expression.Name("by"))
	it, err := tb.Update(ctx, Doc{PK: "it", SK: 1}, upd, dynamo.WithCondition(expression.Name("count").Equal(expression.Value(2))))
	if err != nil || it.Value.Count != 42 || it.Meta.Prev != m2.Version {
		t.Fatalf("Update = %+v, %v", it, err)
	}
	if _, err := tb.Update(ctx, Doc{PK: "it", SK: 1}, upd, dynamo.WithCondition(expression.Name("count").Equal(expression.Value(2)))); !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("Update with a false condition: %v", err)
	}
	// BatchWrite: BatchGetItem (consistent, projected) + BatchWriteItem.
	var puts []Doc
	var keys []any
	for i := 2; i <= 30; i++ {
		puts = append(puts, Doc{PK: "it", SK: i, Count: i})
		keys = append(keys, Doc{PK: "it", SK: i})
	}
	if _, err := tb.BatchWrite(ctx, puts, nil); err != nil {
		t.Fatalf("BatchWrite: %v", err)
	}
	items, err := tb.BatchGet(ctx, keys, dynamo.WithConsistentRead(true))
	if err != nil || len(items) != len(keys) {
		t.Fatalf("BatchGet = %d items, %v", len(items), err)
	}
	// Query: key condition, filter, limit, descending, pages.
	f := expression.Name("count").GreaterThanEqual(expression.Value(10))
	q := dynamo.QueryInput{KeyCondition: expression.Key("pk").Equal(expression.Value("it")), Filter: &f, Limit: 7, Descending: true}
	n := 0
	for pages := 0; pages < 20; pages++ {
		out, err := tb.Query(ctx, q, dynamo.WithConsistentRead(true))
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		n += len(out.Items)
		if out.LastKey == nil {
			break
		}
		q.StartKey = out.LastKey
	}
	if n != 22 { // sk 10..30 (count = sk) and sk 1 (count 42)
		t.Fatalf("Query returned %d items, want 22", n)
	}
	// Delete with a condition (ALL_OLD), then without.
	if _, err := tb.Delete(ctx, Doc{PK: "it", SK: 1}, dynamo.WithCondition(expression.Name("count").Equal(expression.Value(0)))); !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("conditional Delete: %v", err)
	}
	if gone, err := tb.Delete(ctx, Doc{PK: "it", SK: 1}); err != nil || gone != it.Meta.Version {
		t.Fatalf("Delete = %q, %v; want %s", gone, err, it.Meta.Version)
	}
	if _, err := tb.Get(ctx, Doc{PK: "it", SK: 1}); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// dynaliteTable creates a fresh table (keyed pk S + sk N) on the lab's
// dynalite in us-east-1, ACTIVE, deleted at cleanup, and a
// multiregion.Client of that one region pointed at it (through the
// region's latency proxy).
func dynaliteTable(t testing.TB, prefix string) (*multiregion.Client, string) {
	return dynaliteTableAt(t, prefix, false)
}

// dynaliteTableAt is dynaliteTable, straight to dynalite when direct (no
// proxy: what a benchmark of the client's own cost needs).
func dynaliteTableAt(t testing.TB, prefix string, direct bool) (*multiregion.Client, string) {
	t.Helper()
	env, err := lab.Load()
	if errors.Is(err, lab.ErrNotRunning) {
		t.Fatal("lab not running: scripts/lab up")
	}
	if err != nil {
		t.Fatal(err)
	}
	const region = multiregion.Region("us-east-1")
	endpoint, err := env.Endpoint(string(region), lab.DynamoDB)
	if err != nil {
		t.Fatal(err)
	}
	if direct {
		r, err := env.Region(string(region))
		if err != nil {
			t.Fatal(err)
		}
		endpoint = r.Direct.DynamoDB
	}
	ctx := testCtx(t)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{Region: string(region), HTTPClient: &http.Client{Transport: tr},
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	mr, err := multiregion.New(ctx, cfg, multiregion.WithRegions(region),
		multiregion.WithEndpoint(region, multiregion.ServiceDynamoDB, endpoint),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })

	table := prefix + strconv.FormatInt(time.Now().UnixNano(), 36)
	raw := dynamodb.NewFromConfig(mr.Config(region))
	_, err = raw.CreateTable(ctx, multiregiontest.TableInput(table, multiregiontest.StringKey("pk"), multiregiontest.NumberKey("sk")))
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() { _, _ = raw.DeleteTable(testCtx(t), &dynamodb.DeleteTableInput{TableName: aws.String(table)}) })
	waiter := dynamodb.NewTableExistsWaiter(raw, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatalf("table not ACTIVE: %v", err)
	}

	return mr, table
}

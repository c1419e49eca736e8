package dynamo_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/dynamo"
)

// requests counts the requests every regional endpoint served while fn
// ran (the Client's background probes are off in newEnv, and the tables
// here disable their own).
func (e *env) requests(fn func()) int64 {
	e.t.Helper()
	total := func() (n int64) {
		for _, r := range e.emu.Regions() {
			n += e.rs.Endpoint(r).Requests()
		}
		return n
	}
	before := total()
	fn()
	return total() - before
}

// TestWriteRoundTrips counts the requests each versioned write sends: one
// for a new key and for a key this Table read or wrote, two for a blind
// overwrite of an item it never saw, and the written metadata still
// names the version replaced.
func TestWriteRoundTrips(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	quiet := func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true }
	tb := e.table(quiet)
	other := e.table(quiet) // another writer: its writes are unseen by tb
	ctx := testCtx(t)
	pin := dynamo.InRegion(use1)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var m0, m1, m2 dynamo.Meta
	var err error
	if n := e.requests(func() { m0, err = tb.Put(ctx, Doc{PK: "rt", SK: 1, Title: "new"}, pin); must(err) }); n != 1 {
		t.Fatalf("Put of a new key: %d requests, want 1", n)
	}
	if n := e.requests(func() { m1, err = tb.Put(ctx, Doc{PK: "rt", SK: 1, Title: "again"}, pin); must(err) }); n != 1 || m1.Prev != m0.Version {
		t.Fatalf("Put of a key this Table wrote: %d requests (want 1), Prev %s (want %s)", n, m1.Prev, m0.Version)
	}
	// The other Table never saw the key: its blind overwrite costs two
	// (the miss returns the item, the retry is conditioned on it).
	if n := e.requests(func() { m2, err = other.Put(ctx, Doc{PK: "rt", SK: 1, Title: "blind"}, pin); must(err) }); n != 2 || m2.Prev != m1.Version {
		t.Fatalf("blind overwrite: %d requests (want 2), Prev %s (want %s)", n, m2.Prev, m1.Version)
	}
	// tb's cached version is stale now: one miss, one retry, correct Prev.
	var m3 dynamo.Meta
	if n := e.requests(func() { m3, err = tb.Put(ctx, Doc{PK: "rt", SK: 1, Title: "stale cache"}, pin); must(err) }); n != 2 || m3.Prev != m2.Version {
		t.Fatalf("Put over a changed item: %d requests (want 2), Prev %s (want %s)", n, m3.Prev, m2.Version)
	}
	// A Get feeds the cache: the other Table's next Put costs one.
	var m4 dynamo.Meta
	if _, err := other.Get(ctx, Doc{PK: "rt", SK: 1}, pin); err != nil {
		t.Fatal(err)
	}
	if n := e.requests(func() { m4, err = other.Put(ctx, Doc{PK: "rt", SK: 1, Title: "after get"}, pin); must(err) }); n != 1 || m4.Prev != m3.Version {
		t.Fatalf("Put after Get: %d requests (want 1), Prev %s (want %s)", n, m4.Prev, m3.Version)
	}
	var it dynamo.Item[Doc]
	if n := e.requests(func() {
		it, err = other.Update(ctx, Doc{PK: "rt", SK: 1}, expression.Set(expression.Name("count"), expression.Value(7)), pin)
		must(err)
	}); n != 1 || it.Meta.Prev != m4.Version {
		t.Fatalf("Update after Put: %d requests (want 1), Prev %s (want %s)", n, it.Meta.Prev, m4.Version)
	}
	var gone string
	if n := e.requests(func() { gone, err = other.Delete(ctx, Doc{PK: "rt", SK: 1}, pin); must(err) }); n != 1 || gone != it.Meta.Version {
		t.Fatalf("Delete after Update: %d requests (want 1), deleted %s (want %s)", n, gone, it.Meta.Version)
	}
	// PutIfVersion with the version a Get returned: one.
	if _, err := tb.Put(ctx, Doc{PK: "rt", SK: 2}, pin); err != nil {
		t.Fatal(err)
	}
	got, err := tb.Get(ctx, Doc{PK: "rt", SK: 2}, pin)
	must(err)
	if n := e.requests(func() {
		_, err = tb.PutIfVersion(ctx, Doc{PK: "rt", SK: 2, Title: "cas"}, got.Meta.Version, pin)
		must(err)
	}); n != 1 {
		t.Fatalf("PutIfVersion after Get: %d requests, want 1", n)
	}
}

// TestWriteLearnsVersionFromConditionFailure: an item written behind the
// Table's back (raw PutItem, no metadata, then a raw version) is learned
// from the failed condition, never clobbered unconditioned.
func TestWriteLearnsVersionFromConditionFailure(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table(func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true })
	ctx := testCtx(t)
	m0, err := tb.Put(ctx, Doc{PK: "learn", SK: 1}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	// Another writer replaces the version id in place.
	_, err = e.raw[use1].UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tableName),
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "learn"}, "sk": &types.AttributeValueMemberN{Value: "1"}},
		UpdateExpression: aws.String("SET #v = :v"), ExpressionAttributeNames: map[string]string{"#v": "_mr_ver"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "00000000000000000000000000000abc"}}})
	if err != nil {
		t.Fatal(err)
	}
	m1, err := tb.Put(ctx, Doc{PK: "learn", SK: 1, Title: "x"}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if m1.Prev != "00000000000000000000000000000abc" || m1.Prev == m0.Version {
		t.Fatalf("Prev = %s, want the version written behind the Table's back", m1.Prev)
	}
}

// TestBatchGetFeedsVersions: a BatchGet, like a Get, tells the Table the
// versions: the next Put of each key costs one request.
func TestBatchGetFeedsVersions(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	quiet := func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true }
	writer, reader := e.table(quiet), e.table(quiet)
	ctx := testCtx(t)
	pin := dynamo.InRegion(use1)
	for sk := 1; sk <= 3; sk++ {
		if _, err := writer.Put(ctx, Doc{PK: "bg", SK: sk}, pin); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reader.BatchGet(ctx, []any{Doc{PK: "bg", SK: 1}, Doc{PK: "bg", SK: 2}, Doc{PK: "bg", SK: 3}}, pin); err != nil {
		t.Fatal(err)
	}
	for sk := 1; sk <= 3; sk++ {
		var err error
		if n := e.requests(func() { _, err = reader.Put(ctx, Doc{PK: "bg", SK: sk, Title: "x"}, pin) }); err != nil || n != 1 {
			t.Fatalf("Put of sk %d after BatchGet: %d requests, %v", sk, n, err)
		}
	}
}

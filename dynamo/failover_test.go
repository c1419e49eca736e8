package dynamo_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// faultAPI wraps a real regional client (satisfying dynamo.API), counts
// calls per operation and can fail chosen operations before they are sent
// or after they were applied.
type faultAPI struct {
	dynamo.API
	mu     sync.Mutex
	calls  map[string]int
	before map[string]error // returned instead of calling
	after  map[string]error // returned after the call succeeded
}

func (f *faultAPI) hook(op string) (before, after error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	return f.before[op], f.after[op]
}

func (f *faultAPI) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *faultAPI) set(op string, before, after error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before[op], f.after[op] = before, after
}

func (f *faultAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	b, a := f.hook("GetItem")
	if b != nil {
		return nil, b
	}
	out, err := f.API.GetItem(ctx, in, o...)
	if err == nil && a != nil {
		return nil, a
	}
	return out, err
}

func (f *faultAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	b, a := f.hook("PutItem")
	if b != nil {
		return nil, b
	}
	out, err := f.API.PutItem(ctx, in, o...)
	if err == nil && a != nil {
		return nil, a
	}
	return out, err
}

func (f *faultAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	b, a := f.hook("UpdateItem")
	if b != nil {
		return nil, b
	}
	out, err := f.API.UpdateItem(ctx, in, o...)
	if err == nil && a != nil {
		return nil, a
	}
	return out, err
}

// faultTable opens a table whose regional clients are faultAPIs.
func (e *env) faultTable(optFns ...func(*dynamo.Options)) (*dynamo.Table[Doc], map[multiregion.Region]*faultAPI) {
	fakes := map[multiregion.Region]*faultAPI{}
	var mu sync.Mutex
	wrap := func(o *dynamo.Options) {
		o.NewClient = func(r multiregion.Region, cfg aws.Config) dynamo.API {
			mu.Lock()
			defer mu.Unlock()
			f := &faultAPI{API: dynamodb.NewFromConfig(cfg, noChecksum), calls: map[string]int{}, before: map[string]error{}, after: map[string]error{}}
			fakes[r] = f
			return f
		}
	}
	return e.table(append([]func(*dynamo.Options){wrap}, optFns...)...), fakes
}

// nearestUSE1 makes us-east-1 the nearest region: eu-west-1 60 ms away, a
// gap a loaded CI machine's noise does not bridge (at 5 ms, 1 run in 4 of
// TestTableHasItsOwnRoutingState ranked eu-west-1 first after a readmission;
// at 20 ms, once in the lab run under -race).
func nearestUSE1(t *testing.T) *env {
	e := newEnv(t, mrec(use1, euw1), multiregiontest.WithLatency(string(euw1), 60*time.Millisecond))
	if r, err := e.mr.Pick(mustSet(t, e.mr)); err != nil || r != use1 {
		t.Fatalf("nearest = %s, %v; want us-east-1", r, err)
	}
	return e
}

func mustSet(t *testing.T, mr *multiregion.Client) multiregion.RegionSet {
	s, err := mr.Set()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// failures is the count of consecutive failures of the table's store in
// r: a table's failures are its own (the Client's network view never sees
// them).
func failures(mr *multiregion.Client, r multiregion.Region) int {
	st, ok := mr.Status().Store("dynamo:" + tableName)
	if !ok {
		return -1
	}
	if s, ok := st.Region(r); ok {
		return s.ConsecutiveFailures
	}
	return -1
}

func TestReadsAndPutsFailOverOnOutage(t *testing.T) {
	e := nearestUSE1(t)
	tb := e.table()
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "f", SK: 1, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	e.rs.Endpoint(string(use1)).Down()
	got, err := tb.Get(ctx, Doc{PK: "f", SK: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got.Region != euw1 || got.Value.Title != "x" {
		t.Fatalf("Get served by %s (%+v), want eu-west-1", got.Region, got.Value)
	}
	m, err := tb.Put(ctx, Doc{PK: "f", SK: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Origin != euw1 {
		t.Fatalf("Put landed in %s, want eu-west-1", m.Origin)
	}
	if n := failures(e.mr, use1); n < 1 {
		t.Fatalf("us-east-1 failures = %d, want the outage observed", n)
	}
	// Pinned calls do not fail over.
	_, err = tb.Get(ctx, Doc{PK: "f", SK: 1}, dynamo.InRegion(use1))
	var re *multiregion.RegionError
	if !errors.As(err, &re) || re.Region != use1 || re.OutcomeUnknown || errors.Is(err, multiregion.ErrOutcomeUnknown) {
		t.Fatalf("pinned Get in a down region: err = %v", err)
	}
}

func TestConditionalWriteWithUnknownOutcomeIsNotReplayed(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	ctx := testCtx(t)
	boom := &types.InternalServerError{Message: aws.String("injected after apply")}
	fakes[use1].set("UpdateItem", nil, boom)
	_, err := tb.Update(ctx, Doc{PK: "c", SK: 1}, expression.Set(expression.Name("count"), expression.Value(1)))
	var re *multiregion.RegionError
	if !errors.As(err, &re) || !re.OutcomeUnknown || re.Region != use1 || re.Op != "dynamo.Update" {
		t.Fatalf("err = %v, want RegionError{us-east-1, OutcomeUnknown}", err)
	}
	if !errors.Is(err, boom) {
		t.Fatalf("err does not wrap the SDK error: %v", err)
	}
	if !errors.Is(err, multiregion.ErrOutcomeUnknown) {
		t.Fatalf("err does not match multiregion.ErrOutcomeUnknown: %v", err)
	}
	if n := fakes[euw1].count("UpdateItem") + fakes[euw1].count("GetItem"); n != 0 {
		t.Fatalf("eu-west-1 got %d calls: the conditional write was replayed", n)
	}
	// It was in fact applied in us-east-1: replaying it would have been wrong.
	if got := attrN(e.rawGet(use1, "c", 1), "count"); got != "1" {
		t.Fatalf("count in us-east-1 = %q", got)
	}
	// An idempotent Put with the same failure moves on.
	fakes[use1].set("PutItem", nil, boom)
	m, err := tb.Put(ctx, Doc{PK: "c", SK: 2})
	if err != nil || m.Origin != euw1 {
		t.Fatalf("Put = %+v, %v; want it replayed in eu-west-1", m, err)
	}
	// A throttled conditional write surely did not apply: it moves on.
	fakes[use1].set("UpdateItem", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, nil)
	it, err := tb.Update(ctx, Doc{PK: "c", SK: 3}, expression.Set(expression.Name("count"), expression.Value(3)))
	if err != nil || it.Region != euw1 {
		t.Fatalf("throttled Update = %v, %v; want eu-west-1", it.Region, err)
	}
}

func TestCallerFaultsNeitherFailOverNorCount(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	ctx := testCtx(t)
	before := failures(e.mr, use1)
	fakes[use1].set("GetItem", &types.ResourceInUseException{Message: aws.String("caller's fault")}, nil)
	_, err := tb.Get(ctx, Doc{PK: "x", SK: 1})
	var oe *dynamo.OpError
	if !errors.As(err, &oe) || oe.Region != use1 {
		t.Fatalf("err = %v, want OpError in us-east-1", err)
	}
	if fakes[euw1].count("GetItem") != 0 {
		t.Fatal("a caller's error failed over")
	}
	if failures(e.mr, use1) != before {
		t.Fatal("a caller's error counted as a region failure")
	}
}

func TestCancellationIsNotARegionFailure(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	e.rs.Endpoint(string(use1)).Blackhole(true)
	defer e.rs.Endpoint(string(use1)).Blackhole(false)
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	_, err := tb.Get(ctx, Doc{PK: "x", SK: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	if n := failures(e.mr, use1); n != 0 {
		t.Fatalf("us-east-1 failures = %d after the caller's own timeout", n)
	}
	if fakes[euw1].count("GetItem") != 0 {
		t.Fatal("a canceled read failed over")
	}
}

func TestAttemptTimeoutFailsOver(t *testing.T) {
	e := nearestUSE1(t)
	tb := e.table(func(o *dynamo.Options) { o.AttemptTimeout = 100 * time.Millisecond })
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "to", SK: 1}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	e.rs.Endpoint(string(use1)).Blackhole(true)
	defer e.rs.Endpoint(string(use1)).Blackhole(false)
	got, err := tb.Get(ctx, Doc{PK: "to", SK: 1})
	if err != nil || got.Region != euw1 {
		t.Fatalf("Get = %v, %v; want eu-west-1 after the attempt timeout", got.Region, err)
	}
	if failures(e.mr, use1) != 1 {
		t.Fatalf("us-east-1 failures = %d, want 1", failures(e.mr, use1))
	}
}

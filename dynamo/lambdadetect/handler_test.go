package lambdadetect_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/lambdadetect"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	use1 = "us-east-1"
	usw2 = "us-west-2"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// lab starts an MREC global table "docs" (pk S) in use1 and usw2 and a
// ledger table "ledger" (id S).
func lab(t *testing.T) *multiregiontest.DynamoDB {
	t.Helper()
	l, err := multiregiontest.New([]string{use1, usw2}, multiregiontest.WithDynamoDB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	d := l.DynamoDB()
	for _, tb := range []struct{ name, key string }{{"docs", "pk"}, {"ledger", lambdadetect.LedgerKey}} {
		if err := d.CreateTable(testCtx(t), tb.name, multiregiontest.StringKey(tb.key)); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// put writes version ver (lineage lin) of key k in region, stamped as a
// dynamo.Table stamps it.
func put(t *testing.T, d *multiregiontest.DynamoDB, region, k, ver string, lin ...string) {
	t.Helper()
	it := map[string]types.AttributeValue{
		"pk":         &types.AttributeValueMemberS{Value: k},
		"_mr_ver":    &types.AttributeValueMemberS{Value: ver},
		"_mr_origin": &types.AttributeValueMemberS{Value: region},
	}
	if len(lin) > 0 {
		it["_mr_prev"] = &types.AttributeValueMemberS{Value: lin[0]}
		it["_mr_lin"] = &types.AttributeValueMemberS{Value: joinComma(lin)}
	}
	if _, err := d.Client(region).PutItem(testCtx(t), &dynamodb.PutItemInput{TableName: aws.String("docs"), Item: it}); err != nil {
		t.Fatal(err)
	}
}

func joinComma(s []string) string {
	out := s[0]
	for _, x := range s[1:] {
		out += "," + x
	}
	return out
}

// deliveries counts successful handler calls per lost version id.
type deliveries struct {
	mu    sync.Mutex
	by    map[string]int
	fails int // calls to fail before succeeding
	calls int
}

func (d *deliveries) handle(_ context.Context, c dynamo.Conflict) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if d.fails > 0 {
		d.fails--
		return errors.New("downstream unavailable")
	}
	for _, id := range append([]string{c.Lost.Version}, c.LostAncestors...) {
		d.by[id]++
	}
	return nil
}

func handler(t *testing.T, d *multiregiontest.DynamoDB, region string, del *deliveries) *lambdadetect.Handler {
	t.Helper()
	h, err := lambdadetect.New(lambdadetect.Options{
		Table: "docs", Region: multiregion.Region(region), PartitionKey: "pk",
		Ledger: d.Client(use1), LedgerTable: "ledger", Current: d.Client(region),
		Settle: time.Millisecond, Handler: del.handle,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHandlerRetriedBatchesAndDuplicatesDeliverOnce: concurrent versions
// of one key in two regions; the handlers of both regions see the loss,
// the first delivery attempt fails (a batch item failure, so the batch
// comes again), and every batch is also delivered twice. The loss is
// delivered exactly once, and matches the emulator's ground truth.
func TestHandlerRetriedBatchesAndDuplicatesDeliverOnce(t *testing.T) {
	d := lab(t)
	ctx := testCtx(t)
	put(t, d, use1, "k", "a")
	if err := d.Quiesce(ctx); err != nil {
		t.Fatal(err)
	}
	d.PauseReplication(use1)
	d.PauseReplication(usw2)
	put(t, d, use1, "k", "b1", "a")
	put(t, d, usw2, "k", "b2", "a") // never saw b1
	d.ResumeReplication(use1)
	d.ResumeReplication(usw2)
	if err := d.Quiesce(ctx); err != nil {
		t.Fatal(err)
	}
	lost := d.LostWrites("docs")
	if len(lost) != 1 {
		t.Fatalf("ground truth %d lost writes, want 1", len(lost))
	}
	del := &deliveries{by: map[string]int{}, fails: 1}
	failures := 0
	for _, region := range []string{use1, usw2} {
		h := handler(t, d, region, del)
		src, err := d.EventSource(ctx, region, "docs")
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			ev, err := src.Next(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Records) == 0 {
				break
			}
			resp, err := h.Handle(ctx, ev)
			failures += len(resp.BatchItemFailures)
			dup, derr := h.Handle(ctx, ev) // Lambda delivers at least once
			if derr != nil {
				t.Fatal(derr)
			}
			if len(resp.BatchItemFailures) == 0 && len(dup.BatchItemFailures) > 0 {
				t.Fatalf("a duplicate failed: %+v", dup)
			}
			src.Ack(resp, err)
		}
	}
	if failures == 0 {
		t.Fatal("the failing delivery was not reported as a batch item failure")
	}
	want := map[string]string{use1: "b1", usw2: "b2"}[lost[0].Region]
	if len(del.by) != 1 || del.by[want] == 0 {
		t.Fatalf("delivered %v, want %s (lost in %s)", del.by, want, lost[0].Region)
	}
	for id, n := range del.by {
		if n != 1 {
			t.Errorf("version %s delivered %d times", id, n)
		}
	}
	// The ledger holds the loss as delivered, expiring after LedgerTTL.
	out, err := d.Client(use1).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ledger"),
		Key: map[string]types.AttributeValue{lambdadetect.LedgerKey: &types.AttributeValueMemberS{Value: want}}})
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := out.Item[lambdadetect.LedgerTTLAttr].(*types.AttributeValueMemberN)
	st, _ := out.Item["st"].(*types.AttributeValueMemberS)
	if exp == nil || st == nil || st.Value != "delivered" {
		t.Fatalf("ledger entry %v", out.Item)
	}
	at, _ := strconv.ParseInt(exp.Value, 10, 64)
	if ttl := time.Until(time.Unix(at, 0)); ttl < lambdadetect.DefaultLedgerTTL-time.Minute || ttl > lambdadetect.DefaultLedgerTTL {
		t.Errorf("ledger entry expires in %v, want about %v", ttl, lambdadetect.DefaultLedgerTTL)
	}
}

func TestNewRejectsMissingOptions(t *testing.T) {
	_, err := lambdadetect.New(lambdadetect.Options{Table: "docs", Region: use1, PartitionKey: "pk"})
	var oe *dynamo.OptionError
	if !errors.As(err, &oe) || !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("err = %v, want a *dynamo.OptionError", err)
	}
}

// TestHandlerContextEnded: a batch whose settle wait outlives ctx fails
// whole (Lambda retries it), delivering nothing.
func TestHandlerContextEnded(t *testing.T) {
	d := lab(t)
	h, err := lambdadetect.New(lambdadetect.Options{Table: "docs", Region: use1, PartitionKey: "pk",
		Ledger: d.Client(use1), LedgerTable: "ledger", Settle: time.Hour,
		Handler: func(context.Context, dynamo.Conflict) error { t.Error("delivered"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{
		SequenceNumber: "1", ApproximateCreationDateTime: events.SecondsEpochTime{Time: time.Now()},
		Keys:     map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("k")},
		OldImage: map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("k"), "_mr_ver": events.NewStringAttribute("x")},
		NewImage: map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("k"), "_mr_ver": events.NewStringAttribute("y")},
	}}
	if _, err := h.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
}

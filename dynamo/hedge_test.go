package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// A Get whose nearest replica turned slow is hedged to the next replica
// after Hedge.After: the first answer wins, over the wire, and the slow
// replica's cancelled attempt is no failure of it.
func TestHedgedGet(t *testing.T) {
	e := nearestUSE1(t)
	tb := e.table(func(o *dynamo.Options) {
		o.Hedge = &multiregion.Hedge{After: 20 * time.Millisecond}
		o.DisableProbe = true
	})
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "h", SK: 1, Title: "t"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	e.rs.Endpoint(string(use1)).SetLatency(400 * time.Millisecond)

	start := time.Now()
	got, err := tb.Get(ctx, Doc{PK: "h", SK: 1})
	took := time.Since(start)
	if err != nil || got.Region != euw1 || got.Value.Title != "t" {
		t.Fatalf("hedged Get: region %s, %+v, %v; want the hedge in eu-west-1", got.Region, got.Value, err)
	}
	if took >= 400*time.Millisecond {
		t.Fatalf("hedged Get took %v: it waited for the slow replica", took)
	}
	if n := failures(e.mr, use1); n != 0 {
		t.Fatalf("us-east-1 has %d failures: a cancelled hedge loser counted", n)
	}
	t.Logf("FIGURE hedged Get: %v with the nearest replica at +400 ms (hedge after 20 ms)", took.Round(time.Millisecond))

	start = time.Now()
	got, err = tb.Get(ctx, Doc{PK: "h", SK: 1}, dynamo.WithHedge(multiregion.HedgeOff))
	if err != nil || got.Region != use1 || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("unhedged Get: region %s after %v, %v; want us-east-1, slow", got.Region, time.Since(start), err)
	}
}

func TestHedgeAndPreferBadInput(t *testing.T) {
	e := nearestUSE1(t)
	_, err := dynamo.New[Doc](testCtx(t), e.mr, tableName, func(o *dynamo.Options) {
		o.Hedge = &multiregion.Hedge{After: -time.Millisecond}
	})
	var oe *multiregion.OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("a negative hedge delay: %v, want *multiregion.OptionError", err)
	}
	_, err = dynamo.New[Doc](testCtx(t), e.mr, tableName, func(o *dynamo.Options) {
		o.Hedge = &multiregion.Hedge{Budget: 2}
	})
	if !errors.As(err, &oe) {
		t.Fatalf("a budget of 2: %v, want *multiregion.OptionError", err)
	}
	tb := e.table()
	if _, err := tb.Get(testCtx(t), Doc{PK: "x", SK: 1}, dynamo.PreferRegion("ap-south-1")); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("preferring a region without a replica: %v", err)
	}
	_, err = tb.Get(testCtx(t), Doc{PK: "x", SK: 1}, dynamo.PreferRegion(euw1))
	var ope *dynamo.OpError
	if !errors.Is(err, dynamo.ErrNotFound) || !errors.As(err, &ope) || ope.Region != euw1 {
		t.Fatalf("preferring eu-west-1 (the farther): %v, want not found, answered by eu-west-1", err)
	}
}

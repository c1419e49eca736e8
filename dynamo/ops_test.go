package dynamo_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

func TestPutIfVersion(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	m0, err := tb.PutIfVersion(ctx, Doc{PK: "v", SK: 1, Title: "first"}, "", dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.PutIfVersion(ctx, Doc{PK: "v", SK: 1, Title: "dup create"}, "", dynamo.InRegion(use1))
	var vm *dynamo.VersionMismatchError
	if !errors.As(err, &vm) || vm.Actual != m0.Version || vm.Expected != "" || !errors.Is(err, dynamo.ErrVersionMismatch) {
		t.Fatalf("create over existing: err = %v, want VersionMismatchError{Actual: %s}", err, m0.Version)
	}
	got, err := tb.Get(ctx, Doc{PK: "v", SK: 1}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	m1, err := tb.PutIfVersion(ctx, Doc{PK: "v", SK: 1, Title: "second"}, got.Meta.Version, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if m1.Prev != m0.Version {
		t.Fatalf("Prev = %s, want %s", m1.Prev, m0.Version)
	}
	// A stale version (what the caller read before "second") is refused.
	_, err = tb.PutIfVersion(ctx, Doc{PK: "v", SK: 1, Title: "stale"}, got.Meta.Version, dynamo.InRegion(use1))
	if !errors.As(err, &vm) || vm.Expected != got.Meta.Version || vm.Actual != m1.Version || vm.Region != use1 {
		t.Fatalf("stale PutIfVersion: err = %v", err)
	}
	if item := e.rawGet(use1, "v", 1); attrS(item, "title") != "second" {
		t.Fatalf("item after refused write: title %q", attrS(item, "title"))
	}
}

func TestUpdateAndCondition(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	key := Doc{PK: "u", SK: 1}
	it, err := tb.Update(ctx, key, expression.Set(expression.Name("count"), expression.Value(5)), dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if it.Value.Count != 5 || it.Meta.Version == "" || it.Meta.Origin != use1 {
		t.Fatalf("Update = %+v", it)
	}
	upd := expression.Set(expression.Name("count"), expression.Name("count").Plus(expression.Value(1))).
		Remove(expression.Name("title"))
	it2, err := tb.Update(ctx, key, upd, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if it2.Value.Count != 6 || it2.Meta.Prev != it.Meta.Version {
		t.Fatalf("second Update = %+v, want count 6 after %s", it2, it.Meta.Version)
	}
	cond := expression.Name("count").GreaterThan(expression.Value(100))
	_, err = tb.Update(ctx, key, upd, dynamo.InRegion(use1), dynamo.WithCondition(cond))
	var cf *dynamo.ConditionFailedError
	if !errors.As(err, &cf) || !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("Update with false condition: err = %v, want ConditionFailedError", err)
	}
	if got := attrN(e.rawGet(use1, "u", 1), "count"); got != "6" {
		t.Fatalf("count after refused update = %s, want 6", got)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	m, err := tb.Put(ctx, Doc{PK: "d", SK: 1, Count: 1}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tb.Delete(ctx, Doc{PK: "d", SK: 1}, dynamo.InRegion(use1), dynamo.WithCondition(expression.Name("count").Equal(expression.Value(2))))
	if !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("conditional Delete: err = %v", err)
	}
	gone, err := tb.Delete(ctx, Doc{PK: "d", SK: 1}, dynamo.InRegion(use1))
	if err != nil || gone != m.Version {
		t.Fatalf("Delete = %q, %v; want %s", gone, err, m.Version)
	}
	if _, err := tb.Get(ctx, Doc{PK: "d", SK: 1}, dynamo.InRegion(use1)); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func TestQueryPages(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	for i := 1; i <= 5; i++ {
		if _, err := tb.Put(ctx, Doc{PK: "q", SK: i, Count: i * 10}, dynamo.InRegion(use1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tb.Put(ctx, Doc{PK: "other", SK: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	q := dynamo.QueryInput{
		KeyCondition: expression.Key("pk").Equal(expression.Value("q")).And(expression.Key("sk").GreaterThanEqual(expression.Value(2))),
		Limit:        2, Descending: true,
	}
	var sks []int
	for page := 0; ; page++ {
		out, err := tb.Query(ctx, q, dynamo.InRegion(use1), dynamo.WithConsistentRead(true))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			sks = append(sks, it.Value.SK)
			if it.Meta.Version == "" || it.Value.Count != it.Value.SK*10 {
				t.Fatalf("item %+v", it)
			}
		}
		if out.LastKey == nil || page > 5 {
			break
		}
		q.StartKey = out.LastKey
	}
	if !slices.Equal(sks, []int{5, 4, 3, 2}) {
		t.Fatalf("Query sort keys = %v, want [5 4 3 2]", sks)
	}
	f := expression.Name("count").GreaterThan(expression.Value(30))
	out, err := tb.Query(ctx, dynamo.QueryInput{KeyCondition: expression.Key("pk").Equal(expression.Value("q")), Filter: &f}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 2 {
		t.Fatalf("filtered Query = %d items, want 2", len(out.Items))
	}
}

func TestBatchWriteAndGet(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	var puts []Doc
	var keys []any
	for i := range 60 {
		puts = append(puts, Doc{PK: "b", SK: i, Count: i})
		keys = append(keys, Doc{PK: "b", SK: i})
	}
	metas, err := tb.BatchWrite(ctx, puts, nil, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if len(metas) != 60 || metas[59].Version == "" || metas[0].Origin != use1 {
		t.Fatalf("metas = %d, last %+v", len(metas), metas[59])
	}
	// Overwrite a few and delete a few: Prev must name the versions replaced.
	metas2, err := tb.BatchWrite(ctx, puts[:3], []any{Doc{PK: "b", SK: 10}, Doc{PK: "b", SK: 11}}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range metas2 {
		if m.Prev != metas[i].Version {
			t.Fatalf("put %d: Prev %s, want %s", i, m.Prev, metas[i].Version)
		}
	}
	items, err := tb.BatchGet(ctx, append(keys, Doc{PK: "b", SK: 0}), dynamo.InRegion(use1), dynamo.WithConsistentRead(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 58 {
		t.Fatalf("BatchGet = %d items, want 58", len(items))
	}
	_, err = tb.BatchWrite(ctx, puts[:1], []any{Doc{PK: "b", SK: 0}})
	if !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("duplicate key in batch: err = %v", err)
	}
}

func TestTransactWriteMREC(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "t", SK: 1, Count: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	// Two operations on one item: DynamoDB's validation, the caller's fault.
	_, err := tb.TransactWrite(ctx, []dynamo.TxOp{
		tb.TxUpdate(Doc{PK: "t", SK: 1}, expression.Set(expression.Name("count"), expression.Value(7))),
		tb.TxCheck(Doc{PK: "t", SK: 1}, expression.Name("count").Equal(expression.Value(1))),
	}, dynamo.InRegion(use1))
	var oe *dynamo.OpError
	var re *multiregion.RegionError
	if !errors.As(err, &oe) || errors.As(err, &re) {
		t.Fatalf("invalid transaction: err = %v, want an OpError (no failover)", err)
	}
	res, err := tb.TransactWrite(ctx, []dynamo.TxOp{
		tb.TxPut(Doc{PK: "t", SK: 2, Count: 2}),
		tb.TxUpdate(Doc{PK: "t", SK: 1}, expression.Set(expression.Name("count"), expression.Value(7))),
		tb.TxCheck(Doc{PK: "t", SK: 3}, expression.AttributeNotExists(expression.Name("pk"))),
	}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Region != use1 || res.Versions[0].Version == "" || res.Versions[1].Prev == "" {
		t.Fatalf("result = %+v", res)
	}
	if got := attrN(e.rawGet(use1, "t", 1), "count"); got != "7" {
		t.Fatalf("count = %s, want 7", got)
	}
	_, err = tb.TransactWrite(ctx, []dynamo.TxOp{
		tb.TxPut(Doc{PK: "t", SK: 4}),
		tb.TxCheck(Doc{PK: "t", SK: 1}, expression.Name("count").Equal(expression.Value(0))),
	}, dynamo.InRegion(use1))
	if !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("failed check: err = %v", err)
	}
	if e.rawGet(use1, "t", 4) != nil {
		t.Fatal("canceled transaction wrote its put")
	}
	got, err := tb.TransactGet(ctx, []any{Doc{PK: "t", SK: 1}, Doc{PK: "t", SK: 9}}, dynamo.InRegion(use1))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil || got[0].Value.Count != 7 || got[1] != nil {
		t.Fatalf("TransactGet = %v", got)
	}
}

package dynamo_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// TestDeleteLossesBothWays builds each case deterministically with
// replication paused: a put lost to a later delete, and a delete lost to
// a later put. Each is one conflict naming both versions.
func TestDeleteLossesBothWays(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	base := map[string]dynamo.Meta{}
	for _, pk := range []string{"putlost", "dellost"} {
		m, err := tb.Put(ctx, Doc{PK: pk, SK: 1}, dynamo.InRegion(use1))
		if err != nil {
			t.Fatal(err)
		}
		base[pk] = m
	}
	e.quiesce()
	e.emu.PauseReplication(string(use1))
	e.emu.PauseReplication(string(euw1))
	p, err := tb.Put(ctx, Doc{PK: "putlost", SK: 1, Title: "lost"}, dynamo.InRegion(euw1))
	if err != nil {
		t.Fatal(err)
	}
	if gone, err := tb.Delete(ctx, Doc{PK: "putlost", SK: 1}, dynamo.InRegion(use1)); err != nil || gone != base["putlost"].Version {
		t.Fatalf("Delete = %q, %v", gone, err)
	}
	if _, err := tb.Delete(ctx, Doc{PK: "dellost", SK: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	w, err := tb.Put(ctx, Doc{PK: "dellost", SK: 1, Title: "back"}, dynamo.InRegion(euw1))
	if err != nil {
		t.Fatal(err)
	}
	e.emu.ResumeReplication(string(use1))
	e.emu.ResumeReplication(string(euw1))
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cs := col.snapshot()
	if len(cs) != 2 || len(e.emu.LostWrites(tableName)) != 2 {
		t.Fatalf("conflicts %+v, ground truth %d; want 2 and 2", cs, len(e.emu.LostWrites(tableName)))
	}
	for _, c := range cs {
		switch pk := attrS(c.Key, "pk"); pk {
		case "putlost": // B's put lost to A's later delete: the winner is the tombstone
			if c.Lost.Version != p.Version || c.Lost.Origin != euw1 || c.Lost.Deleted ||
				!c.Winner.Deleted || c.Winner.Origin != use1 || c.Winner.Prev != base[pk].Version || c.Winner.HLC.IsZero() {
				t.Errorf("put lost to a delete: %+v", c)
			}
		case "dellost": // A's delete lost to B's later put: the lost version is the tombstone
			if !c.Lost.Deleted || c.Lost.Origin != use1 || c.Lost.Prev != base[pk].Version ||
				c.Winner.Version != w.Version || c.Winner.Deleted || c.Winner.Origin != euw1 {
				t.Errorf("delete lost to a put: %+v", c)
			}
		default:
			t.Errorf("conflict on %q", pk)
		}
	}
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		if _, err := tb.Get(ctx, Doc{PK: "putlost", SK: 1}, dynamo.InRegion(multiregion.Region(r))); !errors.Is(err, dynamo.ErrNotFound) {
			t.Errorf("putlost in %s: %v, want not found", r, err)
		}
		if it, err := tb.Get(ctx, Doc{PK: "dellost", SK: 1}, dynamo.InRegion(multiregion.Region(r))); err != nil || it.Value.Title != "back" {
			t.Errorf("dellost in %s: %+v, %v", r, it, err)
		}
	}
}

// TestTombstonesAreNotItems: a deleted item is absent for every read, and
// a later write replaces its tombstone, naming it as Prev.
func TestTombstonesAreNotItems(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	in := dynamo.InRegion(use1)
	for sk := 1; sk <= 4; sk++ {
		if _, err := tb.Put(ctx, Doc{PK: "t", SK: sk, Count: sk}, in); err != nil {
			t.Fatal(err)
		}
	}
	for sk := 2; sk <= 4; sk++ {
		if _, err := tb.Delete(ctx, Doc{PK: "t", SK: sk}, in); err != nil {
			t.Fatal(err)
		}
	}
	raw := e.rawGet(use1, "t", 2)
	tomb := attrS(raw, "_mr_ver")
	if b, ok := raw["_mr_del"].(*types.AttributeValueMemberBOOL); !ok || !b.Value || tomb == "" || attrN(raw, "count") != "" {
		t.Fatalf("stored tombstone = %v", raw)
	}
	if gone, err := tb.Delete(ctx, Doc{PK: "t", SK: 2}, in); err != nil || gone != "" || attrS(e.rawGet(use1, "t", 2), "_mr_ver") != tomb {
		t.Fatalf("second Delete = %q, %v; it must write nothing", gone, err)
	}
	if _, err := tb.Get(ctx, Doc{PK: "t", SK: 2}, in); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get of a tombstone: %v", err)
	}
	q, err := tb.Query(ctx, dynamo.QueryInput{KeyCondition: expression.Key("pk").Equal(expression.Value("t"))}, in)
	if err != nil || len(q.Items) != 1 || q.Items[0].Value.SK != 1 {
		t.Fatalf("Query = %+v, %v; want only sk 1", q, err)
	}
	keys := []any{Doc{PK: "t", SK: 1}, Doc{PK: "t", SK: 2}}
	if b, err := tb.BatchGet(ctx, keys, in); err != nil || len(b) != 1 || b[0].Value.SK != 1 {
		t.Fatalf("BatchGet = %+v, %v", b, err)
	}
	if tg, err := tb.TransactGet(ctx, keys, in); err != nil || tg[0] == nil || tg[1] != nil {
		t.Fatalf("TransactGet = %+v, %v", tg, err)
	}
	// A caller's condition sees no item, key attributes included.
	exists := dynamo.WithCondition(expression.AttributeExists(expression.Name("pk")))
	if _, err := tb.Delete(ctx, Doc{PK: "t", SK: 2}, in, exists); !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("Delete if exists of a tombstone: %v", err)
	}
	if _, err := tb.Delete(ctx, Doc{PK: "t", SK: 2}, in, dynamo.WithCondition(expression.AttributeNotExists(expression.Name("pk")))); err != nil {
		t.Fatalf("Delete if not exists of a tombstone: %v", err)
	}
	set := expression.Set(expression.Name("count"), expression.Value(7))
	if _, err := tb.Update(ctx, Doc{PK: "t", SK: 3}, set, in, exists); !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("Update if exists of a tombstone: %v", err)
	}
	// Writes over a tombstone start from no item and descend from it.
	m, err := tb.Put(ctx, Doc{PK: "t", SK: 2, Count: 20}, in)
	if err != nil || m.Prev != tomb {
		t.Fatalf("Put over a tombstone: %+v, %v; want Prev %s", m, err, tomb)
	}
	it, err := tb.Update(ctx, Doc{PK: "t", SK: 3}, set, in)
	if err != nil || it.Value.Count != 7 || it.Meta.Deleted {
		t.Fatalf("Update over a tombstone: %+v, %v", it, err)
	}
	if raw := e.rawGet(use1, "t", 3); raw["_mr_del"] != nil {
		t.Fatalf("Update left the tombstone flag: %v", raw)
	}
	if _, err := tb.PutIfVersion(ctx, Doc{PK: "t", SK: 4, Count: 40}, "", in); err != nil {
		t.Fatalf("PutIfVersion(\"\") over a tombstone: %v", err)
	}
}

// TestForeignTombstoneIsReplaced: a tombstone the Table did not write in
// this run (another process, another version of the code) is overwritten
// by a Put that names it as Prev.
func TestForeignTombstoneIsReplaced(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	_, err := e.raw[use1].PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "f"}, "sk": &types.AttributeValueMemberN{Value: "1"},
		"_mr_ver": &types.AttributeValueMemberS{Value: "deadbeef"}, "_mr_origin": &types.AttributeValueMemberS{Value: "us-east-1"},
		"_mr_del": &types.AttributeValueMemberBOOL{Value: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, Doc{PK: "f", SK: 1}, dynamo.InRegion(use1)); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	m, err := tb.Put(ctx, Doc{PK: "f", SK: 1}, dynamo.InRegion(use1))
	if err != nil || m.Prev != "deadbeef" {
		t.Fatalf("Put = %+v, %v", m, err)
	}
}

// TestBatchWriteDeleteWritesTombstone: a BatchWrite delete is a tombstone
// too (MREC), and deleting what is already gone writes nothing.
func TestBatchWriteDeleteWritesTombstone(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	in := dynamo.InRegion(use1)
	if _, err := tb.BatchWrite(ctx, []Doc{{PK: "b", SK: 1}}, nil, in); err != nil {
		t.Fatal(err)
	}
	writes := len(e.emu.Writes())
	if _, err := tb.BatchWrite(ctx, nil, []any{Doc{PK: "b", SK: 1}, Doc{PK: "b", SK: 2}}, in); err != nil {
		t.Fatal(err)
	}
	if b, ok := e.rawGet(use1, "b", 1)["_mr_del"].(*types.AttributeValueMemberBOOL); !ok || !b.Value {
		t.Fatal("no tombstone after a BatchWrite delete")
	}
	if n := len(e.emu.Writes()) - writes; n != 1 {
		t.Fatalf("BatchWrite of 2 deletes (1 absent) wrote %d versions, want 1", n)
	}
	if _, err := tb.Get(ctx, Doc{PK: "b", SK: 1}, in); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
}

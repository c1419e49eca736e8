package dynamo_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/regionkit/multiregion/dynamo"
)

// TestTransactionReasons: cancellations are read by reason code.
func TestTransactionReasons(t *testing.T) {
	e := nearestUSE1(t) // the unpinned call below must start in us-east-1
	tb := e.table(func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true })
	ctx := testCtx(t)
	pin := dynamo.InRegion(use1)
	ops := func() []dynamo.TxOp {
		return []dynamo.TxOp{tb.TxPut(Doc{PK: "tx", SK: 1, Title: "a"}), tb.TxPut(Doc{PK: "tx", SK: 2, Title: "b"})}
	}
	// TransactionConflict: retried in place, then applied.
	e.emu.CancelNextTransaction(string(use1), "", "TransactionConflict")
	e.emu.CancelNextTransaction(string(use1), "TransactionConflict")
	if _, err := tb.TransactWrite(ctx, ops(), pin); err != nil {
		t.Fatalf("after two conflicts: %v", err)
	}
	if attrS(e.rawGet(use1, "tx", 2), "title") != "b" {
		t.Fatal("transaction not applied after the conflicts")
	}
	// ThrottlingError: not applied, typed, retryable.
	e.emu.CancelNextTransaction(string(use1), "ThrottlingError", "ThrottlingError")
	_, err := tb.TransactWrite(ctx, []dynamo.TxOp{tb.TxPut(Doc{PK: "tx", SK: 1, Title: "throttled"})}, pin)
	var te *dynamo.TransactionCanceledError
	if !errors.Is(err, dynamo.ErrThrottled) || !errors.As(err, &te) || !te.Throttled() || errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("throttled: err = %v", err)
	}
	if attrS(e.rawGet(use1, "tx", 1), "title") != "a" {
		t.Fatal("a throttled transaction was applied")
	}
	// Unpinned, a throttled region is left for the next one (not applied).
	e.emu.CancelNextTransaction(string(use1), "ThrottlingError")
	res, err := tb.TransactWrite(ctx, []dynamo.TxOp{tb.TxPut(Doc{PK: "tx", SK: 3})})
	if err != nil || res.Region != euw1 {
		t.Fatalf("throttled in us-east-1, unpinned: %+v, %v", res, err)
	}
	// Conflicts that never end: ErrTransactionConflict after the retries.
	for range dynamo.DefaultConflictRetries + 1 {
		e.emu.CancelNextTransaction(string(use1), "TransactionConflict")
	}
	_, err = tb.TransactWrite(ctx, ops(), pin)
	if !errors.Is(err, dynamo.ErrTransactionConflict) || !errors.As(err, &te) || te.Attempts != dynamo.DefaultConflictRetries+1 {
		t.Fatalf("endless conflicts: err = %v", err)
	}
	// ConditionalCheckFailed of the caller's check names the item.
	_, err = tb.TransactWrite(ctx, []dynamo.TxOp{
		tb.TxPut(Doc{PK: "tx", SK: 4}),
		tb.TxCheck(Doc{PK: "tx", SK: 99}, expression.AttributeExists(expression.Name("pk"))),
	}, pin)
	if !errors.Is(err, dynamo.ErrConditionFailed) || !errors.As(err, &te) || len(te.Reasons) != 1 ||
		te.Reasons[0].Index != 1 || te.Reasons[0].Op != "check" || te.Reasons[0].Code != dynamo.ReasonConditionalCheckFailed {
		t.Fatalf("failed check: err = %v", err)
	}
}

// TestTxDeleteWritesTombstone: TxDelete writes a tombstone version over
// the item, like Delete, so the item reads as gone and a write after it
// names it as Prev.
func TestTxDeleteWritesTombstone(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table(func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true })
	ctx := testCtx(t)
	pin := dynamo.InRegion(use1)
	m0, err := tb.Put(ctx, Doc{PK: "txd", SK: 1}, pin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tb.TransactWrite(ctx, []dynamo.TxOp{tb.TxDelete(Doc{PK: "txd", SK: 1}), tb.TxPut(Doc{PK: "txd", SK: 2})}, pin); err != nil {
		t.Fatal(err)
	}
	raw := e.rawGet(use1, "txd", 1)
	if raw == nil || attrS(raw, "_mr_prev") != m0.Version {
		t.Fatalf("after TxDelete: raw item %v, want a tombstone over %s", raw, m0.Version)
	}
	if _, err := tb.Get(ctx, Doc{PK: "txd", SK: 1}, pin); !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get after TxDelete: %v", err)
	}
	// A TxDelete whose condition fails on the tombstone (an absent item).
	_, err = tb.TransactWrite(ctx, []dynamo.TxOp{tb.TxDelete(Doc{PK: "txd", SK: 1}, expression.AttributeExists(expression.Name("pk")))}, pin)
	var te *dynamo.TransactionCanceledError
	if !errors.Is(err, dynamo.ErrConditionFailed) || !errors.As(err, &te) || te.Reasons[0].Op != "delete" {
		t.Fatalf("conditional TxDelete of a deleted item: %v", err)
	}
}

// TestConditionalDeleteReasons: a conditional Delete of an absent item is
// a one-item transaction check, read by reason code like TransactWrite.
func TestConditionalDeleteReasons(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table(func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true })
	ctx := testCtx(t)
	cond := dynamo.WithCondition(expression.AttributeNotExists(expression.Name("pk")))
	e.emu.CancelNextTransaction(string(use1), "TransactionConflict")
	if _, err := tb.Delete(ctx, Doc{PK: "cd", SK: 1}, cond, dynamo.InRegion(use1)); err != nil {
		t.Fatalf("conditional Delete after a conflict: %v", err)
	}
	e.emu.CancelNextTransaction(string(use1), "ThrottlingError")
	_, err := tb.Delete(ctx, Doc{PK: "cd", SK: 1}, cond, dynamo.InRegion(use1))
	if !errors.Is(err, dynamo.ErrThrottled) || errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("throttled conditional Delete: %v", err)
	}
	_, err = tb.Delete(ctx, Doc{PK: "cd", SK: 1}, dynamo.WithCondition(expression.AttributeExists(expression.Name("pk"))), dynamo.InRegion(use1))
	if !errors.Is(err, dynamo.ErrConditionFailed) {
		t.Fatalf("failed condition: %v", err)
	}
}

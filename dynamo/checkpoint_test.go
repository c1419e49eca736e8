package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// loseWrites makes n losses, deterministically: with replication paused
// both ways, one region writes and the other then writes or deletes the
// same key (the later one wins everywhere).
func loseWrites(t *testing.T, e *env, tb *dynamo.Table[Doc], prefix string, n int) {
	t.Helper()
	ctx := testCtx(t)
	for i := range n {
		pk := prefix + string(rune('a'+i))
		if err := putOrDelete(ctx, tb, pk, use1, false, i); err != nil {
			t.Fatal(err)
		}
		e.quiesce()
		e.emu.PauseReplication(string(use1))
		e.emu.PauseReplication(string(euw1))
		first, second := use1, euw1
		if i%2 == 1 {
			first, second = euw1, use1
		}
		if err := putOrDelete(ctx, tb, pk, first, false, i); err != nil {
			t.Fatal(err)
		}
		if err := putOrDelete(ctx, tb, pk, second, i%3 == 0, i); err != nil {
			t.Fatal(err)
		}
		e.emu.ResumeReplication(string(use1))
		e.emu.ResumeReplication(string(euw1))
		e.quiesce()
	}
}

func truthByRegion(e *env) map[string]int {
	m := map[string]int{}
	for _, w := range e.emu.LostWrites(tableName) {
		m[w.Region]++
	}
	return m
}

// watch opens a Table with opts, flushes it, closes it and returns what
// it surfaced.
func watch(t *testing.T, e *env, opts ...func(*dynamo.Options)) (int, map[string]int) {
	t.Helper()
	var col collector
	tb := e.table(append(opts, dynamo.WithConflictHandler(col.handle))...)
	if err := tb.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	return lostWrites(t, col.snapshot())
}

// TestCheckpointSurfacesLossesWhileNobodyWatched: a Table watches and
// closes; losses happen with no Table reading the streams; a new Table
// with the same Checkpointer surfaces exactly those, once. A Table
// starting at TRIM_HORIZON surfaces all of them, one starting at LATEST
// none.
func TestCheckpointSurfacesLossesWhileNobodyWatched(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	writer := e.table(func(o *dynamo.Options) { o.DisableConflictDetection = true })
	cp := dynamo.NewMemoryCheckpointer()

	var col collector
	tb1 := e.table(dynamo.WithConflictHandler(col.handle), dynamo.WithCheckpointer(cp))
	loseWrites(t, e, writer, "seen-", 3)
	if err := tb1.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if err := tb1.Close(); err != nil {
		t.Fatal(err)
	}
	before := truthByRegion(e)
	if n, _ := lostWrites(t, col.snapshot()); n != 3 || before[string(use1)]+before[string(euw1)] != 3 {
		t.Fatalf("while watched: surfaced %d, ground truth %v; want 3", n, before)
	}

	loseWrites(t, e, writer, "unseen-", 5)
	after := truthByRegion(e)
	gap := map[string]int{}
	total := 0
	for r, n := range after {
		if d := n - before[r]; d > 0 {
			gap[r], total = d, total+d
		}
	}
	n, by := watch(t, e, dynamo.WithCheckpointer(cp))
	t.Logf("losses while no Table watched = %d %v; resumed from checkpoint: surfaced %d %v", total, gap, n, by)
	if n != total || total != 5 {
		t.Fatalf("resumed Table surfaced %d, want %d", n, total)
	}
	for r, want := range gap {
		if by[r] != want {
			t.Errorf("region %s: surfaced %d, want %d", r, by[r], want)
		}
	}
	if n, _ := watch(t, e, dynamo.WithCheckpointer(cp)); n != 0 {
		t.Fatalf("a third Table with the checkpointer surfaced %d again", n)
	}
	if n, _ := watch(t, e, dynamo.WithStreamStart(dynamo.StreamStartTrimHorizon)); n != 8 {
		t.Fatalf("TRIM_HORIZON surfaced %d, want all 8", n)
	}
	if n, _ := watch(t, e); n != 0 {
		t.Fatalf("LATEST surfaced %d, want 0", n)
	}
}

// TestMemoryCheckpointer: positions per shard, safe for concurrent use.
func TestMemoryCheckpointer(t *testing.T) {
	cp := dynamo.NewMemoryCheckpointer()
	ctx := context.Background()
	k := dynamo.ShardKey{Table: "t", Region: multiregion.Region("us-east-1"), StreamARN: "arn", ShardID: "s1"}
	if _, ok, err := cp.Load(ctx, k); ok || err != nil {
		t.Fatalf("empty Load: %v %v", ok, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			_ = cp.Save(ctx, dynamo.ShardKey{ShardID: "other"}, "1")
		}
	}()
	if err := cp.Save(ctx, k, "42"); err != nil {
		t.Fatal(err)
	}
	<-done
	if seq, ok, _ := cp.Load(ctx, k); !ok || seq != "42" {
		t.Fatalf("Load = %q, %v", seq, ok)
	}
}

// TestCheckpointWaitsForHeldClaims: a loss read but still held by the
// settle window when the Table closes is not checkpointed past, so the
// next Table with the same Checkpointer reads and surfaces it.
func TestCheckpointWaitsForHeldClaims(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	writer := e.table(func(o *dynamo.Options) { o.DisableConflictDetection = true })
	cp := dynamo.NewMemoryCheckpointer()
	var col collector
	tb1 := e.table(dynamo.WithConflictHandler(col.handle), dynamo.WithCheckpointer(cp),
		func(o *dynamo.Options) { o.ConflictSettle = time.Hour })
	loseWrites(t, e, writer, "held-", 2)
	time.Sleep(100 * time.Millisecond) // many polling rounds: the records are read and claimed, not delivered
	if err := tb1.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(col.snapshot()); n != 0 {
		t.Fatalf("delivered %d within the settle window", n)
	}
	if n, _ := watch(t, e, dynamo.WithCheckpointer(cp)); n != 2 {
		t.Fatalf("next Table surfaced %d, want the 2 held losses", n)
	}
}

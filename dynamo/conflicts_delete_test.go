package dynamo_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/testutil/globaltable"
)

// putOrDelete runs a Put (del false) or a Delete of key pk/1 in r.
func putOrDelete(ctx context.Context, tb *dynamo.Table[Doc], pk string, r multiregion.Region, del bool, n int) error {
	if del {
		_, err := tb.Delete(ctx, Doc{PK: pk, SK: 1}, dynamo.InRegion(r))
		return err
	}
	_, err := tb.Put(ctx, Doc{PK: pk, SK: 1, By: string(r), Count: n}, dynamo.InRegion(r))
	return err
}

// checkExact compares the surfaced conflicts with the emulator's ground
// truth, in total and per origin region, and returns a summary.
func checkExact(t *testing.T, e *env, cs []dynamo.Conflict) (truth, surfaced int, truthBy, surfacedBy map[string]int) {
	t.Helper()
	lost := e.emu.LostWrites(tableName)
	truthBy = map[string]int{}
	for _, w := range lost {
		truthBy[w.Region]++
	}
	surfaced, surfacedBy = lostWrites(t, cs)
	if surfaced != len(lost) {
		t.Errorf("surfaced %d lost writes, ground truth %d", surfaced, len(lost))
	}
	for r, n := range truthBy {
		if surfacedBy[r] != n {
			t.Errorf("region %s: surfaced %d, ground truth %d", r, surfacedBy[r], n)
		}
	}
	// A Table never sends DeleteItem in MREC (a Delete writes a tombstone
	// version), so the emulator's silent tombstone for a delete of a
	// missing item never enters the ground truth.
	for _, w := range e.emu.Writes() {
		if w.Kind == globaltable.WriteDelete {
			t.Fatalf("the emulator saw a DeleteItem: %+v", w)
		}
	}
	return len(lost), surfaced, truthBy, surfacedBy
}

// TestFigureConcurrentPutsAndDeletesAllLossesSurfaced: 1,000 rounds in
// which each of two regions puts or deletes (seeded coin) one key after a
// random 0-5 ms offset, over 2 ms replication. Every write or delete that
// last writer wins discarded must be surfaced exactly once.
func TestFigureConcurrentPutsAndDeletesAllLossesSurfaced(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 rounds")
	}
	opts := mrec(use1, euw1)
	opts.ReplicationDelay = 2 * time.Millisecond
	e := newEnv(t, opts)
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const rounds = 1000
	regions := []multiregion.Region{use1, euw1}
	deletes := 0
	for round := range rounds {
		var offsets [2]time.Duration
		var del [2]bool
		for i := range regions {
			offsets[i] = time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
			del[i] = rng.IntN(2) == 0
			if del[i] {
				deletes++
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, r := range regions {
			wg.Go(func() {
				time.Sleep(offsets[i])
				errs[i] = putOrDelete(ctx, tb, "hotdel", r, del[i], round)
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cs := col.snapshot()
	truth, surfaced, truthBy, surfacedBy := checkExact(t, e, cs)
	var lostDeletes, wonByDelete int
	for _, c := range cs {
		if c.Lost.Deleted {
			lostDeletes++
		}
		if c.Winner.Deleted {
			wonByDelete++
		}
	}
	t.Logf("FIGURE concurrent put/delete: %d rounds x 2 regions = %d ops (%d deletes); versions written = %d; lost (emulator ground truth) = %d %v; conflicts surfaced = %d %v in %d reports (%d lost deletes, %d losses to a delete)",
		rounds, 2*rounds, deletes, len(e.emu.Writes()), truth, truthBy, surfaced, surfacedBy, len(cs), lostDeletes, wonByDelete)
	if lostDeletes == 0 || wonByDelete == 0 {
		t.Fatal("the test did not exercise losses involving deletes both ways")
	}
}

// TestFigureSequentialPutsAndDeletesNoFalseConflict: 1,000 puts and
// deletes (seeded coin) alternating between regions, each after the
// previous one replicated, lose nothing and must report nothing.
func TestFigureSequentialPutsAndDeletesNoFalseConflict(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 steps")
	}
	opts := mrec(use1, euw1)
	opts.ReplicationDelay = time.Millisecond
	e := newEnv(t, opts)
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(7, 8))
	const steps = 1000
	regions := []multiregion.Region{use1, euw1}
	deletes, lastDel := 0, false
	for i := range steps {
		lastDel = rng.IntN(2) == 0
		if lastDel {
			deletes++
		}
		if err := putOrDelete(ctx, tb, "seqdel", regions[i%2], lastDel, i); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		e.quiesce()
	}
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		_, err := tb.Get(ctx, Doc{PK: "seqdel", SK: 1}, dynamo.InRegion(r), dynamo.WithConsistentRead(true))
		if lastDel != errors.Is(err, dynamo.ErrNotFound) {
			t.Fatalf("final Get in %s: %v after a last delete = %v", r, err, lastDel)
		}
	}
	truth := e.emu.LostWrites(tableName)
	surfaced, _ := lostWrites(t, col.snapshot())
	t.Logf("FIGURE sequential put/delete: %d cross-region steps (%d deletes); versions written = %d; lost (ground truth) = %d; conflicts surfaced = %d",
		steps, deletes, len(e.emu.Writes()), len(truth), surfaced)
	if len(truth) != 0 || surfaced != 0 {
		t.Fatalf("lost %d, surfaced %d; want 0 and 0", len(truth), surfaced)
	}
}

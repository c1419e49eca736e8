package dynamo_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
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

// requireNoDeleteItem fails the test if the emulator saw a DeleteItem. A
// Table never sends one in MREC (a Delete writes a tombstone version), so
// the emulator's silent tombstone for a delete of a missing item never
// enters the ground truth.
func requireNoDeleteItem(t *testing.T, e *env) {
	t.Helper()
	for _, w := range e.emu.Writes() {
		if w.Kind == globaltable.WriteDelete {
			t.Fatalf("the emulator saw a DeleteItem: %+v", w)
		}
	}
}

// TestFigureConcurrentPutsAndDeletesAllLossesSurfaced: 1,000 rounds in
// which each of two regions puts or deletes (seeded coin) one key after a
// random 0-5 ms offset, over 2 ms replication. Every write or delete that
// last writer wins discarded must be surfaced exactly once.
func TestFigureConcurrentPutsAndDeletesAllLossesSurfaced(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 rounds")
	}
	regions := []multiregion.Region{use1, euw1}
	e, tb, col := conflictEnv(t, 2*time.Millisecond, regions...)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const rounds = 1000
	deletes := 0
	for round := range rounds {
		offsets := make([]time.Duration, len(regions))
		del := make([]bool, len(regions))
		for i := range regions {
			offsets[i] = time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
			del[i] = rng.IntN(2) == 0
			if del[i] {
				deletes++
			}
		}
		writeConcurrently(t, round, regions, offsets, func(i int, r multiregion.Region) error {
			return putOrDelete(ctx, tb, "hotdel", r, del[i], round)
		})
	}
	l := settledLosses(ctx, t, e, tb, col)
	l.requireExact(t)
	requireNoDeleteItem(t, e)
	var lostDeletes, wonByDelete int
	for _, c := range l.conflicts {
		if c.Lost.Deleted {
			lostDeletes++
		}
		if c.Winner.Deleted {
			wonByDelete++
		}
	}
	t.Logf("FIGURE concurrent put/delete: %d rounds x 2 regions = %d ops (%d deletes); versions written = %d; %v (%d lost deletes, %d losses to a delete)",
		rounds, 2*rounds, deletes, len(e.emu.Writes()), l, lostDeletes, wonByDelete)
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
	regions := []multiregion.Region{use1, euw1}
	e, tb, col := conflictEnv(t, time.Millisecond, regions...)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(7, 8))
	const steps = 1000
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
	l := settledLosses(ctx, t, e, tb, col)
	for _, r := range regions {
		_, err := tb.Get(ctx, Doc{PK: "seqdel", SK: 1}, dynamo.InRegion(r), dynamo.WithConsistentRead(true))
		if lastDel != errors.Is(err, dynamo.ErrNotFound) {
			t.Fatalf("final Get in %s: %v after a last delete = %v", r, err, lastDel)
		}
	}
	t.Logf("FIGURE sequential put/delete: %d cross-region steps (%d deletes); versions written = %d; lost (ground truth) = %d; conflicts surfaced = %d",
		steps, deletes, len(e.emu.Writes()), l.truth, l.surfaced)
	l.requireNone(t)
}

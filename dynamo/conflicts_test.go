package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// collected gathers what a handler is given (conflicts, gaps).
type collected[T any] struct {
	mu  sync.Mutex
	all []T
}

func (c *collected[T]) handle(x T) {
	c.mu.Lock()
	c.all = append(c.all, x)
	c.mu.Unlock()
}

func (c *collected[T]) snapshot() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.all...)
}

// collector gathers conflicts from a ConflictHandler.
type collector = collected[dynamo.Conflict]

// lostWrites counts the writes the conflicts report, per origin region,
// and checks no version id is reported twice.
func lostWrites(t *testing.T, cs []dynamo.Conflict) (total int, byOrigin map[string]int) {
	t.Helper()
	seen := map[string]bool{}
	byOrigin = map[string]int{}
	for _, c := range cs {
		for _, id := range append([]string{c.Lost.Version}, c.LostAncestors...) {
			if seen[id] {
				t.Errorf("version %s reported twice", id)
			}
			seen[id] = true
		}
		total += c.LostWrites()
		byOrigin[string(c.Lost.Origin)] += c.LostWrites()
	}
	return total, byOrigin
}

// losses is what the conflict handler surfaced, beside the emulator's
// ground truth: the writes last writer wins discarded, in total and per
// origin region.
type losses struct {
	truth, surfaced     int
	truthBy, surfacedBy map[string]int
	conflicts           []dynamo.Conflict // as delivered
}

// settledLosses waits until every write has replicated and tb has read
// every stream record, then tallies the ground truth of the test table
// and the writes the conflicts col collected report, failing the test if
// a version is reported twice.
func settledLosses(ctx context.Context, t *testing.T, e *env, tb *dynamo.Table[Doc], col *collector) losses {
	t.Helper()
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	l := losses{truthBy: truthByRegion(e), conflicts: col.snapshot()}
	for _, n := range l.truthBy {
		l.truth += n
	}
	l.surfaced, l.surfacedBy = lostWrites(t, l.conflicts)
	return l
}

// String is the FIGURE lines' account of the losses.
func (l losses) String() string {
	return fmt.Sprintf("lost (emulator ground truth) = %d %v; conflicts surfaced = %d %v in %d reports",
		l.truth, l.truthBy, l.surfaced, l.surfacedBy, len(l.conflicts))
}

// requireExact fails the test unless every lost write was surfaced and
// nothing else was: the totals agree and so does each origin region.
func (l losses) requireExact(t *testing.T) {
	t.Helper()
	if l.surfaced != l.truth {
		t.Errorf("surfaced %d lost writes, ground truth %d", l.surfaced, l.truth)
	}
	for r, n := range l.truthBy {
		if l.surfacedBy[r] != n {
			t.Errorf("region %s: surfaced %d, ground truth %d", r, l.surfacedBy[r], n)
		}
	}
}

// requireNone fails the test unless nothing was lost and nothing surfaced.
func (l losses) requireNone(t *testing.T) {
	t.Helper()
	if l.truth != 0 || l.surfaced != 0 {
		t.Fatalf("lost %d, surfaced %d; want 0 and 0", l.truth, l.surfaced)
	}
}

// conflictEnv starts an MREC global table over regions that replicates
// after delay, and opens the test table with a collector as its
// ConflictHandler.
func conflictEnv(t *testing.T, delay time.Duration, regions ...multiregion.Region) (*env, *dynamo.Table[Doc], *collector) {
	t.Helper()
	opts := mrec(regions...)
	opts.ReplicationDelay = delay
	e := newEnv(t, opts)
	col := &collector{}
	return e, e.table(dynamo.WithConflictHandler(col.handle)), col
}

// writeConcurrently runs write once per region, all at once, each after
// its own offset, and fails the test, naming the round, if any write fails.
func writeConcurrently(t *testing.T, round int, regions []multiregion.Region, offsets []time.Duration, write func(i int, r multiregion.Region) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(regions))
	for i, r := range regions {
		wg.Go(func() {
			time.Sleep(offsets[i])
			errs[i] = write(i, r)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
}

// TestFigureConcurrentWritesAllLossesSurfaced is the headline figure:
// 1,000 rounds of concurrent writes to one key from two regions, each
// after a random 0-5 ms offset, over 2 ms replication. Every write last
// writer wins discarded (the emulator's ground truth) must be surfaced,
// exactly once, and nothing else.
func TestFigureConcurrentWritesAllLossesSurfaced(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 rounds")
	}
	regions := []multiregion.Region{use1, euw1}
	e, tb, col := conflictEnv(t, 2*time.Millisecond, regions...)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds = 1000
	for round := range rounds {
		offsets := []time.Duration{time.Duration(rng.Int64N(int64(5 * time.Millisecond))), time.Duration(rng.Int64N(int64(5 * time.Millisecond)))}
		writeConcurrently(t, round, regions, offsets, func(_ int, r multiregion.Region) error {
			_, err := tb.Put(ctx, Doc{PK: "hot", SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			return err
		})
	}
	l := settledLosses(ctx, t, e, tb, col)
	t.Logf("FIGURE concurrent: %d rounds x 2 regions = %d writes; %v", rounds, len(e.emu.Writes()), l)
	l.requireExact(t)
	if l.truth == 0 {
		t.Fatal("no write was lost: the test did not exercise last writer wins")
	}
}

// TestFigureSequentialUpdatesNoFalseConflict: 1,000 updates alternating
// between regions, each after the previous one replicated, lose nothing
// and must report nothing.
func TestFigureSequentialUpdatesNoFalseConflict(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 updates")
	}
	regions := []multiregion.Region{use1, euw1}
	e, tb, col := conflictEnv(t, time.Millisecond, regions...)
	ctx := testCtx(t)
	const updates = 1000
	key := Doc{PK: "seq", SK: 1}
	for i := range updates {
		r := regions[i%2]
		upd := expression.Set(expression.Name("count"), expression.Name("count").Plus(expression.Value(1))).
			Set(expression.Name("by"), expression.Value(string(r)))
		if i == 0 {
			upd = expression.Set(expression.Name("count"), expression.Value(1)).Set(expression.Name("by"), expression.Value(string(r)))
		}
		if _, err := tb.Update(ctx, key, upd, dynamo.InRegion(r)); err != nil {
			t.Fatalf("update %d in %s: %v", i, r, err)
		}
		e.quiesce()
	}
	l := settledLosses(ctx, t, e, tb, col)
	got, err := tb.Get(ctx, key, dynamo.WithConsistentRead(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FIGURE sequential: %d cross-region updates; final count = %d; lost (ground truth) = %d; conflicts surfaced = %d",
		updates, got.Value.Count, l.truth, l.surfaced)
	if got.Value.Count != updates {
		t.Errorf("count = %d, want %d", got.Value.Count, updates)
	}
	l.requireNone(t)
}

// TestThreeRegionLossesSurfacedExactly: with three replicas a version can
// be overwritten in one region and still win through its successor; the
// settle step must not report it. 300 rounds of three concurrent writers.
func TestThreeRegionLossesSurfacedExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("300 rounds")
	}
	regions := []multiregion.Region{use1, euw1, usw2}
	e, tb, col := conflictEnv(t, 2*time.Millisecond, regions...)
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const rounds = 300
	for round := range rounds {
		offsets := make([]time.Duration, len(regions))
		for i := range offsets {
			offsets[i] = time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
		}
		writeConcurrently(t, round, regions, offsets, func(_ int, r multiregion.Region) error {
			_, err := tb.Put(ctx, Doc{PK: "hot3", SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			return err
		})
	}
	l := settledLosses(ctx, t, e, tb, col)
	t.Logf("FIGURE three regions: %d rounds x 3 = %d writes; lost (ground truth) = %d; surfaced = %d",
		rounds, len(e.emu.Writes()), l.truth, l.surfaced)
	if l.surfaced != l.truth || l.truth == 0 {
		t.Fatalf("surfaced %d, ground truth %d", l.surfaced, l.truth)
	}
}

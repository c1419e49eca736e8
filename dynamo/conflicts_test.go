package dynamo_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// collector gathers conflicts from a ConflictHandler.
type collector struct {
	mu  sync.Mutex
	all []dynamo.Conflict
}

func (c *collector) handle(x dynamo.Conflict) {
	c.mu.Lock()
	c.all = append(c.all, x)
	c.mu.Unlock()
}

func (c *collector) snapshot() []dynamo.Conflict {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]dynamo.Conflict(nil), c.all...)
}

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

// TestFigureConcurrentWritesAllLossesSurfaced is the headline figure:
// 1,000 rounds of concurrent writes to one key from two regions, each
// after a random 0-5 ms offset, over 2 ms replication. Every write last
// writer wins discarded (the emulator's ground truth) must be surfaced,
// exactly once, and nothing else.
func TestFigureConcurrentWritesAllLossesSurfaced(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 rounds")
	}
	opts := mrec(use1, euw1)
	opts.ReplicationDelay = 2 * time.Millisecond
	e := newEnv(t, opts)
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds = 1000
	regions := []multiregion.Region{use1, euw1}
	for round := range rounds {
		offsets := [2]time.Duration{time.Duration(rng.Int64N(int64(5 * time.Millisecond))), time.Duration(rng.Int64N(int64(5 * time.Millisecond)))}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, r := range regions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(offsets[i])
				_, errs[i] = tb.Put(ctx, Doc{PK: "hot", SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	truth := e.emu.LostWrites(tableName)
	truthBy := map[string]int{}
	for _, w := range truth {
		truthBy[w.Region]++
	}
	surfaced, surfacedBy := lostWrites(t, col.snapshot())
	t.Logf("FIGURE concurrent: %d rounds x 2 regions = %d writes; lost (emulator ground truth) = %d %v; conflicts surfaced = %d %v in %d reports",
		rounds, len(e.emu.Writes()), len(truth), truthBy, surfaced, surfacedBy, len(col.snapshot()))
	if surfaced != len(truth) {
		t.Fatalf("surfaced %d lost writes, ground truth %d", surfaced, len(truth))
	}
	for r, n := range truthBy {
		if surfacedBy[r] != n {
			t.Errorf("region %s: surfaced %d, ground truth %d", r, surfacedBy[r], n)
		}
	}
	if len(truth) == 0 {
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
	opts := mrec(use1, euw1)
	opts.ReplicationDelay = time.Millisecond
	e := newEnv(t, opts)
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	const updates = 1000
	regions := []multiregion.Region{use1, euw1}
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
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := tb.Get(ctx, key, dynamo.WithConsistentRead(true))
	if err != nil {
		t.Fatal(err)
	}
	truth := e.emu.LostWrites(tableName)
	surfaced, _ := lostWrites(t, col.snapshot())
	t.Logf("FIGURE sequential: %d cross-region updates; final count = %d; lost (ground truth) = %d; conflicts surfaced = %d",
		updates, got.Value.Count, len(truth), surfaced)
	if got.Value.Count != updates {
		t.Errorf("count = %d, want %d", got.Value.Count, updates)
	}
	if len(truth) != 0 || surfaced != 0 {
		t.Fatalf("lost %d, surfaced %d; want 0 and 0", len(truth), surfaced)
	}
}

// TestThreeRegionLossesSurfacedExactly: with three replicas a version can
// be overwritten in one region and still win through its successor; the
// settle step must not report it. 300 rounds of three concurrent writers.
func TestThreeRegionLossesSurfacedExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("300 rounds")
	}
	opts := mrec(use1, euw1, usw2)
	opts.ReplicationDelay = 2 * time.Millisecond
	e := newEnv(t, opts)
	var col collector
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	rng := rand.New(rand.NewPCG(3, 4))
	regions := []multiregion.Region{use1, euw1, usw2}
	const rounds = 300
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make([]error, len(regions))
		for i, r := range regions {
			d := time.Duration(rng.Int64N(int64(5 * time.Millisecond)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(d)
				_, errs[i] = tb.Put(ctx, Doc{PK: "hot3", SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	truth := len(e.emu.LostWrites(tableName))
	surfaced, _ := lostWrites(t, col.snapshot())
	t.Logf("FIGURE three regions: %d rounds x 3 = %d writes; lost (ground truth) = %d; surfaced = %d",
		rounds, len(e.emu.Writes()), truth, surfaced)
	if surfaced != truth || truth == 0 {
		t.Fatalf("surfaced %d, ground truth %d", surfaced, truth)
	}
}

package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/lambdadetect"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// ledgerTable is the lambdadetect ledger of the fleet tests: one table
// in one region, which every region's function writes to.
const ledgerTable = "conflict-ledger"

// lambdaDeliveries counts what the functions' conflict handlers were
// handed, failing a share of the calls (seeded) so that Lambda retries.
type lambdaDeliveries struct {
	mu       sync.Mutex
	rng      *rand.Rand
	failRate float64
	failed   int
	byID     map[string]int
	col      collector
}

func (d *lambdaDeliveries) handle(_ context.Context, c dynamo.Conflict) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.rng.Float64() < d.failRate {
		d.failed++
		return errors.New("downstream unavailable")
	}
	for _, id := range append([]string{c.Lost.Version}, c.LostAncestors...) {
		d.byID[id]++
	}
	d.col.handle(c)
	return nil
}

// runFunctions plays one Lambda function per region on the emulator's
// streams until every record is consumed: batches of batch records, each
// handed to the function, a share of them handed twice (Lambda delivers
// at least once), and redelivered from the first batch item failure.
// It returns the batches and the batch item failures.
func runFunctions(ctx context.Context, t *testing.T, e *env, regions []multiregion.Region, del *lambdaDeliveries, batch int, dupRate float64) (batches, failures int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, r := range regions {
		h, err := lambdadetect.New(lambdadetect.Options{
			Table: tableName, Region: r, PartitionKey: "pk", SortKey: "sk",
			Ledger: e.raw[use1], LedgerTable: ledgerTable, Current: e.raw[r],
			Settle: time.Millisecond, Handler: del.handle,
		})
		if err != nil {
			t.Fatal(err)
		}
		src, err := multiregiontest.NewEventSource(ctx, dynamodbstreams.NewFromConfig(e.mr.Config(r)), string(r), tableName)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		wg.Go(func() {
			for {
				ev, err := src.Next(ctx, batch)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ev.Records) == 0 {
					return
				}
				resp, err := h.Handle(ctx, ev)
				if rng.Float64() < dupRate {
					if _, derr := h.Handle(ctx, ev); derr != nil {
						t.Error(derr)
					}
				}
				src.Ack(resp, err)
				mu.Lock()
				batches++
				failures += len(resp.BatchItemFailures)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return batches, failures
}

// TestFigureFleetOnLambda: 10 service instances (Tables with in-process
// detection off) write concurrently from 3 regions; then one function
// per region (lambdadetect, fed the emulator's stream records as Lambda
// events, in batches, with failed deliveries retried and batches
// duplicated) detects the losses. Surfaced equals lost exactly, per
// origin region; each lost version is delivered once (the ledger); and
// the emulator counted at most 2 readers on any shard.
func TestFigureFleetOnLambda(t *testing.T) {
	regions := []multiregion.Region{use1, use2, usw2}
	opts := mrec(regions...)
	opts.ReplicationDelay = 3 * time.Millisecond
	e := newEnv(t, opts)
	ctx := testCtx(t)
	if _, err := e.raw[use1].CreateTable(ctx, multiregiontest.TableInput(ledgerTable, multiregiontest.StringKey(lambdadetect.LedgerKey))); err != nil {
		t.Fatal(err)
	}
	const instances, writes, keys = 10, 40, 8
	var tables []*dynamo.Table[Doc]
	for range instances {
		tables = append(tables, e.table(func(o *dynamo.Options) {
			o.DisableConflictDetection = true
			o.LineageDepth = 64 // the functions' check of the current item sees every ancestor
		}))
	}
	var wg sync.WaitGroup
	errs := make([]error, instances)
	var origins sync.Map // version id -> region that wrote it
	for i, tb := range tables {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			r := regions[i%len(regions)]
			for w := range writes {
				time.Sleep(time.Duration(rng.Int64N(int64(2 * time.Millisecond))))
				doc := Doc{PK: fmt.Sprintf("k%d", (w+i)%keys), SK: 1, Count: w, By: fmt.Sprintf("i%d", i)}
				m, err := tb.Put(ctx, doc, dynamo.InRegion(r))
				if err != nil {
					errs[i] = err
					return
				}
				origins.Store(m.Version, string(m.Origin))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	for _, tb := range tables {
		if tb.Conflicts() != nil || len(tb.DetectorStatus().Regions) != 0 {
			t.Fatal("an instance runs an in-process detector")
		}
	}

	del := &lambdaDeliveries{rng: rand.New(rand.NewPCG(3, 4)), failRate: 0.1, byID: map[string]int{}}
	batches, failures := runFunctions(ctx, t, e, regions, del, 25, 0.3)
	l := losses{truthBy: truthByRegion(e), conflicts: del.col.snapshot()}
	for _, n := range l.truthBy {
		l.truth += n
	}
	l.surfaced, _ = lostWrites(t, l.conflicts)
	// Per region by each lost version's own origin: a lost version's
	// ancestors (LostAncestors) may have been written in other regions,
	// by other instances, than the version that carried them.
	l.surfacedBy = map[string]int{}
	for _, c := range l.conflicts {
		for _, id := range append([]string{c.Lost.Version}, c.LostAncestors...) {
			r, ok := origins.Load(id)
			if !ok {
				t.Fatalf("surfaced version %s was never written", id)
			}
			l.surfacedBy[r.(string)]++
		}
	}
	twice := 0
	for _, n := range del.byID {
		if n > 1 {
			twice++
		}
	}
	written := 0
	for _, w := range e.emu.Writes() {
		if w.Table == tableName {
			written++
		}
	}
	readers := 0
	for _, r := range regions {
		readers = max(readers, e.emu.StreamReaders(string(r), tableName))
	}
	t.Logf("FIGURE fleet: %d instances (in-process detection off) x %d writes from %d regions = %d writes to the table; 3 functions, %d batches of <= 25 (30%% duplicated), %d handler failures -> %d batch item failures retried; %v; versions delivered twice = %d; most readers on one shard at the emulator = %d",
		instances, writes, len(regions), written, batches, del.failed, failures, l, twice, readers)
	l.requireExact(t)
	if l.truth == 0 {
		t.Fatal("no write was lost: the test did not exercise last writer wins")
	}
	if twice != 0 {
		t.Errorf("%d versions delivered more than once", twice)
	}
	if failures == 0 {
		t.Error("no delivery failed: retries were not exercised")
	}
	if readers < 1 || readers > 2 {
		t.Errorf("most readers on a shard = %d, want 1 or 2", readers)
	}
}

// TestInProcessThirdDetectorThrottled: three Tables with in-process
// detection read the same shards; DynamoDB Streams (the emulator) serves
// two readers per shard, so one Table's reader is throttled: a
// *StreamThrottledError in its DetectorStatus, never a third reader.
func TestInProcessThirdDetectorThrottled(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	var tbs []*dynamo.Table[Doc]
	logs := make([]*testutil.SyncBuffer, 3)
	for i := range logs {
		logs[i] = &testutil.SyncBuffer{}
		tbs = append(tbs, e.table(func(o *dynamo.Options) { o.Logger = slog.New(slog.NewTextHandler(logs[i], nil)) }))
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var throttled error
		for _, tb := range tbs {
			for _, rs := range tb.DetectorStatus().Regions {
				for _, sh := range rs.Shards {
					if sh.Throttled {
						throttled = sh.Err
					}
				}
			}
		}
		if throttled != nil {
			var te *dynamo.StreamThrottledError
			if !errors.Is(throttled, dynamo.ErrStreamThrottled) || !errors.As(throttled, &te) || te.Region == "" {
				t.Fatalf("throttle error %v is not a *StreamThrottledError", throttled)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no Table was throttled with 3 readers per shard")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, r := range []string{string(use1), string(euw1)} {
		if n := e.emu.StreamReaders(r, tableName); n > 2 {
			t.Errorf("%s: %d readers on one shard", r, n)
		}
	}
	time.Sleep(200 * time.Millisecond) // more throttled polls
	warned := 0
	for i, l := range logs {
		n := strings.Count(l.String(), "level=WARN msg=\"dynamo: table docs")
		if n > 1 {
			t.Errorf("Table %d logged the throttle %d times at Warn, want once", i, n)
		}
		warned += n
	}
	if warned == 0 {
		t.Error("the throttle was not logged")
	}
}

package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// stallable wraps a region's real Streams client: while stalled, its
// GetRecords wait (a stalled consumer) until released.
type stallable struct {
	dynamo.StreamsAPI
	stalled atomic.Bool
	waiting atomic.Int32
	release chan struct{}
}

func (s *stallable) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	if s.stalled.Load() {
		s.waiting.Add(1)
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.StreamsAPI.GetRecords(ctx, in, opts...)
}

// delayedEnv starts an MREC global table over regions that replicates
// after delay.
func delayedEnv(t *testing.T, delay time.Duration, regions ...multiregion.Region) *env {
	t.Helper()
	opts := mrec(regions...)
	opts.ReplicationDelay = delay
	return newEnv(t, opts)
}

// gapLog collects the gaps a GapHandler is given.
type gapLog = collected[dynamo.Gap]

// conflictRounds writes rounds of concurrent Puts of key prefix-i from
// both regions, so that last writer wins discards some.
func conflictRounds(t *testing.T, tb *dynamo.Table[Doc], prefix string, rounds int, regions ...multiregion.Region) {
	t.Helper()
	ctx := testCtx(t)
	for round := range rounds {
		writeConcurrently(t, round, regions, make([]time.Duration, len(regions)), func(_ int, r multiregion.Region) error {
			_, err := tb.Put(ctx, Doc{PK: fmt.Sprintf("%s-%d", prefix, round%5), SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			return err
		})
	}
}

// truthWithPrefix is the ground truth of the keys starting with prefix.
func truthWithPrefix(e *env, prefix string) int {
	n := 0
	for _, w := range e.emu.LostWrites(tableName) {
		if strings.Contains(w.Key, `"`+prefix+`-`) {
			n++
		}
	}
	return n
}

func surfacedWithPrefix(cs []dynamo.Conflict, prefix string) int {
	n := 0
	for _, c := range cs {
		if strings.HasPrefix(attrS(c.Key, "pk"), prefix+"-") {
			n += c.LostWrites()
		}
	}
	return n
}

// TestFigureDetectorRecoversFromTrimmedShard: the us-west-2 reader stalls,
// conflicting writes go on, and the stream trims everything the stalled
// reader had not read (as DynamoDB does after 24 h). Released, the reader
// gets TrimmedDataAccessException: it reopens the shard at its trim
// horizon, reports the gap (GapHandler and DetectorStatus), and detection
// resumes: every loss after the gap is surfaced, exactly.
func TestFigureDetectorRecoversFromTrimmedShard(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	e := delayedEnv(t, 2*time.Millisecond, regions...)
	st := &stallable{release: make(chan struct{})}
	col, gaps := &collector{}, &gapLog{}
	tb := e.table(dynamo.WithConflictHandler(col.handle), func(o *dynamo.Options) {
		o.GapHandler = gaps.handle
		o.NewStreamsClient = func(r multiregion.Region, cfg aws.Config) dynamo.StreamsAPI {
			c := dynamodbstreams.NewFromConfig(cfg)
			if r != usw2 {
				return c
			}
			st.StreamsAPI = c
			return st
		}
	})
	ctx := testCtx(t)
	st.stalled.Store(true)
	for st.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	conflictRounds(t, tb, "before", 50, regions...)
	e.quiesce()
	trimmed, err := e.emu.TrimStream(string(usw2), tableName, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.stalled.Store(false)
	close(st.release)
	conflictRounds(t, tb, "after", 50, regions...)
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := gaps.snapshot()
	status := tb.DetectorStatus()
	var west dynamo.RegionDetectorStatus
	for _, rs := range status.Regions {
		if rs.Region == usw2 {
			west = rs
		}
	}
	cs := col.snapshot()
	before, after := truthWithPrefix(e, "before"), truthWithPrefix(e, "after")
	sBefore, sAfter := surfacedWithPrefix(cs, "before"), surfacedWithPrefix(cs, "after")
	gapText := "none"
	if len(got) > 0 {
		gapText = got[0].String()
	}
	t.Logf("FIGURE detector recovery: us-west-2 reader stalled, %d records trimmed under it; gap reported: %q (%d gaps; status shows %d, last error %v, lag %v); before the gap: lost %d, surfaced %d (the us-west-2-only losses are in the gap); after: lost %d, surfaced %d",
		trimmed, gapText, len(got), len(west.Gaps), west.LastError, west.Lag.Round(time.Millisecond), before, sBefore, after, sAfter)
	if trimmed == 0 {
		t.Fatal("nothing was trimmed")
	}
	if len(got) != 1 || got[0].Region != string(usw2) || got[0].Reason != "trimmed data" || got[0].From.IsZero() || !got[0].To.After(got[0].From) {
		t.Fatalf("gaps %+v, want one trimmed-data gap in us-west-2", got)
	}
	if len(west.Gaps) != 1 || west.LastError != nil {
		t.Errorf("us-west-2 status %+v: want the gap and no standing error", west)
	}
	if after == 0 || sAfter != after {
		t.Errorf("after the gap: surfaced %d, lost %d", sAfter, after)
	}
}

// TestDetectorFollowsRenewedStream: the stream is disabled and enabled
// again (a new stream ARN): the reader's calls fail with
// ResourceNotFoundException, it describes the table again, follows the
// new stream, reports the gap, and surfaces the losses after it.
func TestDetectorFollowsRenewedStream(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	e := delayedEnv(t, 2*time.Millisecond, regions...)
	col, gaps := &collector{}, &gapLog{}
	tb := e.table(dynamo.WithConflictHandler(col.handle), func(o *dynamo.Options) { o.GapHandler = gaps.handle })
	before := tb.DetectorStatus()
	time.Sleep(2 * time.Millisecond) // stream labels are per millisecond
	if err := e.emu.RenewStream(tableName); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(gaps.snapshot()) < len(regions) {
		if time.Now().After(deadline) {
			t.Fatalf("gaps %+v: the readers did not follow the new stream", gaps.snapshot())
		}
		time.Sleep(5 * time.Millisecond)
	}
	conflictRounds(t, tb, "renewed", 40, regions...)
	e.quiesce()
	if err := tb.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	for i, rs := range tb.DetectorStatus().Regions {
		if rs.StreamARN == before.Regions[i].StreamARN || rs.StreamARN == "" {
			t.Errorf("%s still reads %s", rs.Region, rs.StreamARN)
		}
	}
	for _, g := range gaps.snapshot() {
		if !strings.HasPrefix(g.Reason, "stream removed") {
			t.Errorf("gap %v", g)
		}
	}
	lost, surfaced := truthWithPrefix(e, "renewed"), surfacedWithPrefix(col.snapshot(), "renewed")
	if lost == 0 || surfaced != lost {
		t.Fatalf("after the renewal: surfaced %d, lost %d", surfaced, lost)
	}
}

// TestHandlerMayCloseAndFlushTheTable: the conflict handler calls Flush
// and Close on its own Table: neither deadlocks, the Table is closed
// (ErrClosed), and every goroutine ends (goleak in TestMain).
func TestHandlerMayCloseAndFlushTheTable(t *testing.T) {
	regions := []multiregion.Region{use1, euw1}
	e := delayedEnv(t, 2*time.Millisecond, regions...)
	var tb *dynamo.Table[Doc]
	done := make(chan error, 1)
	var once sync.Once
	tb = e.table(dynamo.WithConflictHandler(func(dynamo.Conflict) {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ferr := tb.Flush(ctx)
			done <- errors.Join(ferr, tb.Close())
		})
	}))
	ctx := testCtx(t)
	var err error
	untilConflict(t, tb, regions, func() bool {
		select {
		case err = <-done:
			return true
		default:
			return false
		}
	})
	if err != nil {
		t.Fatalf("Flush/Close from the handler: %v", err)
	}
	if _, err := tb.Put(ctx, Doc{PK: "x", SK: 1}); !errors.Is(err, dynamo.ErrClosed) {
		t.Fatalf("Put after Close from the handler: %v, want ErrClosed", err)
	}
	if err := tb.Flush(ctx); !errors.Is(err, dynamo.ErrClosed) {
		t.Fatalf("Flush after Close: %v, want ErrClosed", err)
	}
}

// untilConflict writes concurrently to one key from regions, round after
// round, until got reports the handler saw what the test waits for.
func untilConflict(t *testing.T, tb *dynamo.Table[Doc], regions []multiregion.Region, got func() bool) {
	t.Helper()
	ctx := testCtx(t)
	for round := 0; !got(); round++ {
		if round > 2000 {
			t.Fatal("no conflict reached the handler")
		}
		writeConcurrently(t, round, regions, make([]time.Duration, len(regions)), func(_ int, r multiregion.Region) error {
			_, err := tb.Put(ctx, Doc{PK: "hot", SK: 1, By: string(r), Count: round}, dynamo.InRegion(r))
			if errors.Is(err, dynamo.ErrClosed) {
				return nil // the handler closed the Table
			}
			return err
		})
	}
}

// TestSlowHandlerDoesNotStallDetection: while the handler is blocked on
// its first conflict, the stream readers go on reading (DetectorStatus
// shows records newer than that conflict).
func TestSlowHandlerDoesNotStallDetection(t *testing.T) {
	regions := []multiregion.Region{use1, euw1}
	e := delayedEnv(t, 2*time.Millisecond, regions...)
	block := make(chan struct{})
	first := make(chan dynamo.Conflict, 1)
	tb := e.table(dynamo.WithConflictHandler(func(c dynamo.Conflict) {
		select {
		case first <- c:
			<-block
		default:
		}
	}), func(o *dynamo.Options) { o.ConflictSettle = time.Millisecond })
	defer close(block)
	ctx := testCtx(t)
	var c dynamo.Conflict
	untilConflict(t, tb, regions, func() bool {
		select {
		case c = <-first:
			return true
		default:
			return false
		}
	})
	time.Sleep(1100 * time.Millisecond) // stream record times are whole seconds
	if _, err := tb.Put(ctx, Doc{PK: "later", SK: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		newer := 0
		for _, rs := range tb.DetectorStatus().Regions {
			if rs.LastRecord.After(c.DetectedAt.Truncate(time.Second)) {
				newer++
			}
		}
		if newer == len(regions) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readers stalled behind the blocked handler: %+v", tb.DetectorStatus())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDetectorFollowsReplicaChanges: the topology hook removes a
// replica's reader and adds it back; the re-added reader starts at the
// trim horizon, so every loss, also those written while it was gone, is
// surfaced exactly once.
func TestDetectorFollowsReplicaChanges(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	e := delayedEnv(t, 2*time.Millisecond, regions...)
	col := &collector{}
	tb := e.table(dynamo.WithConflictHandler(col.handle))
	ctx := testCtx(t)
	if err := dynamo.DetectorReplicasChanged(ctx, tb, []multiregion.Region{use1}); err != nil {
		t.Fatal(err)
	}
	if rs := tb.DetectorStatus().Regions; len(rs) != 1 || rs[0].Region != use1 {
		t.Fatalf("status %+v, want use1 only", rs)
	}
	conflictRounds(t, tb, "gone", 30, regions...)
	e.quiesce()
	if err := dynamo.DetectorReplicasChanged(ctx, tb, regions); err != nil {
		t.Fatal(err)
	}
	if rs := tb.DetectorStatus().Regions; len(rs) != 2 {
		t.Fatalf("status %+v, want both regions", rs)
	}
	l := settledLosses(ctx, t, e, tb, col)
	t.Logf("replica removed and added back: %v", l)
	l.requireExact(t)
	if l.truth == 0 {
		t.Fatal("nothing was lost")
	}
}

// TestDetectorReplicasChangedRacesClose: the topology hook running while
// the Table closes launches nothing after Close and then fails with
// ErrClosed (the race detector watches the reader bookkeeping).
func TestDetectorReplicasChangedRacesClose(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	e := delayedEnv(t, 0, regions...)
	tb := e.table()
	ctx := testCtx(t)
	done := make(chan error, 1)
	go func() {
		sets := [][]multiregion.Region{{use1}, regions}
		for i := 0; ; i++ {
			if err := dynamo.DetectorReplicasChanged(ctx, tb, sets[i%2]); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, dynamo.ErrClosed) {
		t.Fatalf("replicasChanged after Close: %v, want ErrClosed", err)
	}
}

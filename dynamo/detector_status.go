package dynamo

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// Gap is a stretch of a shard the detector could not read (trimmed
// records, a removed stream): losses between From and To may be missed.
// It reaches Options.GapHandler and DetectorStatus. A plain value.
type Gap = detect.Gap

// ErrStreamThrottled matches a *StreamThrottledError.
var ErrStreamThrottled = errors.New("dynamo: stream shard read by too many processes")

// StreamThrottledError is a GetRecords throttled with
// LimitExceededException: more than 2 processes read the shard (DynamoDB
// Streams' limit). The shard backs off; the cure is fewer in-process
// detectors (Options.DisableConflictDetection) or the Lambda detector.
type StreamThrottledError struct {
	Table  string
	Region multiregion.Region
	Shard  string
	Err    error
}

func (e *StreamThrottledError) Error() string {
	return "dynamo: table " + e.Table + " in " + string(e.Region) + ": shard " + e.Shard +
		" throttled (LimitExceededException: DynamoDB Streams serves at most 2 readers per shard; run the detector in fewer processes or on Lambda)"
}

func (e *StreamThrottledError) Unwrap() error { return e.Err }

// Is matches ErrStreamThrottled.
func (e *StreamThrottledError) Is(target error) bool { return target == ErrStreamThrottled }

// DetectorStatus is the in-process detector's state, per replica region
// (empty without a detector). A plain value.
type DetectorStatus struct {
	Regions []RegionDetectorStatus
}

// RegionDetectorStatus is one region's stream reader. A plain value.
type RegionDetectorStatus struct {
	Region    multiregion.Region
	StreamARN string
	// LastRecord is the creation time of the newest record read (zero
	// before the first).
	LastRecord time.Time
	// Lag is how far the reader is behind the stream head: the time since
	// the start of the last round that reached the end of every shard.
	Lag time.Duration
	// LastError is the latest failure of any shard, and when it happened;
	// nil once every shard reads again.
	LastError   error
	LastErrorAt time.Time
	Shards      []ShardStatus
	// Gaps are the gaps reported in this region, the latest 16.
	Gaps []Gap
}

// ShardStatus is one shard's reader. A plain value.
type ShardStatus struct {
	ID string
	// Failing counts calls failed in a row; Err is the last of them.
	Failing   int
	Err       error
	Throttled bool // the last failure was LimitExceededException
}

// DetectorStatus returns the in-process detector's state.
func (t *Table[T]) DetectorStatus() DetectorStatus {
	var s DetectorStatus
	if t.det == nil {
		return s
	}
	for _, sr := range t.det.current() {
		s.Regions = append(s.Regions, sr.status.snapshot(sr.d.clock.Now()))
	}
	return s
}

// readerStatus is what the reader's goroutine publishes for Status.
type readerStatus struct {
	mu     sync.Mutex
	st     RegionDetectorStatus
	headAt time.Time // start of the last round that reached every head
}

const keptGaps = 16

func (rs *readerStatus) snapshot(now time.Time) RegionDetectorStatus {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s := rs.st
	s.Shards = slices.Clone(s.Shards)
	s.Gaps = slices.Clone(s.Gaps)
	if !rs.headAt.IsZero() {
		s.Lag = now.Sub(rs.headAt)
	}
	return s
}

func (sr *streamReader) noteGap(g Gap) {
	rs := &sr.status
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.st.Gaps = append(rs.st.Gaps, g)
	if len(rs.st.Gaps) > keptGaps {
		rs.st.Gaps = slices.Delete(rs.st.Gaps, 0, len(rs.st.Gaps)-keptGaps)
	}
}

// noteShard records the outcome of one shard's read (err nil: it read),
// sets its backoff, and logs a failure streak once (then Debug). A
// LimitExceededException becomes a *StreamThrottledError, whose
// explanation is logged once per Table.
func (sr *streamReader) noteShard(id string, sh *shardState, err error) {
	d := sr.d
	now := d.clock.Now()
	if err == nil {
		if sh.failing > 0 {
			d.log.Info("dynamo: stream shard reads again", "table", d.table, "region", string(sr.region), "shard", id, "failures", sh.failing)
		}
		sh.err, sh.failing, sh.retryAt, sh.throttle = nil, 0, time.Time{}, false
		return
	}
	var limit *sttypes.LimitExceededException
	sh.throttle = errors.As(err, &limit)
	if sh.throttle {
		err = &StreamThrottledError{Table: d.table, Region: sr.region, Shard: id, Err: err}
		if d.limits.first() {
			d.log.Warn(err.Error(), "table", d.table, "region", string(sr.region), "shard", id)
		}
	}
	sh.err, sh.errAt = err, now
	sh.failing++
	log := d.log.Debug
	if sh.failing == 1 && !sh.throttle {
		log = d.log.Warn
	}
	log("dynamo: stream shard failing; conflicts in it wait until it reads again",
		"table", d.table, "region", string(sr.region), "shard", id, "failures", sh.failing, "error", err)
	backoff := d.poll
	for i := 1; i < sh.failing && backoff < 30*time.Second; i++ {
		backoff *= 2
	}
	sh.retryAt = now.Add(min(max(backoff, time.Millisecond), 30*time.Second))
}

// finishRound publishes the reader's state after a round that started at
// start, and counts it idle (for Flush) when it was clean and read nothing.
func (sr *streamReader) finishRound(start time.Time, got int, clean bool) {
	rs := &sr.status
	rs.mu.Lock()
	rs.st.Region, rs.st.StreamARN = sr.region, sr.arn
	rs.st.Shards = rs.st.Shards[:0]
	rs.st.LastError, rs.st.LastErrorAt = nil, time.Time{}
	head := clean
	for id, sh := range sr.shards {
		if sh.lastAt.After(rs.st.LastRecord) {
			rs.st.LastRecord = sh.lastAt
		}
		if !sh.closed && !sh.atHead {
			head = false
		}
		rs.st.Shards = append(rs.st.Shards, ShardStatus{ID: id, Failing: sh.failing, Err: sh.err, Throttled: sh.throttle})
		if sh.err != nil && sh.errAt.After(rs.st.LastErrorAt) {
			rs.st.LastError, rs.st.LastErrorAt = sh.err, sh.errAt
		}
	}
	slices.SortFunc(rs.st.Shards, func(a, b ShardStatus) int { return strings.Compare(a.ID, b.ID) })
	if head {
		rs.headAt = start
	}
	rs.mu.Unlock()
	if clean && got == 0 {
		sr.idle.Add(1)
		sr.idled.fire()
	}
}

// limitLog says whether a throttle explanation is the Table's first.
type limitLog struct{ logged atomic.Bool }

func (l *limitLog) first() bool { return l.logged.CompareAndSwap(false, true) }

package dynamo

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion"
)

// streamReader follows the shards of one region's stream. Its fields
// are owned by its goroutine; Status reads the copy in status.
type streamReader struct {
	d      *detector
	region multiregion.Region
	api    StreamsAPI
	arn    string
	shards map[string]*shardState
	// idle counts clean polling rounds that returned no record; idled
	// fires after each (Flush waits on it).
	idle  atomic.Uint64
	idled signal

	status readerStatus
	stop   context.CancelFunc // ends this reader alone (replicasChanged)
	done   chan struct{}      // closed when its goroutine ended
}

// shardState is a reader's position in one shard. Owned by the reader's
// goroutine (and by stop once the goroutine ended).
type shardState struct {
	iter    *string
	from    sttypes.ShardIteratorType // where an expired iterator with no record read restarts
	lastSeq string                    // last record processed
	lastAt  time.Time                 // its ApproximateCreationDateTime
	opened  time.Time                 // when the reader opened the shard
	saved   string                    // last checkpoint saved
	marks   []mark                    // records whose claims are pending (checkpoint.go)
	closed  bool                      // read to its end; kept until its checkpoint is saved

	// The shard's own failures: one shard failing does not stop the others.
	err      error
	errAt    time.Time
	failing  int       // calls failed in a row
	retryAt  time.Time // no call before (backoff)
	atHead   bool      // the last GetRecords reached the end of what the shard holds
	throttle bool      // the last failure was LimitExceededException
}

// start positions the reader before New returns: every shard whose parent
// is gone from the stream (the roots) is opened at its checkpoint or at
// Options.StreamStart; a child is opened when its parent has been read to
// its end, so the records of one item are judged in order.
func (sr *streamReader) start(ctx context.Context, at StreamStart) error {
	fresh := sttypes.ShardIteratorTypeLatest
	if at == StreamStartTrimHorizon {
		fresh = sttypes.ShardIteratorTypeTrimHorizon
	}
	return sr.openRoots(ctx, fresh)
}

func (sr *streamReader) openRoots(ctx context.Context, fresh sttypes.ShardIteratorType) error {
	all, err := sr.listShards(ctx)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, sh := range all {
		listed[aws.ToString(sh.ShardId)] = true
	}
	var roots []sttypes.Shard
	for _, sh := range all {
		if p := aws.ToString(sh.ParentShardId); p == "" || !listed[p] {
			roots = append(roots, sh)
		}
	}
	return sr.open(ctx, roots, childrenOf(all), fresh)
}

// listShards returns every shard DescribeStream lists, all pages.
func (sr *streamReader) listShards(ctx context.Context) ([]sttypes.Shard, error) {
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: &sr.arn}
	var all []sttypes.Shard
	for {
		out, err := sr.api.DescribeStream(ctx, in)
		if err != nil {
			return nil, err
		}
		desc := out.StreamDescription
		if desc == nil {
			return nil, errors.New("DescribeStream returned no description")
		}
		all = append(all, desc.Shards...)
		if desc.LastEvaluatedShardId == nil {
			return all, nil
		}
		in.ExclusiveStartShardId = desc.LastEvaluatedShardId
	}
}

func childrenOf(all []sttypes.Shard) map[string][]sttypes.Shard {
	m := map[string][]sttypes.Shard{}
	for _, sh := range all {
		if p := aws.ToString(sh.ParentShardId); p != "" {
			m[p] = append(m[p], sh)
		}
	}
	return m
}

// open opens an iterator on each shard of list: after its checkpoint if
// it has one, else at fresh. LATEST on a closed shard would read nothing,
// so such a shard is skipped for its children.
func (sr *streamReader) open(ctx context.Context, list []sttypes.Shard, children map[string][]sttypes.Shard, fresh sttypes.ShardIteratorType) error {
	for _, sh := range list {
		id := aws.ToString(sh.ShardId)
		if _, known := sr.shards[id]; known {
			continue
		}
		seq, ok, err := sr.load(ctx, id)
		if err != nil {
			return err
		}
		closed := sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil
		if !ok && closed && fresh == sttypes.ShardIteratorTypeLatest {
			if err := sr.open(ctx, children[id], children, fresh); err != nil {
				return err
			}
			continue
		}
		st := &shardState{from: fresh, lastSeq: seq, saved: seq, opened: sr.d.clock.Now()}
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &sr.arn, ShardId: &id, ShardIteratorType: fresh}
		if ok {
			in.ShardIteratorType, in.SequenceNumber = sttypes.ShardIteratorTypeAfterSequenceNumber, &seq
		}
		out, err := sr.api.GetShardIterator(ctx, in)
		var trimmed *sttypes.TrimmedDataAccessException
		if ok && errors.As(err, &trimmed) {
			// The checkpoint is older than the stream's retention: what
			// lay between is gone. Read what is left, and say so.
			sr.gap(Gap{Region: string(sr.region), Shard: id, To: sr.d.clock.Now(), Reason: "checkpoint trimmed"})
			in.ShardIteratorType, in.SequenceNumber = sttypes.ShardIteratorTypeTrimHorizon, nil
			out, err = sr.api.GetShardIterator(ctx, in)
		}
		if err != nil {
			return err
		}
		st.iter = out.ShardIterator
		sr.shards[id] = st
	}
	return nil
}

// load returns the checkpoint of shard id, if any.
func (sr *streamReader) load(ctx context.Context, id string) (string, bool, error) {
	if sr.d.checkpointer == nil {
		return "", false, nil
	}
	seq, ok, err := sr.d.checkpointer.Load(ctx, sr.shardKey(id))
	return seq, ok && seq != "", err
}

// round reads each shard once and returns how many records it processed,
// and whether every shard answered (clean). A shard that fails is
// recovered when it can be (recover) and otherwise backs off alone.
func (sr *streamReader) round(ctx context.Context) (got int, clean bool) {
	clean = true
	arn := sr.arn
	for id, sh := range sr.shards {
		if sh.closed {
			continue
		}
		if sr.d.clock.Now().Before(sh.retryAt) {
			clean = false
			continue
		}
		n, err := sr.readShard(ctx, id, sh)
		got += n
		if err != nil && ctx.Err() == nil {
			err = sr.recover(ctx, id, sh, err)
		}
		sr.noteShard(id, sh, err)
		if err != nil {
			clean = false
		}
		if sr.arn != arn {
			return got, false // the stream was found again: its shards are new
		}
	}
	return got, clean
}

// readShard reads one page of shard id and judges its records.
func (sr *streamReader) readShard(ctx context.Context, id string, sh *shardState) (int, error) {
	const limit = 1000
	out, err := sr.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iter, Limit: aws.Int32(limit)})
	if err != nil {
		return 0, err
	}
	now := sr.d.clock.Now()
	for i := range out.Records {
		rec, ok := sr.record(id, &out.Records[i])
		if ok {
			if tk := sr.d.judge.Observe(rec, now); tk != nil {
				sh.marks = append(sh.marks, mark{before: sh.lastSeq, tk: tk})
			}
		}
		if rec.Seq != "" {
			sh.lastSeq, sh.lastAt = rec.Seq, rec.At
		}
	}
	sh.atHead = len(out.Records) < limit
	sh.iter = out.NextShardIterator
	if sh.iter == nil { // the shard closed: follow its children from their start
		sh.closed = true
		if sr.d.checkpointer == nil {
			delete(sr.shards, id)
		}
		all, err := sr.listShards(ctx)
		if err != nil {
			return len(out.Records), err
		}
		kids := childrenOf(all)
		if err := sr.open(ctx, kids[id], kids, sttypes.ShardIteratorTypeTrimHorizon); err != nil {
			return len(out.Records), err
		}
	}
	return len(out.Records), nil
}

// recover repairs what a failed GetRecords allows, and returns the error
// that remains (nil once repaired):
//   - an expired iterator (15 minutes on AWS) is reopened after the last
//     record read;
//   - trimmed data (the reader fell more than the retention behind, or a
//     checkpoint is that old) reopens the shard at its trim horizon, and
//     the gap is reported;
//   - a removed stream or shard (ResourceNotFoundException) makes the
//     reader describe the table again and follow its current stream from
//     its trim horizon, reporting the gap.
func (sr *streamReader) recover(ctx context.Context, id string, sh *shardState, err error) error {
	var (
		expired *sttypes.ExpiredIteratorException
		trimmed *sttypes.TrimmedDataAccessException
		gone    *sttypes.ResourceNotFoundException
	)
	switch {
	case errors.As(err, &expired):
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &sr.arn, ShardId: &id, ShardIteratorType: sh.from}
		if sh.lastSeq != "" {
			in.ShardIteratorType, in.SequenceNumber = sttypes.ShardIteratorTypeAfterSequenceNumber, &sh.lastSeq
		}
		out, gerr := sr.api.GetShardIterator(ctx, in)
		if gerr != nil {
			return gerr
		}
		sh.iter = out.ShardIterator
		return nil
	case errors.As(err, &trimmed):
		out, gerr := sr.api.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: &sr.arn, ShardId: &id, ShardIteratorType: sttypes.ShardIteratorTypeTrimHorizon})
		if gerr != nil {
			return gerr
		}
		sh.iter = out.ShardIterator
		sr.gap(Gap{Region: string(sr.region), Shard: id, From: sh.readUpTo(), To: sr.d.clock.Now(), Reason: "trimmed data"})
		return nil
	case errors.As(err, &gone):
		return sr.rediscover(ctx, id, sh)
	}
	return err
}

// rediscover follows the table's current stream after the one read was
// removed (the stream disabled, re-enabled). Until the table has a stream
// again the error stays, and the shard backs off.
func (sr *streamReader) rediscover(ctx context.Context, id string, sh *shardState) error {
	arn, err := sr.d.describe(ctx, sr.region)
	if err != nil {
		return err
	}
	if arn == sr.arn {
		return &StreamError{Table: sr.d.table, Region: sr.region, Reason: "shard " + id + " not found in the stream"}
	}
	old := sr.arn
	sr.arn = arn
	prev := sr.shards
	sr.shards = map[string]*shardState{}
	if err := sr.openRoots(ctx, sttypes.ShardIteratorTypeTrimHorizon); err != nil {
		sr.arn, sr.shards = old, prev
		return err
	}
	sr.gap(Gap{Region: string(sr.region), Shard: id, From: sh.readUpTo(), To: sr.d.clock.Now(), Reason: "stream removed; following " + arn})
	return nil
}

// readUpTo is the time up to which the shard was read: its last record's,
// or when it was opened if none was read.
func (sh *shardState) readUpTo() time.Time {
	if sh.lastAt.IsZero() {
		return sh.opened
	}
	return sh.lastAt
}

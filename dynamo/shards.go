package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// shardState is a reader's position in one shard. Owned by the reader's
// goroutine (and by stop once the goroutine ended).
type shardState struct {
	iter    *string
	from    sttypes.ShardIteratorType // where an expired iterator with no record read restarts
	lastSeq string                    // last record processed
	saved   string                    // last checkpoint saved
	marks   []mark                    // records whose claims are pending (checkpoint.go)
	closed  bool                      // read to its end; kept until its checkpoint is saved
}

// start positions the reader before New returns: every shard whose parent
// is gone from the stream (the roots) is opened at its checkpoint or at
// Options.StreamStart; a child is opened when its parent has been read to
// its end, so the records of one item are judged in order.
func (sr *streamReader) start(ctx context.Context) error {
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
	fresh := sttypes.ShardIteratorTypeLatest
	if sr.d.startAt == StreamStartTrimHorizon {
		fresh = sttypes.ShardIteratorTypeTrimHorizon
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
		st := &shardState{from: fresh, lastSeq: seq, saved: seq}
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &sr.arn, ShardId: &id, ShardIteratorType: fresh}
		if ok {
			in.ShardIteratorType, in.SequenceNumber = sttypes.ShardIteratorTypeAfterSequenceNumber, &seq
		}
		out, err := sr.api.GetShardIterator(ctx, in)
		var trimmed *sttypes.TrimmedDataAccessException
		if ok && errors.As(err, &trimmed) {
			// The checkpoint is older than the stream's retention: what
			// lay between is gone. Read what is left, and say so.
			sr.d.log.Warn("dynamo: checkpoint trimmed, losses in between are not surfaced", "table", sr.d.table, "region", string(sr.region), "shard", id)
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

// round reads each shard once and returns how many records it processed.
func (sr *streamReader) round(ctx context.Context) (int, error) {
	got := 0
	for id, sh := range sr.shards {
		if sh.closed {
			continue
		}
		out, err := sr.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: sh.iter, Limit: aws.Int32(1000)})
		if err != nil {
			return got, sr.recover(ctx, id, sh, err)
		}
		for i := range out.Records {
			tk := sr.process(&out.Records[i])
			seq := ""
			if sq := out.Records[i].Dynamodb; sq != nil {
				seq = aws.ToString(sq.SequenceNumber)
			}
			if tk != nil {
				sh.marks = append(sh.marks, mark{before: sh.lastSeq, tk: tk})
			}
			if seq != "" {
				sh.lastSeq = seq
			}
		}
		got += len(out.Records)
		sh.iter = out.NextShardIterator
		if sh.iter == nil { // the shard closed: follow its children from their start
			sh.closed = true
			if sr.d.checkpointer == nil {
				delete(sr.shards, id)
			}
			all, err := sr.listShards(ctx)
			if err != nil {
				return got, err
			}
			kids := childrenOf(all)
			if err := sr.open(ctx, kids[id], kids, sttypes.ShardIteratorTypeTrimHorizon); err != nil {
				return got, err
			}
		}
	}
	return got, nil
}

// recover re-opens a shard iterator that expired (15 minutes on AWS)
// after the last record read.
func (sr *streamReader) recover(ctx context.Context, id string, sh *shardState, err error) error {
	var expired *sttypes.ExpiredIteratorException
	if !errors.As(err, &expired) {
		return err
	}
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
}

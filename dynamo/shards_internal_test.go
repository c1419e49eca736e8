package dynamo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// fakeShard is one scripted shard: its records, its parent, and whether
// it is closed (then GetRecords at its end returns no next iterator).
type fakeShard struct {
	id, parent string
	closed     bool
	recs       []sttypes.Record
}

// fakeStream serves scripted shards through StreamsAPI, because the
// emulator's stream has a single shard that never closes. Iterators are
// "shard:index". Used from one goroutine.
type fakeStream struct {
	shards []fakeShard
	reads  []string // shard ids of GetRecords calls that returned records, in order
}

func (f *fakeStream) shard(id string) *fakeShard {
	for i := range f.shards {
		if f.shards[i].id == id {
			return &f.shards[i]
		}
	}
	return nil
}

func (f *fakeStream) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	desc := &sttypes.StreamDescription{StreamArn: in.StreamArn}
	for _, s := range f.shards {
		sh := sttypes.Shard{ShardId: aws.String(s.id), SequenceNumberRange: &sttypes.SequenceNumberRange{StartingSequenceNumber: aws.String("0")}}
		if s.parent != "" {
			sh.ParentShardId = aws.String(s.parent)
		}
		if s.closed {
			sh.SequenceNumberRange.EndingSequenceNumber = aws.String("999")
		}
		desc.Shards = append(desc.Shards, sh)
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: desc}, nil
}

func (f *fakeStream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	s := f.shard(aws.ToString(in.ShardId))
	pos := 0
	switch in.ShardIteratorType {
	case sttypes.ShardIteratorTypeLatest:
		pos = len(s.recs)
	case sttypes.ShardIteratorTypeAfterSequenceNumber:
		for pos < len(s.recs) && *s.recs[pos].Dynamodb.SequenceNumber <= aws.ToString(in.SequenceNumber) {
			pos++
		}
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s:%d", s.id, pos))}, nil
}

func (f *fakeStream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	id, p, _ := strings.Cut(aws.ToString(in.ShardIterator), ":")
	pos, _ := strconv.Atoi(p)
	s := f.shard(id)
	out := &dynamodbstreams.GetRecordsOutput{Records: s.recs[pos:]}
	if len(out.Records) > 0 {
		f.reads = append(f.reads, id)
	}
	if !s.closed || len(out.Records) > 0 {
		out.NextShardIterator = aws.String(fmt.Sprintf("%s:%d", id, len(s.recs)))
	}
	return out, nil
}

// modify is a MODIFY record old -> new of key k (versions "" = INSERT).
func modify(seq, oldVer, newVer string, lineage ...string) sttypes.Record {
	img := func(ver string, lin []string) map[string]sttypes.AttributeValue {
		m := map[string]sttypes.AttributeValue{"pk": &sttypes.AttributeValueMemberS{Value: "k"}, "_mr_ver": &sttypes.AttributeValueMemberS{Value: ver}}
		if len(lin) > 0 {
			m["_mr_prev"] = &sttypes.AttributeValueMemberS{Value: lin[0]}
			m["_mr_lin"] = &sttypes.AttributeValueMemberS{Value: strings.Join(lin, ",")}
		}
		return m
	}
	r := sttypes.Record{EventName: sttypes.OperationTypeModify, Dynamodb: &sttypes.StreamRecord{SequenceNumber: aws.String(seq), NewImage: img(newVer, lineage)}}
	if oldVer == "" {
		r.EventName = sttypes.OperationTypeInsert
	} else {
		r.Dynamodb.OldImage = img(oldVer, nil)
	}
	return r
}

func testReader(t *testing.T, api StreamsAPI, cp Checkpointer, start StreamStart, got *[]Conflict) (*detector, *streamReader) {
	d := &detector{table: "t", schema: ConflictSchema{Table: "t", PartitionKey: "pk"}, clock: multiregion.SystemClock{},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), startAt: start, checkpointer: cp, once: detect.NewOnce(64)}
	d.judge = detect.New(detect.Config{Versions: d.schema.Versions(), Capacity: 64})
	d.deliv = newDelivery(func(c Conflict) { *got = append(*got, c) }, nil, 0, nil)
	t.Cleanup(d.deliv.stop)
	return d, &streamReader{d: d, region: "us-east-1", api: api, arn: "arn", shards: map[string]*shardState{}}
}

// settleAll settles every claim and waits until the delivery goroutine
// delivered them.
func (d *detector) settleAll(t *testing.T) {
	n := d.deliverDue(true)
	for {
		ch := d.deliv.moved.wait()
		if d.deliv.done.Load() >= n {
			return
		}
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("delivery stalled")
		}
	}
}

// TestShardRolloverParentsFirstAndCheckpointed: a closed parent shard is
// read to its end before its child, the loss spanning the two is judged,
// both checkpoints are saved, and a restart from them reads nothing again.
func TestShardRolloverParentsFirstAndCheckpointed(t *testing.T) {
	ctx := context.Background()
	api := &fakeStream{shards: []fakeShard{
		{id: "child", parent: "parent", recs: []sttypes.Record{modify("0003", "b", "x", "a")}}, // x never saw b: b lost
		{id: "parent", closed: true, recs: []sttypes.Record{modify("0001", "", "a"), modify("0002", "a", "b", "a")}},
	}}
	cp := NewMemoryCheckpointer()
	var got []Conflict
	d, sr := testReader(t, api, cp, StreamStartTrimHorizon, &got)
	if err := sr.start(ctx, d.startAt); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, clean := sr.round(ctx); !clean {
			t.Fatal("round failed")
		}
		d.settleAll(t)
		sr.checkpoint(ctx)
	}
	if strings.Join(api.reads, ",") != "parent,child" {
		t.Fatalf("reads %v, want the parent before the child", api.reads)
	}
	if len(got) != 1 || got[0].Lost.Version != "b" || got[0].Winner.Version != "x" {
		t.Fatalf("conflicts %+v, want b lost to x", got)
	}
	for shard, want := range map[string]string{"parent": "0002", "child": "0003"} {
		if seq, ok, _ := cp.Load(ctx, sr.shardKey(shard)); !ok || seq != want {
			t.Errorf("checkpoint of %s = %q, want %s", shard, seq, want)
		}
	}
	if _, open := sr.shards["parent"]; open {
		t.Error("the finished parent is still followed")
	}
	// A restart resumes after both checkpoints: nothing is read again.
	api.reads = nil
	var again []Conflict
	d2, sr2 := testReader(t, api, cp, StreamStartLatest, &again)
	if err := sr2.start(ctx, d2.startAt); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, clean := sr2.round(ctx); !clean {
			t.Fatal("round failed")
		}
		d2.settleAll(t)
	}
	if len(api.reads) != 0 || len(again) != 0 {
		t.Fatalf("restart read %v and surfaced %d", api.reads, len(again))
	}
	if _, ok := sr2.shards["child"]; !ok {
		t.Fatal("restart does not follow the child")
	}
}

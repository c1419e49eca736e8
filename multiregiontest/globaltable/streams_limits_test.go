package globaltable_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// firstAnswer is l's Streams client of region without SDK retries, so a
// throttle reaches the test.
func (l *lab) firstAnswer(region string) *dynamodbstreams.Client {
	return dynamodbstreams.New(l.streams[region].Options(), func(o *dynamodbstreams.Options) {
		o.Retryer = multiregiontest.FirstAnswerRetryer()
	})
}

func (l *lab) iterator(c *dynamodbstreams.Client, arn, shard string, typ sttypes.ShardIteratorType, seq string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: typ}
	if seq != "" {
		in.SequenceNumber = &seq
	}
	out, err := c.GetShardIterator(ctx(l.t), in)
	if err != nil {
		return nil, err
	}
	return out.ShardIterator, nil
}

func TestStreamThirdReaderThrottled(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1}})
	l.createTable(use1, "t")
	arn, shard := l.shard(use1, "t")
	c := l.firstAnswer(use1)
	var iters []*string
	for range 3 {
		it, err := l.iterator(c, arn, shard, sttypes.ShardIteratorTypeTrimHorizon, "")
		must.NoError(t, err)
		iters = append(iters, it)
	}
	for i, it := range iters[:2] {
		out, err := c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		must.NoError(t, err, "reader", i)
		iters[i] = out.NextShardIterator
	}
	_, err := c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: iters[2]})
	var limit *sttypes.LimitExceededException
	must.ErrorAs(t, err, &limit)
	// The two admitted readers go on: a reader is one iterator chain.
	for i, it := range iters[:2] {
		_, err := c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		must.NoError(t, err, "reader", i, "again")
	}
	must.Equal(t, 2, l.emu.StreamReaders(use1, "t"))
	// Once one stops reading for StreamReaderWindow, the third gets in.
	time.Sleep(globaltable.StreamReaderWindow + 100*time.Millisecond)
	out, err := c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: iters[2]})
	must.NoError(t, err)
	// Without the limit, any number read.
	l.emu.SetStreamReaderLimit(0)
	for i, it := range append(iters[:2], out.NextShardIterator) {
		_, err := c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		must.NoError(t, err, "unlimited reader", i)
	}
}

func TestStreamTrimmedUnderStalledReader(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1}})
	l.createTable(use1, "t")
	arn, shard := l.shard(use1, "t")
	c := l.firstAnswer(use1)
	it, err := l.iterator(c, arn, shard, sttypes.ShardIteratorTypeTrimHorizon, "")
	must.NoError(t, err)
	for i := range 3 {
		l.put(use1, "t", itemWith("k", i, map[string]string{"v": "1"}))
	}
	first := l.records(use1, "t", sttypes.ShardIteratorTypeTrimHorizon, "")
	must.Len(t, first, 3)
	n, err := l.emu.TrimStream(use1, "t", time.Now())
	must.NoError(t, err)
	must.Equal(t, 3, n)
	l.put(use1, "t", itemWith("k", 9, map[string]string{"v": "1"}))

	// The stalled reader's position is gone.
	_, err = c.GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	var trimmed *sttypes.TrimmedDataAccessException
	must.ErrorAs(t, err, &trimmed)
	// So is a checkpoint inside what was trimmed; after the last trimmed record is fine.
	_, err = l.iterator(c, arn, shard, sttypes.ShardIteratorTypeAfterSequenceNumber, aws.ToString(first[1].Dynamodb.SequenceNumber))
	must.ErrorAs(t, err, &trimmed)
	after := l.records(use1, "t", sttypes.ShardIteratorTypeAfterSequenceNumber, aws.ToString(first[2].Dynamodb.SequenceNumber))
	must.Len(t, after, 1)
	// TRIM_HORIZON starts after the trim.
	rest := l.records(use1, "t", sttypes.ShardIteratorTypeTrimHorizon, "")
	must.Len(t, rest, 1)
	must.Equal(t, aws.ToString(after[0].Dynamodb.SequenceNumber), aws.ToString(rest[0].Dynamodb.SequenceNumber))
}

func TestStreamRenewedOldARNNotFound(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	oldARN, shard := l.shard(usw2, "t")
	it, err := l.iterator(l.streams[usw2], oldARN, shard, sttypes.ShardIteratorTypeTrimHorizon, "")
	must.NoError(t, err)
	time.Sleep(2 * time.Millisecond) // labels are per millisecond
	must.NoError(t, l.emu.RenewStream("t"))
	newARN, _ := l.shard(usw2, "t") // checks DescribeTable names the new stream
	must.True(t, newARN != oldARN, "the stream ARN did not change")
	_, err = l.streams[usw2].GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it})
	var gone *sttypes.ResourceNotFoundException
	must.ErrorAs(t, err, &gone)
	_, err = l.streams[usw2].DescribeStream(ctx(t), &dynamodbstreams.DescribeStreamInput{StreamArn: &oldARN})
	must.True(t, errors.As(err, &gone), err)
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1"}))
	l.quiesce()
	must.Len(t, l.records(usw2, "t", sttypes.ShardIteratorTypeTrimHorizon, ""), 1)
}

package globaltable_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// shard returns the stream ARN and shard id of table in region, checking
// that ListStreams, DescribeStream and DescribeTable agree.
func (l *lab) shard(region, table string) (arn, shardID string) {
	l.t.Helper()
	c := l.streams[region]
	list, err := c.ListStreams(ctx(l.t), &dynamodbstreams.ListStreamsInput{TableName: aws.String(table)})
	must.NoError(l.t, err)
	must.Len(l.t, list.Streams, 1)
	arn = aws.ToString(list.Streams[0].StreamArn)
	must.True(l.t, strings.HasPrefix(arn, "arn:aws:dynamodb:"+region+":000000000000:table/"+table+"/stream/"), arn)

	td, err := l.ddb[region].DescribeTable(ctx(l.t), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	must.NoError(l.t, err)
	must.Equal(l.t, arn, aws.ToString(td.Table.LatestStreamArn))

	desc, err := c.DescribeStream(ctx(l.t), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	must.NoError(l.t, err)
	must.Equal(l.t, sttypes.StreamStatusEnabled, desc.StreamDescription.StreamStatus)
	must.Equal(l.t, sttypes.StreamViewTypeNewAndOldImages, desc.StreamDescription.StreamViewType)
	must.Len(l.t, desc.StreamDescription.Shards, 1)
	return arn, aws.ToString(desc.StreamDescription.Shards[0].ShardId)
}

// records reads the whole shard of table in region from an iterator of typ.
func (l *lab) records(region, table string, typ sttypes.ShardIteratorType, seq string) []sttypes.Record {
	l.t.Helper()
	arn, shardID := l.shard(region, table)
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: aws.String(shardID), ShardIteratorType: typ}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	it, err := l.streams[region].GetShardIterator(ctx(l.t), in)
	must.NoError(l.t, err)
	var out []sttypes.Record
	iter := it.ShardIterator
	for {
		page, err := l.streams[region].GetRecords(ctx(l.t), &dynamodbstreams.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(1)})
		must.NoError(l.t, err)
		must.NotNil(l.t, page.NextShardIterator, "an open shard always has a next iterator")
		if len(page.Records) == 0 {
			return out
		}
		out = append(out, page.Records...)
		iter = page.NextShardIterator
	}
}

func streamAttr(img map[string]sttypes.AttributeValue, name string) string {
	if s, ok := img[name].(*sttypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func TestStreamsCarryOldAndNewImagesInEveryRegion(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.emu.SetStreamReaderLimit(0) // reads each shard from four positions in a row: four readers
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1"}))
	l.quiesce()
	l.put(usw2, "t", itemWith("k", 1, map[string]string{"v": "2"}))
	l.quiesce()
	_, err := l.ddb[use1].DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("k", 1)})
	must.NoError(t, err)
	l.quiesce()

	for _, region := range []string{use1, usw2} {
		recs := l.records(region, "t", sttypes.ShardIteratorTypeTrimHorizon, "")
		must.Len(t, recs, 3, region)
		wantNames := []sttypes.OperationType{sttypes.OperationTypeInsert, sttypes.OperationTypeModify, sttypes.OperationTypeRemove}
		for i, rec := range recs {
			must.Equal(t, wantNames[i], rec.EventName, "%s record %d", region, i)
			must.Equal(t, region, aws.ToString(rec.AwsRegion))
			must.Equal(t, "aws:dynamodb", aws.ToString(rec.EventSource))
			must.Nil(t, rec.UserIdentity)
			must.Equal(t, sttypes.StreamViewTypeNewAndOldImages, rec.Dynamodb.StreamViewType)
			must.Equal(t, "k", streamAttr(rec.Dynamodb.Keys, "pk"))
			must.NotNil(t, rec.Dynamodb.ApproximateCreationDateTime)
			if i > 0 {
				must.True(t, aws.ToString(recs[i-1].Dynamodb.SequenceNumber) < aws.ToString(rec.Dynamodb.SequenceNumber), "sequence numbers increase")
			}
		}
		must.Nil(t, recs[0].Dynamodb.OldImage)
		must.Equal(t, "1", streamAttr(recs[0].Dynamodb.NewImage, "v"))
		must.Equal(t, "1", streamAttr(recs[1].Dynamodb.OldImage, "v"))
		must.Equal(t, "2", streamAttr(recs[1].Dynamodb.NewImage, "v"))
		must.Equal(t, "2", streamAttr(recs[2].Dynamodb.OldImage, "v"))
		must.Nil(t, recs[2].Dynamodb.NewImage)

		after := l.records(region, "t", sttypes.ShardIteratorTypeAfterSequenceNumber, aws.ToString(recs[0].Dynamodb.SequenceNumber))
		must.Len(t, after, 2, "AFTER_SEQUENCE_NUMBER skips the named record")
		must.Equal(t, recs[1].Dynamodb.SequenceNumber, after[0].Dynamodb.SequenceNumber)
		at := l.records(region, "t", sttypes.ShardIteratorTypeAtSequenceNumber, aws.ToString(recs[1].Dynamodb.SequenceNumber))
		must.Len(t, at, 2, "AT_SEQUENCE_NUMBER starts at the named record")
		must.Empty(t, l.records(region, "t", sttypes.ShardIteratorTypeLatest, ""))
	}
}

// A LATEST iterator taken before a write returns that write afterwards, and
// a replicated write that loses LWW leaves no record where it was discarded.
func TestStreamLatestIteratorAndDiscardedWrites(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	arn, shardID := l.shard(usw2, "t")
	it, err := l.streams[usw2].GetShardIterator(ctx(t), &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(arn), ShardId: aws.String(shardID), ShardIteratorType: sttypes.ShardIteratorTypeLatest,
	})
	must.NoError(t, err)

	l.emu.PauseReplication(usw2)
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "old"}))
	l.put(usw2, "t", itemWith("k", 1, map[string]string{"v": "new"}))
	l.emu.ResumeReplication(usw2)
	l.quiesce()

	page, err := l.streams[usw2].GetRecords(ctx(t), &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	must.NoError(t, err)
	must.Len(t, page.Records, 1, "use1's older write was discarded in usw2: no record")
	must.Equal(t, "new", streamAttr(page.Records[0].Dynamodb.NewImage, "v"))

	use1Recs := l.records(use1, "t", sttypes.ShardIteratorTypeTrimHorizon, "")
	must.Len(t, use1Recs, 2, "use1 saw its own insert, then usw2's winning write")
	must.Equal(t, "old", streamAttr(use1Recs[1].Dynamodb.OldImage, "v"))
	must.Equal(t, "new", streamAttr(use1Recs[1].Dynamodb.NewImage, "v"))
}

func TestStreamsErrorsAreTyped(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	_, err := l.streams[use1].DescribeStream(ctx(t), &dynamodbstreams.DescribeStreamInput{
		StreamArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/x"),
	})
	var nf *sttypes.ResourceNotFoundException
	must.ErrorAs(t, err, &nf)

	l.createTable(use1, "t")
	arn, _ := l.shard(usw2, "t")
	_, err = l.streams[use1].DescribeStream(ctx(t), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	must.ErrorAs(t, err, &nf, "streams are regional: use1 does not serve usw2's stream")
}

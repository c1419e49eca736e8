package multiregiontest

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamsReader is the part of the DynamoDB Streams client an
// EventSource reads with. *dynamodbstreams.Client satisfies it.
type StreamsReader interface {
	ListStreams(ctx context.Context, in *dynamodbstreams.ListStreamsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.ListStreamsOutput, error)
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// EventSource plays Lambda's DynamoDB Streams event source mapping on
// one region's stream of a table, so a Lambda handler can be tested
// against the emulator: it reads the stream through the Streams API (one
// reader, which the emulator counts against the 2-reader limit), hands out
// batches as events.DynamoDBEvent, and, as Lambda does with
// ReportBatchItemFailures, redelivers a batch from its first failed record
// (the whole batch when the handler returned an error). It follows the
// stream's first shard from TRIM_HORIZON (the emulator's streams have one).
// Not safe for concurrent use.
type EventSource struct {
	api    StreamsReader
	region string
	arn    string
	iter   *string
	buf    []events.DynamoDBEventRecord // read, not yet acknowledged
	out    int                          // records of buf handed out by the last Next
}

// NewEventSource opens an EventSource on table's stream, read with api
// (a Streams client of the region).
func NewEventSource(ctx context.Context, api StreamsReader, region, table string) (*EventSource, error) {
	list, err := api.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: &table})
	if err != nil {
		return nil, err
	}
	if len(list.Streams) == 0 {
		return nil, errors.New("multiregiontest: table " + table + " has no stream in " + region)
	}
	arn := aws.ToString(list.Streams[0].StreamArn)
	desc, err := api.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		return nil, err
	}
	if desc.StreamDescription == nil || len(desc.StreamDescription.Shards) == 0 {
		return nil, errors.New("multiregiontest: the stream of " + table + " in " + region + " has no shard")
	}
	it, err := api.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn,
		ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: sttypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		return nil, err
	}
	return &EventSource{api: api, region: region, arn: arn, iter: it.ShardIterator}, nil
}

// EventSource opens an EventSource on table's stream in region, read
// through the emulator directly (no endpoint switch).
func (d *DynamoDB) EventSource(ctx context.Context, region, table string) (*EventSource, error) {
	c := dynamodbstreams.New(dynamodbstreams.Options{
		Region:       region,
		BaseEndpoint: aws.String("http://127.0.0.1"), // never dialled: the transport is in memory
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		HTTPClient:   &http.Client{Transport: inMemory{d.emu.Handler(region)}},
		Retryer:      FirstAnswerRetryer(),
	})
	return NewEventSource(ctx, c, region, table)
}

// Next returns the next batch of at most size records (size ≤ 0: 100,
// Lambda's default), starting with those the last batch left
// unacknowledged; an empty batch when the stream holds nothing more.
func (s *EventSource) Next(ctx context.Context, size int) (events.DynamoDBEvent, error) {
	if size <= 0 {
		size = 100
	}
	for len(s.buf) < size && s.iter != nil {
		out, err := s.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: s.iter, Limit: aws.Int32(int32(size - len(s.buf)))})
		if err != nil {
			return events.DynamoDBEvent{}, err
		}
		s.iter = out.NextShardIterator
		for _, rec := range out.Records {
			s.buf = append(s.buf, LambdaRecord(s.arn, rec))
		}
		if len(out.Records) == 0 {
			break
		}
	}
	s.out = min(size, len(s.buf))
	return events.DynamoDBEvent{Records: slices.Clone(s.buf[:s.out])}, nil
}

// Ack reports how the handler answered the last batch: with an error
// nothing is consumed; with batch item failures, the records from the
// first failed one on are delivered again; otherwise the batch is consumed.
func (s *EventSource) Ack(resp events.DynamoDBEventResponse, err error) {
	if err != nil {
		return
	}
	done := s.out
	for _, f := range resp.BatchItemFailures {
		for i, rec := range s.buf[:s.out] {
			if rec.Change.SequenceNumber == f.ItemIdentifier {
				done = min(done, i)
			}
		}
	}
	s.buf = slices.Delete(s.buf, 0, done)
	s.out = 0
}

// LambdaRecord converts a DynamoDB Streams record of the stream arn into
// the record a Lambda function receives for it.
func LambdaRecord(arn string, rec sttypes.Record) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion: aws.ToString(rec.AwsRegion), EventID: aws.ToString(rec.EventID),
		EventName: string(rec.EventName), EventSource: aws.ToString(rec.EventSource),
		EventVersion: aws.ToString(rec.EventVersion), EventSourceArn: arn,
	}
	if d := rec.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: aws.ToTime(d.ApproximateCreationDateTime)},
			Keys:                        lambdaItem(d.Keys),
			NewImage:                    lambdaItem(d.NewImage),
			OldImage:                    lambdaItem(d.OldImage),
			SequenceNumber:              aws.ToString(d.SequenceNumber),
			SizeBytes:                   aws.ToInt64(d.SizeBytes),
			StreamViewType:              string(d.StreamViewType),
		}
	}
	return out
}

func lambdaItem(m map[string]sttypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = lambdaValue(v)
	}
	return out
}

func lambdaValue(av sttypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := av.(type) {
	case *sttypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *sttypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *sttypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *sttypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *sttypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *sttypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *sttypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *sttypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, x := range v.Value {
			l[i] = lambdaValue(x)
		}
		return events.NewListAttribute(l)
	case *sttypes.AttributeValueMemberM:
		return events.NewMapAttribute(lambdaItem(v.Value))
	default:
		return events.NewNullAttribute()
	}
}

package globaltable

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// stream is a table's DynamoDB stream in one region: one open shard holding
// every change applied there, client writes and replicated writes alike.
// Guarded by the owning region's mu.
type stream struct {
	arn     string
	label   string
	table   string
	shardID string
	created time.Time
	keys    []sttypes.KeySchemaElement
	records []streamRecord
	// trimmed is the sequence number of the last record trimmed (0: none):
	// reading at or before it is TrimmedDataAccessException.
	trimmed int64
	readers readerCount
}

type streamRecord struct {
	seq     int64
	name    sttypes.OperationType
	keys    item
	old     item
	new     item
	at      time.Time
	eventID string
}

func newStream(regionName string, meta *tableMeta) *stream {
	s := &stream{
		arn:     streamARN(regionName, meta.name, meta.streamLabel),
		label:   meta.streamLabel,
		table:   meta.name,
		shardID: fmt.Sprintf("shardId-%020d-%08x", meta.created.UnixMilli(), meta.incarnation),
		created: meta.created,
	}
	for _, k := range meta.keySchema {
		s.keys = append(s.keys, sttypes.KeySchemaElement{
			AttributeName: k.AttributeName,
			KeyType:       sttypes.KeyType(k.KeyType),
		})
	}
	return s
}

// formatSeq renders a sequence number as AWS does: a string of digits.
// Zero padding makes string order agree with numeric order.
func formatSeq(n int64) string { return fmt.Sprintf("%021d", n) }

// appendStream records the change old -> new of key in table's stream here.
// Like DynamoDB Streams it writes nothing when nothing changed (including a
// delete of an absent item). Callers hold r.mu.
func (r *region) appendStream(table string, key, old, newImg item) {
	s := r.streams[table]
	if s == nil || sameItem(old, newImg) {
		return
	}
	name := sttypes.OperationTypeModify
	switch {
	case old == nil:
		name = sttypes.OperationTypeInsert
	case newImg == nil:
		name = sttypes.OperationTypeRemove
	}
	r.seq++
	s.records = append(s.records, streamRecord{
		seq: r.seq, name: name, keys: cloneItem(key), old: old, new: newImg,
		at: time.Now(), eventID: fmt.Sprintf("%s-%d", r.name, r.seq),
	})
}

// position returns the index of the first record with sequence number at
// least seq.
func (s *stream) position(seq int64) int {
	return sort.Search(len(s.records), func(i int) bool { return s.records[i].seq >= seq })
}

// sdkRecord renders a record with the DynamoDB Streams SDK types.
// UserIdentity stays nil: it is set only for TTL deletions.
func (s *stream) sdkRecord(regionName string, rec streamRecord) sttypes.Record {
	size, _ := json.Marshal([]item{rec.keys, rec.old, rec.new})
	at := rec.at.Truncate(time.Second) // AWS rounds down to the second
	return sttypes.Record{
		EventID:      aws.String(rec.eventID),
		EventName:    rec.name,
		EventVersion: aws.String("1.1"),
		EventSource:  aws.String("aws:dynamodb"),
		AwsRegion:    aws.String(regionName),
		Dynamodb: &sttypes.StreamRecord{
			ApproximateCreationDateTime: &at,
			Keys:                        toStreamItem(rec.keys),
			NewImage:                    toStreamItem(rec.new),
			OldImage:                    toStreamItem(rec.old),
			SequenceNumber:              aws.String(formatSeq(rec.seq)),
			SizeBytes:                   aws.Int64(int64(len(size))),
			StreamViewType:              sttypes.StreamViewTypeNewAndOldImages,
		},
	}
}

// description renders the stream for DescribeStream: one open shard.
func (s *stream) description() *sttypes.StreamDescription {
	start := formatSeq(s.trimmed + 1)
	if len(s.records) > 0 {
		start = formatSeq(s.records[0].seq)
	}
	created := s.created
	return &sttypes.StreamDescription{
		StreamArn:               aws.String(s.arn),
		StreamLabel:             aws.String(s.label),
		StreamStatus:            sttypes.StreamStatusEnabled,
		StreamViewType:          sttypes.StreamViewTypeNewAndOldImages,
		CreationRequestDateTime: &created,
		TableName:               aws.String(s.table),
		KeySchema:               s.keys,
		Shards: []sttypes.Shard{{
			ShardId:             aws.String(s.shardID),
			SequenceNumberRange: &sttypes.SequenceNumberRange{StartingSequenceNumber: aws.String(start)},
		}},
	}
}

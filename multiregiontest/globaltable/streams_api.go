package globaltable

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stschemas "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/schemas"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Request shapes of the DynamoDB Streams API (plain JSON, no attribute values).
type (
	listStreamsInput struct {
		TableName               string
		Limit                   int
		ExclusiveStartStreamArn string
	}
	describeStreamInput struct {
		StreamArn string
	}
	getShardIteratorInput struct {
		StreamArn         string
		ShardId           string //nolint:revive // the wire name
		ShardIteratorType sttypes.ShardIteratorType
		SequenceNumber    string
	}
	getRecordsInput struct {
		ShardIterator string
		Limit         int
	}
)

// iterator is the content of a shard iterator: which stream and shard,
// the sequence number the next record has at least, and the reader it was
// issued to (GetShardIterator starts a reader; the iterators GetRecords
// returns continue it). Encoded opaque, as AWS's are.
type iterator struct {
	Arn    string `json:"a"`
	Shard  string `json:"s"`
	Next   int64  `json:"n"`
	Reader uint64 `json:"r"`
}

func (it iterator) String() string {
	b, _ := json.Marshal(it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// streams routes one DynamoDB Streams API call. Streams are regional: this
// endpoint serves only the streams of this region.
func (h *regionHandler) streams(w http.ResponseWriter, op string, body []byte) {
	var err error
	switch op {
	case "ListStreams":
		err = h.listStreams(w, body)
	case "DescribeStream":
		err = h.describeStream(w, body)
	case "GetShardIterator":
		err = h.getShardIterator(w, body)
	case "GetRecords":
		err = h.getRecords(w, body)
	default:
		err = unknownOperation(streamsTargetPrefix + op)
	}
	if err != nil {
		writeError(w, err)
	}
}

func (h *regionHandler) listStreams(w http.ResponseWriter, body []byte) error {
	in, err := decode[listStreamsInput](body)
	if err != nil {
		return err
	}
	h.r.mu.Lock()
	var all []sttypes.Stream
	for _, s := range h.r.streams {
		if in.TableName == "" || in.TableName == s.table {
			all = append(all, sttypes.Stream{StreamArn: aws.String(s.arn), StreamLabel: aws.String(s.label), TableName: aws.String(s.table)})
		}
	}
	h.r.mu.Unlock()
	slices.SortFunc(all, func(a, b sttypes.Stream) int { return strings.Compare(*a.StreamArn, *b.StreamArn) })
	if in.ExclusiveStartStreamArn != "" {
		i := slices.IndexFunc(all, func(s sttypes.Stream) bool { return *s.StreamArn > in.ExclusiveStartStreamArn })
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	out := &dynamodbstreams.ListStreamsOutput{Streams: all}
	if in.Limit > 0 && len(all) > in.Limit {
		out.Streams = all[:in.Limit]
		out.LastEvaluatedStreamArn = all[in.Limit-1].StreamArn
	}
	if out.Streams == nil {
		out.Streams = []sttypes.Stream{}
	}
	writeSDK(w, streamsProto, stschemas.ListStreams, stschemas.ListStreamsOutput, out)
	return nil
}

// streamByARN finds a stream of this region. Callers hold h.r.mu.
func (h *regionHandler) streamByARN(arn string) (*stream, error) {
	for _, s := range h.r.streams {
		if s.arn == arn {
			return s, nil
		}
	}
	return nil, &sttypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: Stream: " + arn + " not found")}
}

func (h *regionHandler) describeStream(w http.ResponseWriter, body []byte) error {
	in, err := decode[describeStreamInput](body)
	if err != nil {
		return err
	}
	h.r.mu.Lock()
	s, err := h.streamByARN(in.StreamArn)
	var desc *sttypes.StreamDescription
	if err == nil {
		desc = s.description()
	}
	h.r.mu.Unlock()
	if err != nil {
		return err
	}
	writeSDK(w, streamsProto, stschemas.DescribeStream, stschemas.DescribeStreamOutput,
		&dynamodbstreams.DescribeStreamOutput{StreamDescription: desc})
	return nil
}

func (h *regionHandler) getShardIterator(w http.ResponseWriter, body []byte) error {
	in, err := decode[getShardIteratorInput](body)
	if err != nil {
		return err
	}
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	s, err := h.streamByARN(in.StreamArn)
	if err != nil {
		return err
	}
	if in.ShardId != s.shardID {
		return &sttypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: Shard: " + in.ShardId + " not found")}
	}
	it := iterator{Arn: s.arn, Shard: s.shardID, Next: s.trimmed + 1, Reader: s.readers.nextReader()}
	switch in.ShardIteratorType {
	case sttypes.ShardIteratorTypeTrimHorizon:
	case sttypes.ShardIteratorTypeLatest:
		it.Next = h.r.seq + 1
	case sttypes.ShardIteratorTypeAtSequenceNumber, sttypes.ShardIteratorTypeAfterSequenceNumber:
		seq, err := strconv.ParseInt(in.SequenceNumber, 10, 64)
		if err != nil || seq < 0 {
			return errValidation("invalid SequenceNumber %q", in.SequenceNumber)
		}
		it.Next = seq
		if in.ShardIteratorType == sttypes.ShardIteratorTypeAfterSequenceNumber {
			it.Next++
		}
		if it.Next <= s.trimmed {
			return trimmedError(s)
		}
	default:
		return errValidation("invalid ShardIteratorType %q", in.ShardIteratorType)
	}
	writeSDK(w, streamsProto, stschemas.GetShardIterator, stschemas.GetShardIteratorOutput,
		&dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(it.String())})
	return nil
}

func (h *regionHandler) getRecords(w http.ResponseWriter, body []byte) error {
	in, err := decode[getRecordsInput](body)
	if err != nil {
		return err
	}
	var it iterator
	raw, err := base64.RawURLEncoding.DecodeString(in.ShardIterator)
	if err != nil || json.Unmarshal(raw, &it) != nil {
		return errValidation("Invalid ShardIterator")
	}
	limit := in.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	h.r.mu.Lock()
	s, err := h.streamByARN(it.Arn)
	out := &dynamodbstreams.GetRecordsOutput{Records: []sttypes.Record{}}
	if err == nil {
		err = s.read(h.r.name, &it, limit, h.e.streamReaderLimit(), out)
	}
	h.r.mu.Unlock()
	if err != nil {
		return err
	}
	writeSDK(w, streamsProto, stschemas.GetRecords, stschemas.GetRecordsOutput, out)
	return nil
}

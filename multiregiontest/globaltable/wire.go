package globaltable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbschemas "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	stschemas "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/schemas"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// The SDK's own awsJson 1.0 codec encodes every response the emulator builds
// itself (DescribeTable, streams, errors). Using the real SDK types and
// their serializers guarantees the wire shape is what the SDK decodes, the
// same trick the SDK uses for its own response snapshot tests. A Protocol is
// shared by all calls of an SDK client, so sharing these is safe.
var (
	ddbProto     = awsjson.New10(ddbschemas.DynamoDB_20120810)
	streamsProto = awsjson.New10(stschemas.DynamoDBStreams_20120810)
)

// awsErrorPrefix qualifies error codes as DynamoDB does on the wire; the SDK
// strips everything up to '#' before looking the type up.
const awsErrorPrefix = "com.amazonaws.dynamodb.v20120810#"

// encodeSDK serialises v, whose schema is shape, with proto. Only the body
// of the "request" is used; op just has to be an operation of the service.
func encodeSDK(proto *awsjson.Protocol, op, shape *smithy.Schema, v smithy.Serializable) ([]byte, error) {
	req := smithyhttp.NewStackRequest().(*smithyhttp.Request)
	opSchema := smithy.NewOperationSchema(op, shape, shape)
	if err := proto.SerializeRequest(context.Background(), opSchema, v, req); err != nil {
		return nil, err
	}
	built := req.Build(context.Background())
	if built.Body == nil {
		return []byte("{}"), nil
	}
	return io.ReadAll(built.Body)
}

// writeSDK answers 200 with v encoded by the SDK codec.
func writeSDK(w http.ResponseWriter, proto *awsjson.Protocol, op, shape *smithy.Schema, v smithy.Serializable) {
	body, err := encodeSDK(proto, op, shape, v)
	if err != nil {
		writeError(w, fmt.Errorf("encode response: %w", err))
		return
	}
	writeBody(w, http.StatusOK, body)
}

// writeJSON answers 200 with v encoded by encoding/json; used for minidyn's
// output shapes, whose AttributeValue is a plain JSON struct.
func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeError(w, fmt.Errorf("encode response: %w", err))
		return
	}
	writeBody(w, http.StatusOK, buf.Bytes())
}

// writeBody answers with body and, as DynamoDB does, its CRC32 in
// X-Amz-Crc32. The SDK's dynamodb client checks that header on every
// success and fails a response that lacks it, so sending it spares every
// caller DisableValidateResponseChecksum.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers in DynamoDB's JSON error form: status 400 for client
// faults, 500 for server faults, body {"__type": "...#Code", "message": ...}
// plus any modelled members (ConditionalCheckFailedException.Item,
// TransactionCanceledException.CancellationReasons), so the SDK maps the
// answer to its typed error.
func writeError(w http.ResponseWriter, err error) {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		apiErr = &ddbtypes.InternalServerError{Message: aws.String(err.Error())}
	}
	status := http.StatusBadRequest
	if apiErr.ErrorFault() == smithy.FaultServer {
		status = http.StatusInternalServerError
	}
	fields := map[string]json.RawMessage{}
	if ser, ok := apiErr.(smithy.Serializable); ok {
		if body, encErr := encodeSDK(ddbProto, ddbschemas.PutItem, ddbschemas.PutItemOutput, ser); encErr == nil {
			_ = json.Unmarshal(body, &fields)
		}
	}
	typ, _ := json.Marshal(awsErrorPrefix + apiErr.ErrorCode())
	fields["__type"] = typ
	if _, ok := fields["message"]; !ok {
		msg, _ := json.Marshal(apiErr.ErrorMessage())
		fields["message"] = msg
	}
	body, _ := json.Marshal(fields)
	writeBody(w, status, body)
}

// unservedHandler is the endpoint of a region that serves nothing.
type unservedHandler string

func (h unservedHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	writeError(w, &ddbtypes.ResourceNotFoundException{Message: aws.String(string(h))})
}

func errValidation(format string, args ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func errNoTable(table string) error {
	return &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: Table: " + table + " not found")}
}

func errSerialization(err error) error {
	return &smithy.GenericAPIError{Code: "SerializationException", Message: err.Error(), Fault: smithy.FaultClient}
}

package globaltable

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/truora/minidyn/server"
)

const (
	dynamoTargetPrefix  = "DynamoDB_20120810."
	streamsTargetPrefix = "DynamoDBStreams_20120810."
)

// regionHandler is the HTTP endpoint of one replica region. Safe for
// concurrent use: all state it touches is guarded by the region's and the
// emulator's locks.
type regionHandler struct {
	e *Emulator
	r *region
}

func (h *regionHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		writeError(w, errValidation("only POST is supported, got %s", req.Method))
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		writeError(w, errSerialization(err))
		return
	}
	if h.e.closed() {
		writeError(w, &ddbtypes.InternalServerError{Message: aws.String(ErrClosed.Error())})
		return
	}
	target := req.Header.Get("X-Amz-Target")
	ctx := req.Context()
	if h.r.removed() && target != dynamoTargetPrefix+"ListTables" {
		// A removed replica (replicas.go): the table is gone from here.
		writeError(w, &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found: the table has no replica in " + h.r.name)})
		return
	}
	switch {
	case strings.HasPrefix(target, dynamoTargetPrefix):
		h.dynamo(ctx, w, strings.TrimPrefix(target, dynamoTargetPrefix), body)
	case strings.HasPrefix(target, streamsTargetPrefix):
		h.streams(w, strings.TrimPrefix(target, streamsTargetPrefix), body)
	default:
		writeError(w, unknownOperation(target))
	}
}

// dynamo routes one DynamoDB API call. Table administration and writes get
// global-table treatment; reads go straight to this region's storage.
func (h *regionHandler) dynamo(ctx context.Context, w http.ResponseWriter, op string, body []byte) {
	var (
		out any
		err error
	)
	switch op {
	case "CreateTable":
		out, err = withInput(ctx, body, h.createTable)
	case "DeleteTable":
		out, err = withInput(ctx, body, h.deleteTable)
	case "DescribeTable":
		out, err = withInput(ctx, body, h.describeTable)
	case "UpdateTable":
		out, err = withInput(ctx, body, h.updateTable)
	case "ListTables":
		out, err = withInput(ctx, body, h.listTables)
	case "PutItem":
		out, err = h.putItem(ctx, body)
	case "UpdateItem":
		out, err = h.updateItem(ctx, body)
	case "DeleteItem":
		out, err = h.deleteItem(ctx, body)
	case "BatchWriteItem":
		out, err = h.batchWriteItem(ctx, body)
	case "TransactWriteItems":
		out, err = h.transactWriteItems(ctx, body)
	case "GetItem":
		out, err = readCall(ctx, h.r, body, h.r.db.GetItem, checkGetItem)
	case "Query":
		out, err = readCall(ctx, h.r, body, h.r.db.Query, checkQuery)
	case "Scan":
		out, err = readCall(ctx, h.r, body, h.r.db.Scan, nil)
	case "BatchGetItem":
		out, err = readCall(ctx, h.r, body, h.r.db.BatchGetItem, checkBatchGet)
	case "TransactGetItems":
		if h.e.opts.Mode == MRSC {
			err = errMRSCTransactions()
			break
		}
		out, err = readCall(ctx, h.r, body, h.r.db.TransactGetItems, checkTransactGet)
	default:
		err = unknownOperation(dynamoTargetPrefix + op)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeOutput(w, out)
}

// withInput decodes body into fn's input shape and runs fn: the prologue of
// every table-administration handler.
func withInput[In any](ctx context.Context, body []byte, fn func(context.Context, *In) (any, error)) (any, error) {
	in, err := decode[In](body)
	if err != nil {
		return nil, err
	}
	return fn(ctx, in)
}

// readCall decodes body into minidyn's input shape and runs check (DynamoDB's
// validation of the request, if any) and fn under the region lock. Reads
// need the lock too: minidyn's reads and table-admin calls are not mutually
// safe on their own. Every read is "strongly consistent" for the region it
// hits: it sees what this replica holds now.
func readCall[In, Out any](ctx context.Context, r *region, body []byte, fn func(context.Context, *In) (Out, error), check func(*region, *In) error) (any, error) {
	in, err := decode[In](body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if check != nil {
		if err := check(r, in); err != nil {
			return nil, err
		}
	}
	return fn(ctx, in)
}

// decode parses a request body into T; malformed JSON is the client's fault.
func decode[T any](body []byte) (*T, error) {
	v := new(T)
	if len(body) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, errSerialization(err)
	}
	return v, nil
}

func unknownOperation(target string) error {
	return &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "unsupported operation " + target, Fault: smithy.FaultClient}
}

// readItem returns the full current item at key in table, or nil. Callers
// hold r.mu.
func (r *region) readItem(ctx context.Context, table string, key map[string]*server.AttributeValue) (map[string]*server.AttributeValue, error) {
	out, err := r.db.GetItem(ctx, &server.GetItemInput{TableName: aws.String(table), Key: key})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return cloneItem(out.Item), nil
}

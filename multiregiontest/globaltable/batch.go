package globaltable

import (
	"context"
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// batchWriteItem applies each request as its own write, as DynamoDB does
// (a batch is not atomic). In MRSC a request that conflicts is returned in
// UnprocessedItems for the client to retry.
func (h *regionHandler) batchWriteItem(ctx context.Context, body []byte) (any, error) {
	in, err := decode[server.BatchWriteItemInput](body)
	if err != nil {
		return nil, err
	}
	if err := h.validateBatch(in); err != nil {
		return nil, err
	}
	tables := make([]string, 0, len(in.RequestItems))
	for t := range in.RequestItems {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	unprocessed := map[string][]server.WriteRequest{}
	for _, table := range tables {
		for _, req := range in.RequestItems[table] {
			op := writeOp{table: table, kind: WritePut}
			exec := func([]item) (any, error) {
				return h.r.db.PutItem(ctx, &server.PutItemInput{TableName: aws.String(table), Item: op.raw})
			}
			if req.PutRequest != nil {
				op.raw = req.PutRequest.Item
			} else {
				op.kind, op.raw = WriteDelete, req.DeleteRequest.Key
				exec = func([]item) (any, error) {
					return h.r.db.DeleteItem(ctx, &server.DeleteItemInput{TableName: aws.String(table), Key: op.raw})
				}
			}
			_, err := h.localWrite(ctx, []writeOp{op}, exec)
			var conflict *ddbtypes.ReplicatedWriteConflictException
			if errors.As(err, &conflict) {
				unprocessed[table] = append(unprocessed[table], req)
				continue
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return &server.BatchWriteItemOutput{UnprocessedItems: unprocessed}, nil
}

// validateBatch applies DynamoDB's up-front checks, so a bad batch writes
// nothing: 1 to 25 requests, each a put or a delete, no key twice.
func (h *regionHandler) validateBatch(in *server.BatchWriteItemInput) error {
	n := 0
	for table, reqs := range in.RequestItems {
		h.r.mu.Lock()
		meta, err := h.r.table(table)
		h.r.mu.Unlock()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, req := range reqs {
			n++
			if (req.PutRequest == nil) == (req.DeleteRequest == nil) {
				return errValidation("each WriteRequest needs exactly one of PutRequest or DeleteRequest")
			}
			var raw item
			if req.PutRequest != nil {
				raw = req.PutRequest.Item
			} else {
				raw = req.DeleteRequest.Key
			}
			op := writeOp{table: table, kind: WritePut, raw: raw}
			if req.DeleteRequest != nil {
				op.kind = WriteDelete
			}
			if err := meta.check(op); err != nil {
				return err
			}
			key, err := keyOf(meta, raw)
			if err != nil {
				return err
			}
			ks := keyString(key)
			if seen[ks] {
				return errValidation("Provided list of item keys contains duplicates")
			}
			seen[ks] = true
		}
	}
	if n == 0 || n > 25 {
		return errValidation("BatchWriteItem takes 1 to 25 requests, got %d", n)
	}
	return nil
}

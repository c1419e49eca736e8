package globaltable

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// checkTransact applies the checks of a TransactWriteItems request that
// localWrite's per-item check does not see: the update expressions, and
// the keys of ConditionCheck items, which write nothing.
func (h *regionHandler) checkTransact(in *server.TransactWriteItemsInput) error {
	for _, ti := range in.TransactItems {
		if u := ti.Update; u != nil {
			if err := checkUpdatePaths(aws.ToString(u.UpdateExpression), u.ExpressionAttributeNames); err != nil {
				return err
			}
		}
		if c := ti.ConditionCheck; c != nil {
			h.r.mu.Lock()
			meta, err := h.r.table(aws.ToString(c.TableName))
			h.r.mu.Unlock()
			if err != nil {
				return err
			}
			if err := meta.checkKey(c.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// undoIfTooBig enforces the 400 KB limit on what updates produced. The size
// of an updated item is known only once the update has run, so when one is
// too large every item of the call is put back as it was (olds) and the call
// fails as DynamoDB fails it, having changed nothing. Callers hold r.mu,
// which makes the undo invisible to every other request.
func (r *region) undoIfTooBig(ctx context.Context, ops []writeOp, olds []item) error {
	var tooBig error
	for _, op := range ops {
		if op.kind != WriteUpdate {
			continue
		}
		meta, err := r.table(op.table)
		if err != nil {
			return err
		}
		key, err := keyOf(meta, op.raw)
		if err != nil {
			return err
		}
		cur, err := r.readItem(ctx, op.table, key)
		if err != nil {
			return err
		}
		if tooBig = checkUpdated(cur); tooBig != nil {
			break
		}
	}
	if tooBig == nil {
		return nil
	}
	for i, op := range ops {
		meta, err := r.table(op.table)
		if err != nil {
			return err
		}
		key, err := keyOf(meta, op.raw)
		if err != nil {
			return err
		}
		if olds[i] == nil {
			_, err = r.db.DeleteItem(ctx, &server.DeleteItemInput{TableName: aws.String(op.table), Key: key})
		} else {
			_, err = r.db.PutItem(ctx, &server.PutItemInput{TableName: aws.String(op.table), Item: cloneItem(olds[i])})
		}
		if err != nil {
			return err
		}
	}
	return tooBig
}

// onConditionFailure answers ReturnValuesOnConditionCheckFailure=ALL_OLD
// of a single-item write as DynamoDB does: a failed condition carries the
// item as stored (old, captured by localWrite) in
// ConditionalCheckFailedException.Item; without ALL_OLD it carries none.
func onConditionFailure(err error, rv ddbtypes.ReturnValuesOnConditionCheckFailure, old item) error {
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return err
	}
	out := &ddbtypes.ConditionalCheckFailedException{Message: ccf.Message}
	if rv == ddbtypes.ReturnValuesOnConditionCheckFailureAllOld && old != nil {
		out.Item = toDDBItem(old)
	}
	return out
}

package globaltable

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// writeOp is one item a client call writes: the table, what kind of write,
// and the item (put) or key (update, delete) the request names.
type writeOp struct {
	table string
	kind  WriteKind
	raw   item
}

// localWrite runs exec, the minidyn call that performs a client write in
// this region, and captures its effect. Under the region lock it reads the
// old image of every written item, runs exec, reads the new images back,
// records each write in the ledger and the stream, and queues (MREC) or
// prepares (MRSC) its replication. Holding the lock makes write + read-back
// atomic with respect to every other write in the region. exec gets the old
// images so it can answer ReturnValues itself.
func (h *regionHandler) localWrite(ctx context.Context, ops []writeOp, exec func(olds []item) (any, error)) (any, error) {
	e, r := h.e, h.r
	r.mu.Lock()
	locked := true
	defer func() {
		if locked {
			r.mu.Unlock()
		}
	}()
	metas := make([]*tableMeta, len(ops))
	keys := make([]item, len(ops))
	holdKeys := make([]string, len(ops))
	for i, op := range ops {
		meta, err := r.table(op.table)
		if err != nil {
			return nil, err
		}
		if err := meta.check(op); err != nil {
			return nil, err
		}
		key, err := keyOf(meta, op.raw)
		if err != nil {
			return nil, err
		}
		metas[i], keys[i] = meta, key
		holdKeys[i] = holdKey(meta, keyString(key))
		if slices.Contains(holdKeys[:i], holdKeys[i]) {
			return nil, errValidation("Transaction request cannot include multiple operations on one item")
		}
	}
	mrsc := e.opts.Mode == MRSC
	if mrsc {
		if err := e.conflicts.reserve(r.name, holdKeys, time.Now()); err != nil {
			return nil, err
		}
	}
	release := func() {
		if mrsc {
			e.conflicts.release(holdKeys)
		}
	}
	olds := make([]item, len(ops))
	for i, op := range ops {
		old, err := r.readItem(ctx, op.table, keys[i])
		if err != nil {
			release()
			return nil, err
		}
		olds[i] = old
	}
	out, err := exec(olds)
	if err != nil {
		release()
		return nil, err
	}
	delay := time.Duration(e.delay.Load())
	var pending []event
	for i, op := range ops {
		newImg, _ := r.readItem(ctx, op.table, keys[i]) // exec just succeeded on this key
		ev := r.commit(e, metas[i], op.kind, keys[i], olds[i], newImg)
		if mrsc {
			pending = append(pending, ev)
			continue
		}
		due := time.Now().Add(delay)
		for _, o := range e.others(r) {
			o.repl.enqueue(ev, due)
		}
	}
	r.mu.Unlock()
	locked = false
	if mrsc {
		// Synchronous replication: every replica holds the write before the
		// client hears back, so strongly consistent reads anywhere see it.
		for _, o := range e.others(r) {
			for _, ev := range pending {
				e.applyRemote(ctx, o, ev)
			}
		}
		e.conflicts.settle(holdKeys, time.Now().Add(e.opts.MRSCWriteWindow))
	}
	return out, nil
}

// commit records a client write that has just been applied in r: a ledger
// entry, the new current version, and a stream record. It returns the
// replication event for the other regions. Callers hold r.mu.
func (r *region) commit(e *Emulator, meta *tableMeta, kind WriteKind, key, old, newImg item) event {
	ks := keyString(key)
	prev := r.versions[meta.name][ks]
	rec := e.ledger.record(WriteRecord{
		Region: r.name, Table: meta.name, Key: ks, Replaced: prev.id, Kind: kind,
		incarnation: meta.incarnation,
	})
	r.versions[meta.name][ks] = version{id: rec.ID, ts: rec.Timestamp, deleted: newImg == nil}
	r.appendStream(meta.name, key, old, newImg)
	return event{
		table: meta.name, incarnation: meta.incarnation, key: ks, keyItem: cloneItem(key),
		image: newImg, ts: rec.Timestamp, id: rec.ID,
	}
}

func (h *regionHandler) putItem(ctx context.Context, body []byte) (any, error) {
	in, err := decode[server.PutItemInput](body)
	if err != nil {
		return nil, err
	}
	rv := in.ReturnValues
	if rv != "" && rv != ddbtypes.ReturnValueNone && rv != ddbtypes.ReturnValueAllOld {
		return nil, errValidation("ReturnValues for PutItem must be NONE or ALL_OLD, got %s", rv)
	}
	ops := []writeOp{{table: aws.ToString(in.TableName), kind: WritePut, raw: in.Item}}
	return h.localWrite(ctx, ops, func(olds []item) (any, error) {
		// minidyn answers with the new item whatever ReturnValues says, so
		// the emulator answers ReturnValues from the captured old image.
		in.ReturnValues = ""
		if _, err := h.r.db.PutItem(ctx, in); err != nil {
			return nil, onConditionFailure(err, in.ReturnValuesOnConditionCheckFailure, olds[0])
		}
		out := &server.PutItemOutput{}
		if rv == ddbtypes.ReturnValueAllOld {
			out.Attributes = olds[0]
		}
		return out, nil
	})
}

func (h *regionHandler) updateItem(ctx context.Context, body []byte) (any, error) {
	in, err := decode[server.UpdateItemInput](body)
	if err != nil {
		return nil, err
	}
	if err := checkUpdatePaths(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	ops := []writeOp{{table: aws.ToString(in.TableName), kind: WriteUpdate, raw: in.Key}}
	return h.localWrite(ctx, ops, func(olds []item) (any, error) {
		out, err := h.r.db.UpdateItem(ctx, in)
		if err != nil {
			return nil, onConditionFailure(err, in.ReturnValuesOnConditionCheckFailure, olds[0])
		}
		var attrs item // the new image the caller asked for, if any
		if out != nil && (in.ReturnValues == ddbtypes.ReturnValueAllNew || in.ReturnValues == ddbtypes.ReturnValueUpdatedNew) {
			attrs = out.Attributes
		}
		if err := h.r.applyRemoves(ctx, aws.ToString(in.TableName), in.Key, in.UpdateExpression, in.ExpressionAttributeNames, attrs); err != nil {
			return nil, err
		}
		return out, h.r.undoIfTooBig(ctx, ops, olds)
	})
}

func (h *regionHandler) deleteItem(ctx context.Context, body []byte) (any, error) {
	in, err := decode[server.DeleteItemInput](body)
	if err != nil {
		return nil, err
	}
	ops := []writeOp{{table: aws.ToString(in.TableName), kind: WriteDelete, raw: in.Key}}
	return h.localWrite(ctx, ops, func(olds []item) (any, error) {
		out, err := h.r.db.DeleteItem(ctx, in)
		if err != nil {
			return nil, onConditionFailure(err, in.ReturnValuesOnConditionCheckFailure, olds[0])
		}
		return out, nil
	})
}

// transactWriteItems is atomic in this region only, as on AWS MREC: each
// item then replicates on its own. MRSC rejects transactions.
func (h *regionHandler) transactWriteItems(ctx context.Context, body []byte) (any, error) {
	if h.e.opts.Mode == MRSC {
		return nil, errMRSCTransactions()
	}
	in, err := decode[server.TransactWriteItemsInput](body)
	if err != nil {
		return nil, err
	}
	if err := h.checkTransact(in); err != nil {
		return nil, err
	}
	var ops []writeOp
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			ops = append(ops, writeOp{table: aws.ToString(ti.Put.TableName), kind: WritePut, raw: ti.Put.Item})
		case ti.Update != nil:
			ops = append(ops, writeOp{table: aws.ToString(ti.Update.TableName), kind: WriteUpdate, raw: ti.Update.Key})
		case ti.Delete != nil:
			ops = append(ops, writeOp{table: aws.ToString(ti.Delete.TableName), kind: WriteDelete, raw: ti.Delete.Key})
		}
	}
	if err := h.r.injectedCancel(len(in.TransactItems)); err != nil {
		return nil, err
	}
	return h.localWrite(ctx, ops, func(olds []item) (any, error) {
		out, err := h.r.db.TransactWriteItems(ctx, in)
		if err != nil {
			return nil, withOldItems(err, in, olds)
		}
		for _, ti := range in.TransactItems {
			if u := ti.Update; u != nil {
				if err := h.r.applyRemoves(ctx, aws.ToString(u.TableName), u.Key, u.UpdateExpression, u.ExpressionAttributeNames, nil); err != nil {
					return nil, err
				}
			}
		}
		return out, h.r.undoIfTooBig(ctx, ops, olds)
	})
}

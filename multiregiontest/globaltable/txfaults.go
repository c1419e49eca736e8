package globaltable

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// CancelNextTransaction makes the next TransactWriteItems call in region
// fail with a TransactionCanceledException whose CancellationReasons
// carry codes, one per transaction item in order ("" or missing codes are
// "None"), applying nothing: the way DynamoDB cancels a transaction that
// collided with another one (TransactionConflict) or was throttled
// (ThrottlingError). Each call queues one cancellation; a transaction of
// another region does not consume it.
func (e *Emulator) CancelNextTransaction(region string, codes ...string) {
	r, ok := e.byName[region]
	if !ok {
		return
	}
	r.mu.Lock()
	r.txFaults = append(r.txFaults, append([]string(nil), codes...))
	r.mu.Unlock()
}

// injectedCancel pops the next queued cancellation of r for a transaction
// of n items, or returns nil.
func (r *region) injectedCancel(n int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.txFaults) == 0 {
		return nil
	}
	codes := r.txFaults[0]
	r.txFaults = r.txFaults[1:]
	reasons := make([]ddbtypes.CancellationReason, n)
	var named []string
	for i := range reasons {
		code := "None"
		if i < len(codes) && codes[i] != "" {
			code = codes[i]
		}
		reasons[i] = ddbtypes.CancellationReason{Code: aws.String(code)}
		if code != "None" {
			reasons[i].Message = aws.String(code)
		}
		named = append(named, code)
	}
	return &ddbtypes.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(named, ", ") + "]"),
		CancellationReasons: reasons,
	}
}

// withOldItems fills the Item of each ConditionalCheckFailed reason of a
// canceled transaction whose item asked for
// ReturnValuesOnConditionCheckFailure=ALL_OLD, from the images localWrite
// captured (olds, indexed like the written items: ConditionCheck items
// write nothing and are not among them). minidyn does it for
// ConditionCheck items only.
func withOldItems(err error, in *server.TransactWriteItemsInput, olds []item) error {
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != len(in.TransactItems) {
		return err
	}
	w := 0
	for i, ti := range in.TransactItems {
		var rv ddbtypes.ReturnValuesOnConditionCheckFailure
		switch {
		case ti.Put != nil:
			rv = ti.Put.ReturnValuesOnConditionCheckFailure
		case ti.Update != nil:
			rv = ti.Update.ReturnValuesOnConditionCheckFailure
		case ti.Delete != nil:
			rv = ti.Delete.ReturnValuesOnConditionCheckFailure
		default:
			continue
		}
		old := olds[w]
		w++
		reason := &tce.CancellationReasons[i]
		if aws.ToString(reason.Code) == "ConditionalCheckFailed" && rv == ddbtypes.ReturnValuesOnConditionCheckFailureAllOld && old != nil && reason.Item == nil {
			reason.Item = toDDBItem(old)
		}
	}
	return tce
}

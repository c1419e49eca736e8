package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// A TransactionCanceledException says why per item, in
// CancellationReasons (one per item, in order, "None" for the fine ones).
// The codes mean different things for the caller:
//   - ConditionalCheckFailed: a condition did not hold (the caller's, or
//     the Table's version check, which is retried with the item returned);
//   - TransactionConflict: another transaction or write was on the item at
//     the same moment; nothing applied, retried in place with backoff;
//   - ThrottlingError (and ProvisionedThroughputExceeded,
//     RequestLimitExceeded): nothing applied; retryable, in this region
//     later or in another one;
//   - anything else (ValidationError, ItemCollectionSizeLimitExceeded...):
//     the request's fault.

// Cancellation reason codes (CancellationReason.Code).
const (
	ReasonNone                   = "None"
	ReasonConditionalCheckFailed = "ConditionalCheckFailed"
	ReasonTransactionConflict    = "TransactionConflict"
	ReasonThrottling             = "ThrottlingError"
)

// throttleReasons are the cancellation codes that mean "not applied,
// capacity": the transaction may simply be sent again.
var throttleReasons = map[string]bool{
	ReasonThrottling: true, "ProvisionedThroughputExceeded": true, "RequestLimitExceeded": true,
}

// TxReason is why DynamoDB canceled one item of a transaction.
type TxReason struct {
	Index   int                             // the item's position in the transaction
	Op      string                          // "put", "update", "delete", "check"
	Code    string                          // CancellationReason.Code: ConditionalCheckFailed, TransactionConflict, ThrottlingError...
	Message string                          // DynamoDB's message (never item contents)
	item    map[string]types.AttributeValue // ALL_OLD: the item as stored, for the version check's retry
}

// TransactionCanceledError is a transaction DynamoDB canceled: nothing of
// it was applied. Reasons holds one entry per item that was not fine,
// naming it by index and kind (never by key values). It matches
// ErrConditionFailed when a caller's condition failed, ErrThrottled when
// the cancellation was throttling (retryable: not applied), and
// ErrTransactionConflict when conflicts outlived the retries. Conditional
// Delete's condition check reports the same way. A plain value once
// returned: safe to share.
type TransactionCanceledError struct {
	Op       string
	Region   multiregion.Region
	Reasons  []TxReason
	Attempts int   // sends in Region, TransactionConflict retries included
	Err      error // the *types.TransactionCanceledException
}

func (e *TransactionCanceledError) Error() string {
	parts := make([]string, 0, len(e.Reasons))
	for _, r := range e.Reasons {
		parts = append(parts, fmt.Sprintf("item %d (%s): %s", r.Index, r.Op, r.Code))
	}
	return fmt.Sprintf("%s in %s: transaction canceled after %d attempts: %s", e.Op, e.Region, e.Attempts, strings.Join(parts, "; "))
}

// Unwrap returns the SDK error.
func (e *TransactionCanceledError) Unwrap() error { return e.Err }

// Is matches ErrConditionFailed, ErrThrottled or ErrTransactionConflict
// by the reasons' codes.
func (e *TransactionCanceledError) Is(target error) bool {
	switch target {
	case ErrConditionFailed:
		return e.has(func(c string) bool { return c == ReasonConditionalCheckFailed })
	case ErrThrottled:
		return e.Throttled()
	case ErrTransactionConflict:
		return e.has(func(c string) bool { return c == ReasonTransactionConflict })
	}
	return false
}

// Throttled reports a cancellation by throttling alone: nothing applied,
// and sending the same transaction again is safe.
func (e *TransactionCanceledError) Throttled() bool {
	return len(e.Reasons) > 0 && !e.has(func(c string) bool { return !throttleReasons[c] })
}

func (e *TransactionCanceledError) has(pred func(code string) bool) bool {
	for _, r := range e.Reasons {
		if pred(r.Code) {
			return true
		}
	}
	return false
}

// transactWrite sends in to r, retrying in place (Options.ConflictRetries,
// backoff from Options.ConflictBackoff on Options.Clock) while the only
// reasons are TransactionConflict. kinds names each item ("put", ...).
// A cancellation is returned as a *TransactionCanceledError; other errors
// as report classified them.
func (t *Table[T]) transactWrite(ctx context.Context, op string, r multiregion.Region, api API, in *dynamodb.TransactWriteItemsInput, kinds []string) error {
	for try := 0; ; try++ {
		start := time.Now()
		_, err := api.TransactWriteItems(ctx, in)
		if err = t.report(ctx, r, start, err, true); err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return err
		}
		te := &TransactionCanceledError{Op: op, Region: r, Attempts: try + 1, Err: tce}
		conflictOnly := len(tce.CancellationReasons) > 0
		for i, cr := range tce.CancellationReasons {
			code := aws.ToString(cr.Code)
			if code == "" || code == ReasonNone {
				continue
			}
			kind := ""
			if i < len(kinds) {
				kind = kinds[i]
			}
			te.Reasons = append(te.Reasons, TxReason{Index: i, Op: kind, Code: code, Message: aws.ToString(cr.Message), item: cr.Item})
			conflictOnly = conflictOnly && code == ReasonTransactionConflict
		}
		if !conflictOnly || try >= t.opts.ConflictRetries {
			return te
		}
		d := min(t.opts.ConflictBackoff<<try, time.Second)
		if err := t.pause(ctx, rand.N(d)+1); err != nil {
			return err
		}
		if in.ClientRequestToken != nil {
			// A new attempt, not a replay of the canceled one: a token
			// names one attempt whose outcome the caller may not know.
			in.ClientRequestToken = aws.String(newVersionID())
		}
	}
}

// pause waits d on Options.Clock, or until ctx ends.
func (t *Table[T]) pause(ctx context.Context, d time.Duration) error {
	tm := t.opts.Clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C():
		return nil
	}
}

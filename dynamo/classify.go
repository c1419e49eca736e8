package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regionkit/multiregion/internal/route"
)

// classifier sorts DynamoDB's errors into the call loop's classes.
var classifier = route.ClassifierFunc(classify)

// throttlingCodes are DynamoDB's throttling errors. A throttled request is
// rejected before it runs, so it is safe to replay anywhere; the SDK has
// already retried it (aws/retry's standard retryer) before we see it.
var throttlingCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
}

// classify sorts the error of one call to one region. The loop has told
// cancellation and attempt timeouts apart already.
func classify(_ context.Context, err error) route.Class {
	var stale *StaleReadError
	if errors.As(err, &stale) {
		return route.Skip
	}
	var unp *unprocessedError
	if errors.As(err, &unp) {
		return route.Throttled
	}
	var tce *TransactionCanceledError
	if errors.As(err, &tce) && tce.Throttled() {
		return route.Throttled // canceled by throttling: not applied anywhere, so it may move on
	}
	if isTyped(err) {
		return route.Caller
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return classifyAPI(err, apiErr)
	}
	return classifyTransport(err)
}

// classifyAPI sorts an error the service answered with.
func classifyAPI(err error, apiErr smithy.APIError) route.Class {
	if throttlingCodes[apiErr.ErrorCode()] {
		return route.Throttled
	}
	var rwc *types.ReplicatedWriteConflictException
	if errors.As(err, &rwc) {
		return route.NotApplied // retry-safe by AWS's word; the in-place retries ran out
	}
	if isNotFound(err) {
		// The table is not in this region (a replica removed): nothing
		// was applied, and another replica may serve (topology.go).
		return route.NotApplied
	}
	// InternalServerError and other 5xx: AWS says the request may or may
	// not have been processed.
	if apiErr.ErrorFault() == smithy.FaultServer {
		return route.Unknown
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return route.Unknown
	}
	return route.Caller
}

// classifyTransport sorts an error that came without an answer.
func classifyTransport(err error) route.Class {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return route.NotApplied // never connected: nothing was sent
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return route.NotApplied
	}
	return route.Unknown // reset, EOF, timeout: the request may have arrived
}

// isTyped reports whether err is one of this package's typed answers,
// which are the caller's to handle where they are: no failover.
func isTyped(err error) bool {
	var (
		op  *OpError
		cf  *ConditionFailedError
		cfl *ConflictError
		in  *InputError
		ke  *KeyError
		me  *MarshalError
		vm  *VersionMismatchError
		nr  *NoReplicaError
		tnf *TableNotFoundError
		tce *TransactionCanceledError
		mae *MetadataAttributeError
		itl *ItemTooLargeError
	)
	return errors.As(err, &op) || errors.As(err, &cf) || errors.As(err, &cfl) || errors.As(err, &in) ||
		errors.As(err, &ke) || errors.As(err, &me) || errors.As(err, &vm) || errors.As(err, &nr) || errors.As(err, &tnf) ||
		errors.As(err, &tce) || errors.As(err, &mae) || errors.As(err, &itl)
}

// unprocessedError: BatchGet or BatchWrite requests DynamoDB kept
// returning as unprocessed: throttling that outlived our retries, so they
// surely did not apply.
type unprocessedError struct {
	n, tries int
}

func (e *unprocessedError) Error() string {
	return fmt.Sprintf("dynamo: %d requests still unprocessed after %d attempts (throttled)", e.n, e.tries)
}

// cause returns the driver's error under a classified one, for the typed
// errors callers see.
func cause(err error) error { return route.Cause(err) }

// isNotFound reports a ResourceNotFoundException: the table is not there.
func isNotFound(err error) bool {
	var rnf *types.ResourceNotFoundException
	return errors.As(err, &rnf)
}

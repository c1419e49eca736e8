package dynamo

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/regionkit/multiregion"
)

// errClass says what a failed call means for routing.
type errClass int

const (
	// classCaller: the request's own fault (validation, a failed condition,
	// a transaction conflict): no failover, and the region is healthy.
	classCaller errClass = iota + 1
	// classNotApplied: a regional failure where the request surely did not
	// take effect (connection refused, throttling): any call may move on.
	classNotApplied
	// classUnknown: a regional failure where the request may have taken
	// effect (5xx, timeout, connection cut after sending).
	classUnknown
	// classReplicatedConflict: MRSC ReplicatedWriteConflictException, which
	// AWS documents as retry-safe: not applied, retry the same region.
	classReplicatedConflict
	// classNoReplica: ResourceNotFoundException, the table is not there.
	classNoReplica
	// classCanceled: the caller's context ended; says nothing of the region.
	classCanceled
	// classStale: ReadYourWrites rejected an older version; try elsewhere.
	classStale
)

// errAttemptTimeout is the cause of an attempt context that hit
// Options.AttemptTimeout, so it is told apart from the caller's deadline.
var errAttemptTimeout = errors.New("dynamo: attempt timeout")

// throttlingCodes are DynamoDB's throttling errors. A throttled request is
// rejected before it runs, so it is safe to replay anywhere; the SDK has
// already retried it (aws/retry's standard retryer) before we see it.
var throttlingCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
}

// classify sorts the error of one call to one region. ctx is the context
// the call ran with (possibly an attempt context with errAttemptTimeout).
func classify(ctx context.Context, err error) errClass {
	if ctx.Err() != nil {
		if context.Cause(ctx) == errAttemptTimeout {
			return classUnknown
		}
		return classCanceled
	}
	if errors.Is(err, context.Canceled) {
		return classCanceled
	}
	var rwc *types.ReplicatedWriteConflictException
	if errors.As(err, &rwc) {
		return classReplicatedConflict
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return classNoReplica
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return classifyAPI(err, apiErr)
	}
	return classifyTransport(err)
}

// classifyAPI sorts an error the service answered with.
func classifyAPI(err error, apiErr smithy.APIError) errClass {
	if throttlingCodes[apiErr.ErrorCode()] {
		return classNotApplied
	}
	// InternalServerError and other 5xx: AWS says the request may or may
	// not have been processed.
	if apiErr.ErrorFault() == smithy.FaultServer {
		return classUnknown
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return classUnknown
	}
	return classCaller
}

// classifyTransport sorts an error that came without an answer.
func classifyTransport(err error) errClass {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return classNotApplied // never connected: nothing was sent
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return classNotApplied
	}
	return classUnknown // reset, EOF, timeout: the request may have arrived
}

// isRegional reports whether c is a failure of the region.
func (c errClass) isRegional() bool { return c == classNotApplied || c == classUnknown }

// attemptError is the failure of one call to one region, classified.
type attemptError struct {
	region multiregion.Region
	class  errClass
	write  bool // the failed call was a write that may have been sent
	err    error
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// outcomeUnknown: a write was sent and nobody knows whether it applied.
func (e *attemptError) outcomeUnknown() bool { return e.write && e.class == classUnknown }

// cause strips the attemptError off err, for the typed errors callers see.
func cause(err error) error {
	if ae, ok := err.(*attemptError); ok {
		return ae.err
	}
	return err
}

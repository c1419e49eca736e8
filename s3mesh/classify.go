package s3mesh

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// classifier sorts S3's errors into the call loop's classes: a 404 is the
// caller's answer (not a region failure); 5xx, SlowDown and connection
// errors are regional. Get's fallback turns its 404 into notHere first,
// which is Skip: try the next region in rank order.
var classifier = route.ClassifierFunc(classify)

// notHere is a 404 in one region during a read that tries the others: the
// object may still be replicating towards it.
type notHere struct{ err error }

func (e *notHere) Error() string { return "not in this region: " + e.err.Error() }
func (e *notHere) Unwrap() error { return e.err }

// throttlingCodes are S3's answers for a request refused before it ran.
var throttlingCodes = map[string]bool{"SlowDown": true, "Throttling": true, "ThrottlingException": true, "RequestLimitExceeded": true, "TooManyRequests": true}

func classify(_ context.Context, err error) route.Class {
	var nh *notHere
	if errors.As(err, &nh) {
		return route.Skip
	}
	var rf *ReplicationFailedError
	var in *InputError
	if errors.As(err, &rf) || errors.As(err, &in) {
		return route.Caller
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if throttlingCodes[apiErr.ErrorCode()] {
			return route.Throttled
		}
		var re *smithyhttp.ResponseError
		if apiErr.ErrorCode() == "NotImplemented" || errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotImplemented {
			return route.Caller // the same answer in every region: not a failure of this one
		}
		if errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusServiceUnavailable || re.HTTPStatusCode() == http.StatusTooManyRequests) {
			return route.Throttled
		}
		if apiErr.ErrorFault() == smithy.FaultServer || errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			return route.Unknown // S3: the request may or may not have been processed
		}
		return route.Caller
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" || errors.Is(err, syscall.ECONNREFUSED) {
		return route.NotApplied // never connected: nothing was sent
	}
	var send *smithyhttp.RequestSendError
	var de *smithy.DeserializationError
	if !errors.As(err, &send) && !errors.As(err, &de) && errors.As(err, new(*smithy.OperationError)) {
		// The SDK failed before sending (endpoint rules, signing,
		// serialization): this client's setup, the same in every region.
		return route.Caller
	}
	return route.Unknown // reset, EOF, timeout, a garbled answer: the request may have arrived
}

// isNotFound reports S3's 404 for a key or version: NoSuchKey and
// NoSuchVersion from GET, a bare 404 from HEAD (no body to carry a code).
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchVersion" || apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound") {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && !isCode(err, "NoSuchBucket")
}

func isCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

// final turns the loop's terminal errors that are not regional failures
// into the typed errors callers see.
func (m *Mesh) final(op string, r multiregion.Region, c route.Class, err error) error {
	err = route.Cause(err)
	var (
		nf *NotFoundError
		rf *ReplicationFailedError
		in *InputError
		nh *notHere
		dm *deleteMarkerErr
	)
	switch {
	case errors.As(err, &nf), errors.As(err, &rf), errors.As(err, &in):
		return err
	case errors.As(err, &nh):
		return &NotFoundError{Op: op, Err: nh.err}
	case errors.As(err, &dm):
		return &NotFoundError{Op: op, Regions: []multiregion.Region{r}, DeleteMarker: true, Err: dm.err}
	case c == route.Caller && isNotFound(err):
		return &NotFoundError{Op: op, Regions: []multiregion.Region{r}, Err: err}
	case c == route.Caller:
		return &OpError{Op: op, Region: r, Bucket: m.buckets[r], Err: err}
	}
	return &multiregion.RegionError{Region: r, Op: op, Err: err}
}

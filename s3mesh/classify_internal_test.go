package s3mesh

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regionkit/multiregion/internal/route"
)

// respErr is an error as the SDK returns an S3 answer with status code.
func respErr(status int, apiErr error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "GetObject", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}}, Err: apiErr}}
}

// TestClassify: a 404 and a 4xx are answers; 5xx may have been applied;
// SlowDown and 503 are throttling; 501 is the same answer everywhere; a
// refused dial was not sent; an SDK failure before sending is the caller's.
func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want route.Class
	}{
		{"NoSuchKey", respErr(404, &types.NoSuchKey{}), route.Caller},
		{"not here (Get fallback)", &notHere{err: respErr(404, &types.NoSuchKey{})}, route.Skip},
		{"AccessDenied", respErr(403, &smithy.GenericAPIError{Code: "AccessDenied"}), route.Caller},
		{"InternalError", respErr(500, &smithy.GenericAPIError{Code: "InternalError", Fault: smithy.FaultServer}), route.Unknown},
		{"SlowDown", respErr(503, &smithy.GenericAPIError{Code: "SlowDown", Fault: smithy.FaultServer}), route.Throttled},
		{"503 without code", respErr(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), route.Throttled},
		{"NotImplemented", respErr(501, &smithy.GenericAPIError{Code: "NotImplemented", Fault: smithy.FaultServer}), route.Caller},
		{"dial refused", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}}, route.NotApplied},
		{"reset after sending", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: syscall.ECONNRESET}}, route.Unknown},
		{"endpoint rules", &smithy.OperationError{Err: errors.New("resolve endpoint: endpoint rule error")}, route.Caller},
		{"garbled answer", &smithy.OperationError{Err: &smithy.DeserializationError{Err: errors.New("xml")}}, route.Unknown},
		{"FAILED replication", &ReplicationFailedError{}, route.Caller},
	}
	for _, c := range cases {
		if got := classify(context.Background(), c.err); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if !isNotFound(respErr(404, &smithy.GenericAPIError{Code: "NoSuchVersion"})) || isNotFound(respErr(404, &smithy.GenericAPIError{Code: "NoSuchBucket"})) {
		t.Error("isNotFound: NoSuchVersion is a 404 of the key, NoSuchBucket is not")
	}
}

// TestReplicationStatus: COMPLETE and COMPLETED both read as completed.
func TestReplicationStatus(t *testing.T) {
	for in, want := range map[string]ReplicationStatus{"COMPLETE": ReplicationCompleted, "COMPLETED": ReplicationCompleted,
		"PENDING": ReplicationPending, "FAILED": ReplicationFailed, "REPLICA": ReplicationReplica, "": ReplicationNone} {
		if got := replicationStatus(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

package docdb

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

func TestClassify(t *testing.T) {
	ferret := mongo.CommandError{Code: 1, Name: "InternalError", Message: "[msg_insert.go:168 handler.(*Handler).MsgInsert] ERROR: cannot execute INSERT in a read-only transaction (SQLSTATE 25006)"}
	cases := []struct {
		name string
		err  error
		want route.Class
	}{
		{"NotWritablePrimary", mongo.CommandError{Code: 10107, Name: "NotWritablePrimary", Message: "not primary"}, route.WriterMoved},
		{"NotPrimaryNoSecondaryOk", mongo.CommandError{Code: 13435, Name: "NotPrimaryNoSecondaryOk"}, route.WriterMoved},
		{"write error 10107", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 10107, Message: "not master"}}}, route.WriterMoved},
		{"FerretDB over a standby", ferret, route.WriterMoved},
		{"wrapped FerretDB", fmt.Errorf("x: %w", ferret), route.WriterMoved},
		{"duplicate key", mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000, Message: "E11000 duplicate key"}}}, route.Caller},
		{"bad value", mongo.CommandError{Code: 2, Name: "BadValue"}, route.Caller},
		{"auth failed", mongo.CommandError{Code: 18, Name: "AuthenticationFailed"}, route.Caller},
		{"stepped down", mongo.CommandError{Code: 189, Name: "PrimarySteppedDown"}, route.Unknown},
		{"shutdown", mongo.CommandError{Code: 91, Name: "ShutdownInProgress"}, route.Unknown},
		{"network label", mongo.CommandError{Code: 0, Labels: []string{"NetworkError"}}, route.Unknown},
		{"server selection", topology.ServerSelectionError{Wrapped: errors.New("no server")}, route.NotApplied},
		{"disconnected", mongo.ErrClientDisconnected, route.NotApplied},
		{"kit could not connect", &multiregion.RegionError{Region: "us-east-1", Op: "connect", Err: errors.New("x")}, route.NotApplied},
		{"input", &InputError{Op: "x", Arg: "y", Reason: "z"}, route.Caller},
		{"nil document", mongo.ErrNilDocument, route.Caller},
		{"other", errors.New("boom"), route.Unknown},
	}
	for _, c := range cases {
		assert.Equal(t, c.want.String(), classify(context.Background(), c.err).String(), c.name)
	}
}

func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{"8.0.2": true, "8.0.10": true, "8.1": true, "9": true, "8.0.1": false, "8.0": false, "5.0.0": false, "": false, "x": false} {
		assert.Equal(t, want, versionAtLeast(v, RetryableWritesVersion), v)
	}
	f, tr := false, true
	assert.False(t, retryWrites(&f, "8.0.2"))
	assert.True(t, retryWrites(&tr, "4.0.0"))
}

func TestParseClusterARN(t *testing.T) {
	r, id, err := parseClusterARN("arn:aws:rds:eu-west-1:123456789012:cluster:orders-eu")
	assert.NoError(t, err)
	assert.Equal(t, multiregion.Region("eu-west-1"), r)
	assert.Equal(t, "orders-eu", id)
	_, _, err = parseClusterARN("arn:aws:rds:eu-west-1:1:db:x")
	assert.Error(t, err)
}

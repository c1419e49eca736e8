package docdb

import (
	"errors"
	"fmt"
)

// ErrInvalidInput is matched (errors.Is) by every *InputError.
var ErrInvalidInput = errors.New("docdb: invalid input")

// ErrStaticTopology is returned by Switchover and Failover on a Cluster
// whose topology is static (Options.Members): there is no control plane to
// ask.
var ErrStaticTopology = errors.New("docdb: static topology has no control plane")

// InputError reports an argument the adapter refused before any network
// traffic: an empty database or collection name, a nil filter, a document
// that does not marshal to BSON, an update without operators, a
// replacement with operators, a pipeline that does not fit the call.
// Reason never quotes the document (it may hold personal data). A plain
// value.
type InputError struct {
	Op     string // e.g. "docdb.UpdateOne"
	Arg    string // the parameter, e.g. "update"
	Reason string
	Err    error // the marshaling error, if any
}

func (e *InputError) Error() string {
	s := fmt.Sprintf("%s: argument %s: %s", e.Op, e.Arg, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error, or nil.
func (e *InputError) Unwrap() error { return e.Err }

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

package aurora

import (
	"errors"
	"fmt"
)

// ErrInvalidInput is matched (errors.Is) by every *InputError.
var ErrInvalidInput = errors.New("aurora: invalid input")

// ErrStaticTopology is returned by Switchover, Failover and Promote on a
// Cluster whose topology is static (Options.Members): there is no control
// plane to ask.
var ErrStaticTopology = errors.New("aurora: static topology has no control plane")

// InputError reports an argument refused before any network traffic (a
// nil context, an unknown target region). Reason never quotes a DSN or a
// statement's arguments. A plain value.
type InputError struct {
	Op     string // e.g. "aurora.Switchover"
	Arg    string // the parameter, e.g. "target"
	Reason string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s: argument %s: %s", e.Op, e.Arg, e.Reason)
}

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

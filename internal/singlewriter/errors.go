package singlewriter

import (
	"errors"
	"fmt"

	"github.com/regionkit/multiregion"
)

// Sentinels for errors.Is. The typed errors below match them. A closed kit
// returns errors matching multiregion.ErrClosed; option errors are
// *multiregion.OptionError (multiregion.ErrInvalidOptions).
var (
	// ErrInvalidTopology: a topology (static or loaded) breaks a rule of
	// Validate. Matched by *TopologyError.
	ErrInvalidTopology = errors.New("singlewriter: invalid topology")
	// ErrInvalidInput: a nil or unusable argument. Matched by *InputError.
	ErrInvalidInput = errors.New("singlewriter: invalid input")
	// ErrNotMember: a region is not a member of the current topology (or not
	// one of the Client's regions). Matched by *MemberError.
	ErrNotMember = errors.New("singlewriter: region is not a member of the topology")
)

// TopologyError reports a topology that breaks a rule. Field names the
// Topology field ("Writer", "Members[2].Endpoint", "Members"); Region is the
// region concerned, if any. Err is the root package's error where one fits:
// a *multiregion.CapabilityError (ErrWriterRequired, ErrWriterNotListed,
// ErrDuplicateRegion, ErrTooManyRegions), a *multiregion.UnknownRegionError
// or a *multiregion.InvalidRegionError, so errors.Is and errors.As find those
// too. The message never quotes an endpoint: it could be a mistyped DSN.
type TopologyError struct {
	Store  string
	Region multiregion.Region
	Field  string
	Reason string
	Err    error
}

func (e *TopologyError) Error() string {
	s := fmt.Sprintf("singlewriter: %s: invalid topology: %s", e.Store, e.Field)
	if e.Region != "" {
		s += " (" + string(e.Region) + ")"
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the root package's error, or nil.
func (e *TopologyError) Unwrap() error { return e.Err }

// Is matches ErrInvalidTopology.
func (e *TopologyError) Is(target error) bool { return target == ErrInvalidTopology }

// InputError reports a bad argument, such as a nil Source or connect func.
type InputError struct {
	Op     string // e.g. "singlewriter.New"
	Arg    string // the parameter, e.g. "src"
	Reason string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s: argument %s: %s", e.Op, e.Arg, e.Reason)
}

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// SourceError wraps the failure of a Source's LoadTopology (or its panic).
// The kit keeps its last good topology.
type SourceError struct {
	Store string
	Err   error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("singlewriter: %s: LoadTopology: %v", e.Store, e.Err)
}

// Unwrap returns the Source's error.
func (e *SourceError) Unwrap() error { return e.Err }

// MemberError reports a region the kit has no member for: not in the current
// topology, left out (Options.AllowPartial), or not one of the Client's
// regions (then Err is a *multiregion.UnknownRegionError).
type MemberError struct {
	Store  string
	Op     string
	Region multiregion.Region
	Err    error
}

func (e *MemberError) Error() string {
	s := fmt.Sprintf("singlewriter: %s: %s: %s is not a member of the topology", e.Store, e.Op, e.Region)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, or nil.
func (e *MemberError) Unwrap() error { return e.Err }

// Is matches ErrNotMember.
func (e *MemberError) Is(target error) bool { return target == ErrNotMember }

// closedError is what every method of a closed kit returns.
func closedError(store, op string) error {
	return fmt.Errorf("singlewriter: %s: %s: %w", store, op, multiregion.ErrClosed)
}

package multiregion

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The typed errors below match them where it
// makes sense, so callers can test a category without knowing the type.
var (
	// ErrNoHealthyRegion: no region that may take the call is healthy. The
	// SDK never falls back to a region the store does not allow.
	ErrNoHealthyRegion = errors.New("multiregion: no healthy region")
	// ErrInvalidRegion: a region name is not shaped like an AWS region.
	ErrInvalidRegion = errors.New("multiregion: invalid region name")
	// ErrUnknownRegion: a region is not one of the Client's regions.
	ErrUnknownRegion = errors.New("multiregion: region not configured on this client")
	// ErrInvalidOptions: Options failed validation in New.
	ErrInvalidOptions = errors.New("multiregion: invalid options")
	// ErrWriteRegion: a write was directed at a region that cannot take writes.
	ErrWriteRegion = errors.New("multiregion: region does not accept writes")
	// ErrClosed: the Client, or the store or adapter the call went
	// through, was closed.
	ErrClosed = errors.New("multiregion: closed")
	// ErrInvalidStore: a store registration is malformed (empty name,
	// regions the Client does not have).
	ErrInvalidStore = errors.New("multiregion: invalid store")
	// ErrDuplicateStore: a store of that name is already registered on the Client.
	ErrDuplicateStore = errors.New("multiregion: duplicate store")
	// ErrUnknownStore: no store of that name is registered on the Client.
	ErrUnknownStore = errors.New("multiregion: unknown store")
	// ErrOutcomeUnknown: a request was sent and no answer came back; it may
	// have been applied. Matched by a *RegionError with OutcomeUnknown set.
	ErrOutcomeUnknown = errors.New("multiregion: outcome unknown")
)

// InvalidRegionError reports a malformed region name.
type InvalidRegionError struct {
	Region string
}

func (e *InvalidRegionError) Error() string {
	return fmt.Sprintf("multiregion: %q is not an AWS region name (want the shape us-east-1, eu-central-2, us-gov-west-1)", e.Region)
}

// Is matches ErrInvalidRegion.
func (e *InvalidRegionError) Is(target error) bool { return target == ErrInvalidRegion }

// OptionError reports an invalid field of Options. Field names the Options
// field; Value is its printed value (never a credential: no Options field holds one).
type OptionError struct {
	Field  string
	Value  string
	Reason string
	Err    error // an underlying error such as *InvalidRegionError, or nil
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("multiregion: invalid option %s=%s: %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns the underlying error.
func (e *OptionError) Unwrap() error { return e.Err }

// Is matches ErrInvalidOptions.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOptions }

// UnknownRegionError reports a region that is not among the Client's regions.
type UnknownRegionError struct {
	Region Region
}

func (e *UnknownRegionError) Error() string {
	return fmt.Sprintf("multiregion: region %s is not configured on this client", e.Region)
}

// Is matches ErrUnknownRegion.
func (e *UnknownRegionError) Is(target error) bool { return target == ErrUnknownRegion }

// StoreError reports a store registration or lookup that failed. Rule is
// ErrInvalidStore, ErrDuplicateStore or ErrUnknownStore.
type StoreError struct {
	Store  string
	Rule   error
	Reason string
	Err    error // an underlying error such as *UnknownRegionError, or nil
}

func (e *StoreError) Error() string {
	msg := fmt.Sprintf("%v %q", e.Rule, e.Store)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the rule and the underlying error.
func (e *StoreError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Rule}
	}
	return []error{e.Rule, e.Err}
}

// Attempt is one try of a routed call in one region, and how it failed.
type Attempt struct {
	Region Region
	Err    error
}

// NoHealthyRegionError is the one shape of "no region could serve this
// call": either no allowed region was healthy to begin with, or every
// allowed region was tried and failed. It names the store, the regions
// that were allowed, the last error the store saw in each, and the
// attempts the call made, in order (each a *RegionError, inspectable with
// errors.As). It matches ErrNoHealthyRegion: turn it into a 503.
type NoHealthyRegionError struct {
	Store   string   // the store's name, or "" for the network view
	Op      string   // the operation, or "" for Pick and Nearest
	Allowed []Region // the regions the call could have used
	// LastErrors holds the last failure seen per allowed region, in the order of Allowed.
	LastErrors []error
	// Attempts lists the regions the call tried and their errors, in order.
	Attempts []Attempt
}

func (e *NoHealthyRegionError) Error() string {
	op := e.Op
	if op == "" {
		op = "pick"
	}
	msg := fmt.Sprintf("multiregion: %s: no healthy region among %v", op, e.Allowed)
	if e.Store != "" {
		msg = fmt.Sprintf("multiregion: %s on %s: no healthy region among %v", op, e.Store, e.Allowed)
	}
	if len(e.Attempts) > 0 {
		msg += fmt.Sprintf("; %d attempts failed", len(e.Attempts))
		for _, a := range e.Attempts {
			msg += fmt.Sprintf("; %s: %v", a.Region, a.Err)
		}
		return msg
	}
	for i, err := range e.LastErrors {
		if err != nil && i < len(e.Allowed) {
			msg += fmt.Sprintf("; %s: %v", e.Allowed[i], err)
		}
	}
	return msg
}

// Is matches ErrNoHealthyRegion.
func (e *NoHealthyRegionError) Is(target error) bool { return target == ErrNoHealthyRegion }

// Unwrap returns the attempts' errors and the last errors seen, so
// errors.Is and errors.As find their causes too.
func (e *NoHealthyRegionError) Unwrap() []error {
	errs := make([]error, 0, len(e.Attempts)+len(e.LastErrors))
	for _, a := range e.Attempts {
		errs = append(errs, a.Err)
	}
	return append(errs, e.LastErrors...)
}

// RegionError is a failure of one operation in one region. Adapters return
// it for regional failures (5xx, throttling left after retries, connection
// errors, timeouts) so callers can see where it happened and whether the
// outcome of the call is known.
type RegionError struct {
	Region Region
	Op     string // e.g. "dynamo.Put", "probe"
	// OutcomeUnknown is true when the request may have been applied: the
	// request was sent but no answer came back. Such a write must not be
	// replayed in another region blindly.
	OutcomeUnknown bool
	Err            error
}

func (e *RegionError) Error() string {
	s := fmt.Sprintf("multiregion: %s in %s: %v", e.Op, e.Region, e.Err)
	if e.OutcomeUnknown {
		s += " (outcome unknown: the request may have been applied)"
	}
	return s
}

// Unwrap returns the cause.
func (e *RegionError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown when the outcome is unknown.
func (e *RegionError) Is(target error) bool { return target == ErrOutcomeUnknown && e.OutcomeUnknown }

// WriteRegionError reports a write directed at a region that is not the
// store's writer. It is returned before any network traffic.
type WriteRegionError struct {
	Store  string // the store kind or name, e.g. "Aurora global database"
	Op     string
	Region Region // the region the write was directed at
	Writer Region // the store's current writer region ("" if unknown)
}

func (e *WriteRegionError) Error() string {
	return fmt.Sprintf("multiregion: %s: %s accepts writes only in %s, not in %s", e.Op, e.Store, e.Writer, e.Region)
}

// Is matches ErrWriteRegion.
func (e *WriteRegionError) Is(target error) bool { return target == ErrWriteRegion }

package cache

import (
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
)

// Sentinel errors, for errors.Is. The typed errors below match them.
var (
	// ErrNotFound: Get or HGet of a key (or field) that does not exist. It
	// also matches redis.Nil, so code written against go-redis keeps working.
	ErrNotFound = fmt.Errorf("cache: not found: %w", redis.Nil)
	// ErrInvalidInput: an empty key, a nil value, a nil function. Matched
	// by *InputError.
	ErrInvalidInput = errors.New("cache: invalid input")
	// ErrReadOnly: a server refused a write as read-only (READONLY): the
	// region is a replica now. Matched by *ReadOnlyError.
	ErrReadOnly = errors.New("cache: write refused by a read-only replica")
	// ErrInvalidTopology: the control plane or the static topology describes
	// something this adapter cannot route (cluster mode differing between
	// regions, a serverless cache, no endpoint). Matched by *TopologyError.
	ErrInvalidTopology = errors.New("cache: invalid topology")
	// ErrClosed: the Store or its multiregion.Client was closed. It matches
	// multiregion.ErrClosed.
	ErrClosed = fmt.Errorf("cache: store closed: %w", multiregion.ErrClosed)
)

// InputError reports a bad argument. It never quotes a value. Immutable
// once returned: safe to share.
type InputError struct {
	Op     string // e.g. "cache.Set"
	Arg    string // e.g. "key"
	Reason string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("%s: argument %s: %s", e.Op, e.Arg, e.Reason)
}

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// ReadOnlyError is a write the server in Region refused with READONLY: it
// is a replica, so the Global Datastore's primary is elsewhere (a failover
// happened, or the topology in use is stale). The write was not applied.
// Routed writes refresh the topology and retry once on the new primary;
// when that retry fails too, the *multiregion.NoHealthyRegionError the call
// returns holds this error among its attempts (errors.As finds it).
// Immutable once returned: safe to share.
type ReadOnlyError struct {
	Region multiregion.Region
	Err    error // the server's reply, a redis.Error
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("cache: write refused in %s (a read-only replica): %v", e.Region, e.Err)
}

// Unwrap returns the server's reply.
func (e *ReadOnlyError) Unwrap() error { return e.Err }

// Is matches ErrReadOnly.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// TopologyError reports a Global Datastore this adapter cannot route. It
// never quotes an endpoint. Immutable once returned: safe to share.
type TopologyError struct {
	Group  string             // the Global Datastore's ID, or "static"
	Region multiregion.Region // the region concerned, if any
	Reason string
	Err    error
}

func (e *TopologyError) Error() string {
	s := "cache: " + e.Group + ": invalid topology"
	if e.Region != "" {
		s += " (" + string(e.Region) + ")"
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, or nil.
func (e *TopologyError) Unwrap() error { return e.Err }

// Is matches ErrInvalidTopology.
func (e *TopologyError) Is(target error) bool { return target == ErrInvalidTopology }

package route

import (
	"context"
	"errors"
)

// Class says what a failed attempt means for routing. The classes are
// shared by every adapter; what maps to which is the adapter's Classifier.
type Class int

const (
	// Caller: the request's own fault (validation, a failed condition, a
	// missing item): no failover, and the region is healthy.
	Caller Class = iota + 1
	// NotApplied: a regional failure where the request surely did not take
	// effect (connection refused before anything was sent): any call may
	// move on.
	NotApplied
	// Unknown: a regional failure where the request may have taken effect
	// (5xx, timeout, connection cut after sending).
	Unknown
	// Canceled: the caller's context ended; says nothing of the region.
	Canceled
	// Throttled: the region refused the request before running it, after
	// the driver's own retries: not applied, and the region is overloaded
	// for this store, so it counts as a failure there.
	Throttled
	// WriterMoved: the region refused a write as read-only (PostgreSQL
	// SQLSTATE 25006, MySQL 1290, Redis READONLY, Mongo NotWritablePrimary):
	// not applied; the writer is elsewhere now.
	WriterMoved
	// Skip: the region answered but cannot serve this call now (a read
	// older than the caller's own write, an object not replicated yet):
	// try the next region; not a failure.
	Skip
)

var classNames = map[Class]string{
	Caller: "caller", NotApplied: "not applied", Unknown: "outcome unknown", Canceled: "canceled",
	Throttled: "throttled", WriterMoved: "writer moved", Skip: "skip",
}

// classOutcomes name the classes as telemetry outcomes (attribute values:
// no spaces).
var classOutcomes = map[Class]string{
	Caller: "caller", NotApplied: "not_applied", Unknown: "outcome_unknown", Canceled: "canceled",
	Throttled: "throttled", WriterMoved: "writer_moved", Skip: "skip",
}

// outcome is c as a telemetry outcome.
func (c Class) outcome() string {
	if s, ok := classOutcomes[c]; ok {
		return s
	}
	return "unclassified"
}

func (c Class) String() string {
	if s, ok := classNames[c]; ok {
		return s
	}
	return "unclassified"
}

// regional reports whether c is a failure of the region.
func (c Class) regional() bool { return c == NotApplied || c == Unknown || c == Throttled }

// Classifier sorts the error of one attempt in one region. ctx is the
// context the attempt ran with. The loop has already told the caller's
// cancellation and the attempt timeout apart before it asks, so a
// Classifier sees only errors of the store itself. A Classifier must be
// safe for concurrent use.
type Classifier interface {
	Classify(ctx context.Context, err error) Class
}

// ClassifierFunc adapts a function to Classifier.
type ClassifierFunc func(ctx context.Context, err error) Class

// Classify calls f.
func (f ClassifierFunc) Classify(ctx context.Context, err error) Class { return f(ctx, err) }

// ErrAttemptTimeout is the cause of an attempt context that hit
// Call.AttemptTimeout, so that it is told apart from the caller's deadline.
var ErrAttemptTimeout = errors.New("route: attempt timeout")

// classify sorts err: the caller's cancellation and deadline first, then an
// attempt timeout (Unknown: the request may be running), then the store's
// classifier.
func classify(ctx context.Context, cl Classifier, err error) Class {
	if ctx.Err() != nil {
		if context.Cause(ctx) == ErrAttemptTimeout {
			return Unknown
		}
		return Canceled
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if cl == nil {
		return Unknown
	}
	return cl.Classify(ctx, err)
}

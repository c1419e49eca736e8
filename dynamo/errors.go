package dynamo

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/regionkit/multiregion"
)

// Sentinels for errors.Is. The typed errors below match them.
var (
	// ErrNotFound: Get found no item with the key.
	ErrNotFound = errors.New("dynamo: item not found")
	// ErrTransactionsUnsupported: the table is MRSC, whose transaction APIs
	// AWS rejects; returned before any network call.
	ErrTransactionsUnsupported = errors.New("dynamo: transactions are not supported on this global table")
	// ErrNoReplica: a region has no replica of the table (or is not one of
	// the multiregion.Client's regions).
	ErrNoReplica = errors.New("dynamo: no replica of the table in region")
	// ErrVersionMismatch: PutIfVersion found another version.
	ErrVersionMismatch = errors.New("dynamo: item version changed")
	// ErrConflict: MRSC ReplicatedWriteConflictException outlived the retries.
	ErrConflict = errors.New("dynamo: replicated write conflict")
	// ErrConditionFailed: a condition the caller gave did not hold.
	ErrConditionFailed = errors.New("dynamo: condition failed")
	// ErrInvalidInput: empty table name, a missing key, a bad expression...
	ErrInvalidInput = errors.New("dynamo: invalid input")
	// ErrStaleRead: ReadYourWrites could not find the Table's last write.
	ErrStaleRead = errors.New("dynamo: no region holds this handle's last write yet")
	// ErrClosed: the Table was closed. It matches multiregion.ErrClosed
	// too, which a Table whose multiregion.Client closed returns.
	ErrClosed = fmt.Errorf("dynamo: table closed: %w", multiregion.ErrClosed)
	// ErrTableNotFound: DynamoDB says the table does not exist in a region
	// of its replicas (ResourceNotFoundException).
	ErrTableNotFound = errors.New("dynamo: table not found")
)

// Sentinels of the write half (one-round-trip writes, validation,
// transactions by reason code).
var (
	// ErrThrottled: a transaction DynamoDB canceled for throttling
	// (ThrottlingError): not applied, safe to send again.
	ErrThrottled = errors.New("dynamo: throttled, not applied")
	// ErrTransactionConflict: a transaction still canceled by
	// TransactionConflict after Options.ConflictRetries in-place retries.
	ErrTransactionConflict = errors.New("dynamo: transaction conflict")
)

// OptionError reports an invalid Options field.
type OptionError struct {
	Field, Reason string
}

func (e *OptionError) Error() string { return "dynamo: invalid option " + e.Field + ": " + e.Reason }

// Is matches ErrInvalidInput and multiregion.ErrInvalidOptions.
func (e *OptionError) Is(target error) bool {
	return target == ErrInvalidInput || target == multiregion.ErrInvalidOptions
}

// InputError reports bad input to an operation, before any network call.
type InputError struct {
	Op     string // e.g. "dynamo.New", "dynamo.Query"
	Reason string
	Err    error // the cause, or nil
}

func (e *InputError) Error() string {
	s := e.Op + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// KeyError reports an item or key that lacks a key attribute, or has one of
// a type a key cannot have.
type KeyError struct {
	Op        string
	Attribute string
	Reason    string // "missing" or the type problem
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("%s: key attribute %q: %s", e.Op, e.Attribute, e.Reason)
}

// Is matches ErrInvalidInput.
func (e *KeyError) Is(target error) bool { return target == ErrInvalidInput }

// MarshalError reports a value attributevalue could not (un)marshal.
type MarshalError struct {
	Op   string
	Type string // the Go type
	Err  error
}

func (e *MarshalError) Error() string {
	return fmt.Sprintf("%s: cannot marshal %s: %v", e.Op, e.Type, e.Err)
}

// Unwrap returns the attributevalue error.
func (e *MarshalError) Unwrap() error { return e.Err }

// Is matches ErrInvalidInput.
func (e *MarshalError) Is(target error) bool { return target == ErrInvalidInput }

// NoReplicaError reports a region without a replica of the table.
type NoReplicaError struct {
	Table    string
	Region   multiregion.Region
	Replicas []multiregion.Region // the regions that have one
	Err      error                // e.g. ResourceNotFoundException, *multiregion.UnknownRegionError
}

func (e *NoReplicaError) Error() string {
	s := fmt.Sprintf("dynamo: table %s has no replica in %s (replicas: %v)", e.Table, e.Region, e.Replicas)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *NoReplicaError) Unwrap() error { return e.Err }

// Is matches ErrNoReplica.
func (e *NoReplicaError) Is(target error) bool { return target == ErrNoReplica }

// VersionMismatchError is PutIfVersion's answer when the item in Region is
// not at Expected.
type VersionMismatchError struct {
	Table    string
	Region   multiregion.Region
	Expected string // the version the caller read ("" = must not exist)
	Actual   string // the version found, when known ("" = no item)
}

func (e *VersionMismatchError) Error() string {
	return fmt.Sprintf("dynamo.PutIfVersion in %s: table %s: expected version %q, found %q", e.Region, e.Table, e.Expected, e.Actual)
}

// Is matches ErrVersionMismatch.
func (e *VersionMismatchError) Is(target error) bool { return target == ErrVersionMismatch }

// ConflictError is an MRSC write still rejected with
// ReplicatedWriteConflictException after Options.ConflictRetries retries.
// The write was not applied (AWS: the exception is retry-safe).
type ConflictError struct {
	Op       string
	Region   multiregion.Region
	Attempts int
	Err      error // the last *types.ReplicatedWriteConflictException
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s in %s: replicated write conflict after %d attempts: %v", e.Op, e.Region, e.Attempts, e.Err)
}

// Unwrap returns the SDK error.
func (e *ConflictError) Unwrap() error { return e.Err }

// Is matches ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ConditionFailedError is a write whose caller-given condition did not hold
// (ConditionalCheckFailedException, or a transaction canceled by one).
type ConditionFailedError struct {
	Op     string
	Region multiregion.Region
	Err    error
}

func (e *ConditionFailedError) Error() string {
	return fmt.Sprintf("%s in %s: condition failed: %v", e.Op, e.Region, e.Err)
}

// Unwrap returns the SDK error.
func (e *ConditionFailedError) Unwrap() error { return e.Err }

// Is matches ErrConditionFailed.
func (e *ConditionFailedError) Is(target error) bool { return target == ErrConditionFailed }

// TransactionsUnsupportedError is returned by TransactWrite and
// TransactGet on an MRSC table, before any network call.
type TransactionsUnsupportedError struct {
	Op   string
	Kind multiregion.StoreKind
	Note string // from the capability table
}

func (e *TransactionsUnsupportedError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Op, e.Kind, e.Note)
}

// Is matches ErrTransactionsUnsupported.
func (e *TransactionsUnsupportedError) Is(target error) bool {
	return target == ErrTransactionsUnsupported
}

// OpError is a failure that is not the region's fault (a validation error,
// a missing table, an exhausted local retry), naming region and operation.
type OpError struct {
	Op     string
	Region multiregion.Region
	Err    error
}

func (e *OpError) Error() string { return fmt.Sprintf("%s in %s: %v", e.Op, e.Region, e.Err) }

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// Is matches ErrInvalidInput when DynamoDB rejected the request as invalid
// (ValidationException: an empty key, an item over 400 KB, a wrong key
// type, overlapping update paths).
func (e *OpError) Is(target error) bool {
	var apiErr smithy.APIError
	return target == ErrInvalidInput && errors.As(e.Err, &apiErr) && apiErr.ErrorCode() == "ValidationException"
}

// TableNotFoundError reports a table DynamoDB says does not exist in
// Region (ResourceNotFoundException): deleted, not created yet, or a typo.
type TableNotFoundError struct {
	Table  string
	Region multiregion.Region
	Err    error
}

func (e *TableNotFoundError) Error() string {
	return fmt.Sprintf("dynamo: table %s not found in %s: %v", e.Table, e.Region, e.Err)
}

// Unwrap returns the cause.
func (e *TableNotFoundError) Unwrap() error { return e.Err }

// Is matches ErrTableNotFound.
func (e *TableNotFoundError) Is(target error) bool { return target == ErrTableNotFound }

// StaleReadError: with ReadYourWrites, no region could serve a version at
// least as new as Want (the region of the write was unreachable and the
// others had not received it yet).
type StaleReadError struct {
	Table       string
	WriteRegion multiregion.Region
	Want        string // the version id this handle wrote
	Err         error  // why the write's region failed
}

func (e *StaleReadError) Error() string {
	return fmt.Sprintf("dynamo.Get: table %s: version %s written in %s is not readable anywhere yet: %v", e.Table, e.Want, e.WriteRegion, e.Err)
}

// Unwrap returns the write region's error.
func (e *StaleReadError) Unwrap() error { return e.Err }

// Is matches ErrStaleRead.
func (e *StaleReadError) Is(target error) bool { return target == ErrStaleRead }

// StreamError reports a replica whose stream cannot feed the conflict
// detector (disabled, or not NEW_AND_OLD_IMAGES).
type StreamError struct {
	Table  string
	Region multiregion.Region
	Reason string
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("dynamo: table %s in %s: %s (conflict detection needs a stream with NEW_AND_OLD_IMAGES, or Options.DisableConflictDetection)", e.Table, e.Region, e.Reason)
}

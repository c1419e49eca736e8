package s3mesh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/regionkit/multiregion"
)

var (
	// ErrInvalidInput matches every *InputError: input refused before any
	// request was sent.
	ErrInvalidInput = errors.New("s3mesh: invalid input")
	// ErrNotFound matches a *NotFoundError: the key (or version) is in none
	// of the regions tried.
	ErrNotFound = errors.New("s3mesh: object not found")
	// ErrReplicationFailed matches a *ReplicationFailedError: S3 gave up
	// replicating a version (x-amz-replication-status FAILED), for good.
	ErrReplicationFailed = errors.New("s3mesh: replication failed")
	// ErrDiverged matches a *DivergenceError: the regions' latest versions
	// of a key differ.
	ErrDiverged = errors.New("s3mesh: regions diverged")
	// ErrClosed is returned by every method of a closed Mesh.
	ErrClosed = fmt.Errorf("s3mesh: %w", multiregion.ErrClosed)
)

// InputError is input refused before any request: a bucket name S3 would
// refuse, a bucket given twice, a region the Client does not have, an empty
// key, a nil policy. It matches ErrInvalidInput.
type InputError struct {
	Op     string // "s3mesh.New", "s3mesh.Get", ...
	Field  string // what was wrong: "buckets", "key", "policy", "Options.RoleARN"
	Reason string
	Err    error // the cause, when there is one (a *multiregion.UnknownRegionError)
}

func (e *InputError) Error() string {
	s := fmt.Sprintf("s3mesh: %s: invalid %s: %s", e.Op, e.Field, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Is matches ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// NotFoundError says no region tried holds the key (or the version asked
// for). Regions lists the regions that answered 404: during replication a
// key can be missing everywhere but its source.
type NotFoundError struct {
	Op        string
	Key       string
	VersionID string // "" for the latest version
	Regions   []multiregion.Region
	// DeleteMarker: the latest version in Regions[0] is a delete marker
	// (the key was deleted there; the search stopped).
	DeleteMarker bool
	Err          error // the last 404
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("s3mesh: %s %q: not found in %s", e.Op, e.Key, joinRegions(e.Regions))
	if e.VersionID != "" {
		s = fmt.Sprintf("s3mesh: %s %q version %s: not found in %s", e.Op, e.Key, e.VersionID, joinRegions(e.Regions))
	}
	if e.DeleteMarker {
		s += " (delete marker)"
	}
	return s
}

// Unwrap returns the last 404.
func (e *NotFoundError) Unwrap() error { return e.Err }

// Is matches ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ReplicationFailedError is a read of a version whose replication status is
// FAILED in the region that served it: its data is good there, but S3 will
// not retry; rewrite it (Reconcile, S3 Batch Replication) to reach the other
// buckets. It matches ErrReplicationFailed.
type ReplicationFailedError struct {
	Key       string
	Region    multiregion.Region
	VersionID string
}

func (e *ReplicationFailedError) Error() string {
	return fmt.Sprintf("s3mesh: %q version %s in %s: replication status FAILED (terminal: S3 does not retry)", e.Key, e.VersionID, e.Region)
}

// Is matches ErrReplicationFailed.
func (e *ReplicationFailedError) Is(target error) bool { return target == ErrReplicationFailed }

// OpError is an answer of S3 that is the caller's to handle (access
// denied, no such bucket, a precondition): it names the operation, region
// and bucket, and wraps S3's error.
type OpError struct {
	Op     string
	Region multiregion.Region
	Bucket string
	Err    error
}

func (e *OpError) Error() string {
	return fmt.Sprintf("s3mesh: %s in %s (bucket %s): %v", e.Op, e.Region, e.Bucket, e.Err)
}

// Unwrap returns S3's error.
func (e *OpError) Unwrap() error { return e.Err }

func joinRegions(rs []multiregion.Region) string {
	if len(rs) == 0 {
		return "no region"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

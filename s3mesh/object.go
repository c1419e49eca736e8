package s3mesh

import (
	"io"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
)

// ReplicationStatus is an object's x-amz-replication-status in the region
// that served it.
type ReplicationStatus string

const (
	// ReplicationNone: no rule applied to the object when it was written.
	ReplicationNone ReplicationStatus = ""
	// ReplicationPending: a source version not yet in every destination.
	ReplicationPending ReplicationStatus = "PENDING"
	// ReplicationCompleted: a source version in every destination. S3
	// answers COMPLETED, and COMPLETE in older responses; both map here.
	ReplicationCompleted ReplicationStatus = "COMPLETED"
	// ReplicationFailed: S3 gave up on a destination, for good. Get and
	// Head surface it as *ReplicationFailedError.
	ReplicationFailed ReplicationStatus = "FAILED"
	// ReplicationReplica: this copy is a replica of a version written in
	// another region.
	ReplicationReplica ReplicationStatus = "REPLICA"
)

// replicationStatus normalizes S3's header value.
func replicationStatus(s string) ReplicationStatus {
	switch strings.ToUpper(s) {
	case "COMPLETE", "COMPLETED":
		return ReplicationCompleted
	case "PENDING":
		return ReplicationPending
	case "FAILED":
		return ReplicationFailed
	case "REPLICA":
		return ReplicationReplica
	}
	return ReplicationStatus(s)
}

// Object is an object as one region served it (Get, Head). Its Body is a
// stream: use an Object from one goroutine.
type Object struct {
	Key       string
	Region    multiregion.Region // the region that served it ("" through an access point)
	Bucket    string
	VersionID string
	// ReplicationStatus is the object's status in Region: COMPLETED or
	// PENDING where it was written, REPLICA where it was copied to.
	ReplicationStatus ReplicationStatus
	ETag              string
	ContentType       string
	ContentLength     int64
	LastModified      time.Time
	Metadata          map[string]string
	// Body is the content (Get only); the caller must close it.
	Body io.ReadCloser
}

// PutResult says where a Put landed.
type PutResult struct {
	Region    multiregion.Region
	Bucket    string
	VersionID string
	ETag      string
}

// DeleteResult says what a Delete did.
type DeleteResult struct {
	Region multiregion.Region // the region of a delete marker; "" for a version deleted everywhere
	// VersionID is the delete marker's version id, or the version deleted.
	VersionID string
	// DeleteMarker: a delete marker was written (a Delete without version).
	DeleteMarker bool
}

// CallOptions adjust one call (a value, copied per call).
type CallOptions struct {
	// Region pins the call to one region, the nearest-first order aside.
	// default: "" (nearest healthy, then the others in rank order)
	Region multiregion.Region
	// VersionID reads (Get, Head) or deletes (Delete) that version.
	// default: "" (the latest)
	VersionID string
	// ContentType of a Put.
	// default: "" (S3's binary/octet-stream)
	ContentType string
	// Metadata is a Put's user metadata (x-amz-meta-*).
	// default: none
	Metadata map[string]string
	// CheckConsistency makes a Get first compare the latest version of the
	// key in every region (Check): when they differ the Get returns the
	// *DivergenceError instead of the object. It costs one
	// ListObjectVersions per region.
	// default: false
	CheckConsistency bool
	// ViaMRAP sends the call to Options.MRAPARN instead of a bucket: S3
	// routes it on the network side (SigV4A) to the bucket of the nearest
	// active route. The result's Region is then "" (S3 does not say which
	// bucket served it) and Get's 404 fallback is off: the access point
	// already chose. The regional client that sends it is picked as usual.
	// default: false
	ViaMRAP bool
}

func callOptions(op string, key string, fns []func(*CallOptions)) (CallOptions, error) {
	var co CallOptions
	for _, fn := range fns {
		if fn != nil {
			fn(&co)
		}
	}
	co.Metadata = maps.Clone(co.Metadata)
	if key == "" {
		return co, &InputError{Op: op, Field: "key", Reason: "empty object key"}
	}
	if len(key) > 1024 {
		return co, &InputError{Op: op, Field: "key", Reason: "longer than S3's 1,024 bytes"}
	}
	return co, nil
}

// WithRegion pins a call to region r.
func WithRegion(r multiregion.Region) func(*CallOptions) {
	return func(o *CallOptions) { o.Region = r }
}

// WithVersion reads or deletes version id.
func WithVersion(id string) func(*CallOptions) {
	return func(o *CallOptions) { o.VersionID = id }
}

// WithMRAP sends a call through the Mesh's Multi-Region Access Point
// (CallOptions.ViaMRAP).
func WithMRAP() func(*CallOptions) {
	return func(o *CallOptions) { o.ViaMRAP = true }
}

// WithConsistencyCheck makes a Get fail with *DivergenceError when the
// regions' latest versions differ (CallOptions.CheckConsistency).
func WithConsistencyCheck() func(*CallOptions) {
	return func(o *CallOptions) { o.CheckConsistency = true }
}

func versionPtr(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

package s3mesh

import (
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/regionkit/multiregion"
)

// Options configures a Mesh: the replication rules Plan writes, and how the
// data plane routes. New copies it; changing it afterwards has no effect.
type Options struct {
	// RoleARN is the IAM role S3 assumes to replicate from each bucket
	// (arn:<partition>:iam::<account>:role/<name>); every rule uses it.
	// default: none (required)
	RoleARN string

	// ReplicationTimeControl turns on S3 Replication Time Control (and the
	// replication metrics it requires) with 15 minutes, the only value S3
	// accepts. Delete markers are not covered by its SLA.
	// default: false
	ReplicationTimeControl bool

	// DeleteMarkerReplication replicates delete markers (a Delete without a
	// version id) to the other buckets. Deletes of a given version are never
	// replicated. S3 refuses it together with tag filters, and so does New.
	// default: false (a delete marker stays in the region that took it)
	DeleteMarkerReplication bool

	// DisableReplicaModificationSync turns off replica modification sync.
	// Two-way replication needs it on: without it, metadata changes made to a
	// replica (tags, ACLs, object lock) do not travel back.
	// default: false (sync on)
	DisableReplicaModificationSync bool

	// Prefix limits replication to keys under it.
	// default: "" (every key)
	Prefix string

	// Tags limit replication to objects carrying every one of these tags.
	// default: none
	Tags map[string]string

	// StorageClass is the storage class of the replicas.
	// default: "" (the source object's class)
	StorageClass types.StorageClass

	// ReplicaKMSKeys maps a destination region to the SSE-KMS key (ARN or
	// id in that region) replicas are encrypted with there; a region listed
	// here also replicates SSE-KMS encrypted objects into it.
	// default: none (SSE-KMS objects are not replicated)
	ReplicaKMSKeys map[multiregion.Region]string

	// ReadYourWrites, when positive, sends a Get or Head of a key that this
	// Mesh Put less than this long ago to the region that took the Put
	// (while it is healthy), instead of the nearest one, where the object
	// may not have arrived yet. 15 minutes covers RTC's SLA.
	// default: 0 (off)
	ReadYourWrites time.Duration

	// StoreName is the name of the Mesh's routing state on the Client; it
	// must be unique per Client.
	// default: "s3mesh:" + the buckets, sorted and joined by ","
	StoreName string

	// AttemptTimeout bounds each regional attempt of a data-plane call; an
	// attempt that hits it is a regional failure.
	// default: 0 (only the caller's context)
	AttemptTimeout time.Duration

	// ClientOptions are applied to every regional S3 client New builds
	// (UsePathStyle for an emulator, a retryer).
	// default: none
	ClientOptions []func(*s3.Options)

	// NewClient builds the client of one region, for tests with fakes.
	// default: s3.NewFromConfig(cfg, ClientOptions...)
	NewClient func(r multiregion.Region, cfg aws.Config) API

	// MRAPARN is a Multi-Region Access Point over the Mesh's buckets
	// (arn:aws:s3::<account>:accesspoint/<alias>.mrap). With it, calls with
	// WithMRAP go through the access point (SigV4A; S3 picks the bucket),
	// and DrainMRAP / UndrainMRAP / MRAPRoutes change and read its routes.
	// default: "" (no access point)
	MRAPARN string

	// MRAPControlOptions are applied to the s3control client of the route
	// API (an endpoint resolver for an emulator).
	// default: none
	MRAPControlOptions []func(*s3control.Options)

	// NewMRAPControl builds the route API's client, for tests with fakes.
	// It is called with the Config of the Mesh's first region that serves
	// the route API (us-west-2, us-east-1, eu-west-1, ap-southeast-2,
	// ap-northeast-1).
	// default: s3control.NewFromConfig(cfg, MRAPControlOptions...)
	NewMRAPControl func(cfg aws.Config) MRAPControlAPI

	// ScanConcurrency bounds the regions listed at once by Scan and
	// Versions-style fan-outs.
	// default: 8
	ScanConcurrency int
}

// copy returns o with its maps and slices cloned, so the caller's later
// changes do not reach the Mesh.
func (o Options) copy() Options {
	o.Tags = maps.Clone(o.Tags)
	o.ReplicaKMSKeys = maps.Clone(o.ReplicaKMSKeys)
	o.ClientOptions = slices.Clone(o.ClientOptions)
	o.MRAPControlOptions = slices.Clone(o.MRAPControlOptions)
	return o
}

// resolveNewClient is the default client constructor.
func (o *Options) resolveNewClient() {
	if o.NewClient != nil {
		return
	}
	extra := o.ClientOptions
	o.NewClient = func(_ multiregion.Region, cfg aws.Config) API {
		return s3.NewFromConfig(cfg, extra...)
	}
}

// resolveNewMRAPControl is the default route API client constructor.
func (o *Options) resolveNewMRAPControl() {
	if o.NewMRAPControl != nil {
		return
	}
	extra := o.MRAPControlOptions
	o.NewMRAPControl = func(cfg aws.Config) MRAPControlAPI { return s3control.NewFromConfig(cfg, extra...) }
}

// resolveScanConcurrency applies the fan-out default.
func (o *Options) resolveScanConcurrency() {
	if o.ScanConcurrency <= 0 {
		o.ScanConcurrency = 8
	}
}

package docdb

import (
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/regionkit/multiregion"
)

// Region limits of a DocumentDB global cluster. The DocumentDB developer
// guide allows one primary and up to five secondary regions (the product
// page says ten); this adapter enforces the developer guide, as the
// capability table (multiregion.DocumentDBGlobal, MaxRegions 6) does. To
// follow AWS when it raises the limit, raise MaxSecondaryRegions and the
// capability table's MaxRegions together.
const (
	MaxSecondaryRegions = 5
	MaxRegions          = 1 + MaxSecondaryRegions
)

// RetryableWritesVersion is the first DocumentDB engine version that
// supports retryable writes (except updateMany and deleteMany, which the
// driver never retries anyway).
const RetryableWritesVersion = "8.0.2"

// Member is one regional cluster of a static topology (Options.Members).
// It is a plain value.
type Member struct {
	Region multiregion.Region
	// Writer marks the primary cluster. Exactly one member is the writer.
	Writer bool
	// Endpoint is the cluster endpoint, host:port, without credentials.
	Endpoint string
	// ReaderEndpoint is the cluster's reader endpoint, host:port; optional.
	ReaderEndpoint string
	// ID is the cluster's identifier or ARN; optional.
	ID string
}

// Options configures a Cluster. Every field's zero value is its default;
// New copies Options (Members and CABundle too), so changing them
// afterwards has no effect. A plain value, not synchronized.
type Options struct {
	// GlobalClusterID names the global cluster to describe through the
	// DocumentDB control plane (DescribeGlobalClusters, DescribeDBClusters
	// in each member's region, with the multiregion.Client's per-region
	// aws.Config). Required unless Members is set.
	// default: ""
	GlobalClusterID string

	// Members is a static topology: the cluster never asks the control
	// plane, Switchover and Failover return ErrStaticTopology, and the
	// writer moves only with a new Cluster. Set either Members or
	// GlobalClusterID, not both.
	// default: nil (load the topology from the control plane)
	Members []Member

	// Name names the store on the Client ("docdb:"+Name) and in errors and
	// logs. Never put a secret in it.
	// default: GlobalClusterID, or "static" with Members
	Name string

	// EngineVersion is the DocumentDB engine version, which decides
	// retryable writes (see RetryWrites). With a control-plane topology,
	// the primary cluster's EngineVersion overrides it.
	// default: "" (unknown: retryable writes off)
	EngineVersion string

	// RetryWrites forces the driver's retryable writes on or off. By
	// default they are on for engine versions from RetryableWritesVersion
	// (8.0.2) and off before it (DocumentDB then rejects retryWrites=true).
	// The driver never retries updateMany and deleteMany, which DocumentDB
	// 8.0.2 does not support as retryable either. A regional client keeps
	// the setting it was built with until its endpoint changes.
	// default: nil (from the engine version)
	RetryWrites *bool

	// Username and Password authenticate every regional client (SCRAM).
	// They are never put in an error, a log line or a Status.
	// default: "" (no authentication)
	Username string
	// Password goes with Username; it requires one.
	// default: ""
	Password string

	// CABundle is the PEM bundle the clusters' TLS certificates are checked
	// against (AWS's global-bundle.pem). Without it the system roots are
	// used.
	// default: nil (system roots)
	CABundle []byte

	// DisableTLS connects in plain text. DocumentDB clusters have TLS on by
	// default; only test servers (FerretDB in the lab) need this.
	// default: false (TLS on)
	DisableTLS bool

	// ReplicaSet is the replica set name given to the driver, so that it
	// discovers the instances behind a cluster endpoint and reads from
	// replicas within the region (readPreference secondaryPreferred).
	// DocumentDB's is always "rs0". "-" connects directly to the endpoint
	// (a server without a replica set, such as FerretDB).
	// default: "rs0"
	ReplicaSet string

	// AllowPartial accepts a global cluster with regional clusters outside
	// the multiregion.Client's regions: they are left out of routing. The
	// primary is never left out.
	// default: false (such a topology is an error)
	AllowPartial bool

	// MaxLag is the most replication lag a secondary region may have and
	// still serve reads. Lag comes from LagSource; a region whose lag is
	// unknown keeps serving.
	// default: 0 (no bound)
	MaxLag time.Duration

	// LagSource measures each secondary region's replication lag, at every
	// topology refresh (RefreshInterval). Nil leaves lag unknown.
	// default: nil
	LagSource LagSource

	// RefreshInterval is the time between two loads of the topology (and
	// lag measurements). Negative: only on demand (refused writes,
	// Switchover, Failover, Refresh). Otherwise at least 1s.
	// default: 30s
	RefreshInterval time.Duration

	// Hedge hedges FindOne: when the nearest member has not answered after
	// Hedge.After (or the percentile of recent FindOnes), the same FindOne
	// goes to the next-ranked member and the first answer wins (see
	// multiregion.Hedge; ReadOptions.Hedge turns it on or off per handle).
	// default: nil (no hedging)
	Hedge *multiregion.Hedge

	// ReadYourWrites routes a read whose filter is {_id: v} to the primary
	// region when this Cluster wrote a document with that _id within
	// ReadYourWritesWindow.
	// default: false
	ReadYourWrites bool

	// ReadYourWritesWindow is how long a written _id is read from the
	// primary.
	// default: 2s (twice DocumentDB's typical propagation)
	ReadYourWritesWindow time.Duration

	// ClientOptions, when set, adjusts each regional driver client's
	// options after the adapter set its own (timeouts, pool sizes,
	// monitors). The adapter sets a server selection timeout of 5s: the
	// longest a read waits for a region that is down before it moves on. It must not set hosts, auth or TLS in a way that leaks a
	// secret into an error.
	// default: nil
	ClientOptions func(r multiregion.Region, o *options.ClientOptions)

	// Logger receives topology changes and refresh failures. Endpoints and
	// credentials are never logged.
	// default: the multiregion.Client's Logger
	Logger *slog.Logger

	// API is the control-plane client factory, for tests.
	// default: docdb.NewFromConfig(mr.Config(region))
	API func(r multiregion.Region) ControlPlaneAPI
}

// DefaultReadYourWritesWindow is Options.ReadYourWritesWindow's default.
const DefaultReadYourWritesWindow = 2 * time.Second

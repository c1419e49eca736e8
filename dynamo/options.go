package dynamo

import (
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/regionkit/multiregion"
)

// Consistency is the multi-Region consistency mode of a global table.
type Consistency int

const (
	// ConsistencyAuto takes the mode from DescribeTable's
	// MultiRegionConsistency, and MREC when the table does not say (or the
	// replica list is static).
	ConsistencyAuto Consistency = iota
	// MREC is multi-Region eventual consistency: every replica takes writes,
	// replication is asynchronous, concurrent writes resolve by last writer
	// wins, silently. The Table surfaces every such lost write.
	MREC
	// MRSC is multi-Region strong consistency: exactly 3 regions of one
	// region set (one may be a witness), transactions rejected, concurrent
	// writes fail with ReplicatedWriteConflictException.
	MRSC
)

func (c Consistency) String() string {
	switch c {
	case MREC:
		return "MREC"
	case MRSC:
		return "MRSC"
	default:
		return "auto"
	}
}

func (c Consistency) kind() multiregion.StoreKind {
	if c == MRSC {
		return multiregion.DynamoDBMRSC
	}
	return multiregion.DynamoDBMREC
}

// Defaults of Options.
const (
	DefaultMetadataPrefix     = "_mr_"
	DefaultConflictBuffer     = 256
	DefaultStreamPollInterval = 250 * time.Millisecond
	DefaultDedupCapacity      = 1 << 16
	DefaultLineageDepth       = 8
	DefaultVersionRetries     = 8
	DefaultConflictRetries    = 5
	DefaultConflictBackoff    = 20 * time.Millisecond
	DefaultRYWTrackedKeys     = 10000
	DefaultVersionCacheSize   = 10000
	DefaultTopologyRefresh    = time.Minute
)

// Options configures a Table. The zero value of every field is its
// default; New copies Options, so changing them afterwards has no effect.
type Options struct {
	// Consistency is the table's mode. An explicit mode that contradicts
	// what DescribeTable reports is an error.
	// default: ConsistencyAuto (discovered; MREC when unknown)
	Consistency Consistency

	// Replicas is a static list of the table's replica regions (witness
	// excluded). Every one must be a region of the multiregion.Client.
	// default: discovered with DescribeTable (the region asked plus Replicas)
	Replicas []multiregion.Region

	// Witness is the MRSC witness region of a static replica list. It
	// counts toward MRSC's 3 regions but serves nothing.
	// default: discovered (GlobalTableWitnesses), none with a static list
	Witness multiregion.Region

	// PartitionKey and SortKey name the key attributes. Setting
	// PartitionKey together with Replicas makes New do no network call.
	// default: discovered from DescribeTable's KeySchema
	PartitionKey string
	SortKey      string // default: discovered; "" when the table has none

	// MetadataPrefix starts the names of the attributes the Table stamps
	// on every item: <p>ver, <p>prev, <p>origin, <p>hlc, <p>lin.
	// default: "_mr_"
	MetadataPrefix string

	// ConflictHandler receives every write that last writer wins
	// discarded, once, one call at a time, from the Table's delivery
	// goroutine, outside every lock: it may call any Table method, Close
	// and Flush included, and a slow handler delays delivery only, not the
	// stream readers. When nil, conflicts go to the channel
	// Table.Conflicts returns.
	// default: nil (channel)
	ConflictHandler func(Conflict)

	// GapHandler receives every gap of the in-process detector: records
	// it could not read (trimmed, a removed stream), so losses between
	// Gap.From and Gap.To may be missed. Called like ConflictHandler, on
	// the same goroutine. Gaps are also logged (Warn) and kept in
	// Table.DetectorStatus.
	// default: nil (logged and kept only)
	GapHandler func(Gap)

	// ConflictBuffer is the capacity of the Conflicts channel. A full
	// channel blocks the stream readers (stream records wait 24 h on AWS).
	// default: 256
	ConflictBuffer int

	// DisableConflictDetection starts no stream readers (MREC). MRSC tables
	// never start them: MRSC has no silent conflicts. DynamoDB Streams
	// serves at most 2 readers per shard (more are throttled with
	// LimitExceededException, reported as *StreamThrottledError): in a
	// fleet of 3 or more instances set it in every instance and run the
	// detector on Lambda (package lambdadetect), or keep it in one or two.
	// default: false
	DisableConflictDetection bool

	// StoreName is the name of the table's routing state on the
	// multiregion.Client (Client.Status, Client.Store). Names are unique per
	// Client: two Tables on one DynamoDB table need different names.
	// default: "dynamo:" + the table name
	StoreName string

	// AllowPartialReplicas accepts a table with replicas in regions the
	// multiregion.Client does not list: they are not routed to, and
	// Status names them (StoreStatus.LeftOut). Without it New fails with a
	// *NoReplicaError naming the first such region, so that a typo in
	// WithRegions does not silently drop a replica.
	// default: false
	AllowPartialReplicas bool

	// DisableProbe stops the table's own probe: a key-only GetItem of a
	// key no item has, in every replica region every ProbeInterval (0.5
	// read capacity unit each). Without it the table ranks replicas by the
	// Client's network view and readmits a region it ejected only after a
	// successful call there.
	// default: false
	DisableProbe bool

	// StreamStart is where a stream reader starts a shard that has no
	// checkpoint: at the end (only writes after New are judged) or at the
	// oldest record retained (24 h on AWS), to judge losses that happened
	// while no Table watched. See checkpoint.go.
	// default: StreamStartLatest
	StreamStart StreamStart

	// Checkpointer stores, per shard, the last stream record whose
	// conflicts were delivered, so a new Table resumes after it
	// (at-least-once; a restart may deliver a conflict again, with the
	// same Lost.Version). See checkpoint.go.
	// default: nil (none: every start follows StreamStart)
	Checkpointer Checkpointer

	// TombstoneTTL, when set, stamps each tombstone a Delete writes with
	// <prefix>exp = now + TombstoneTTL (Unix seconds), so that DynamoDB TTL
	// enabled on that attribute removes it. A write racing the removal is
	// lost unseen, so keep it far above the replication delay.
	// default: 0 (tombstones stay until overwritten)
	TombstoneTTL time.Duration

	// StreamPollInterval is the pause between two GetRecords rounds that
	// returned nothing. AWS allows 5 GetRecords per second per shard.
	// default: 250ms
	StreamPollInterval time.Duration

	// ConflictSettle is how long a detected loss is held before delivery,
	// so that evidence from other replicas can show it was not lost after
	// all (three or more regions; see settle.go). Flush settles at once.
	// default: the capability table's typical propagation (1s for MREC)
	ConflictSettle time.Duration

	// DedupCapacity bounds the set of lost version ids already reported
	// (a ring: the oldest id is forgotten first). A conflict seen in
	// several regions is reported once as long as its sightings are less
	// than DedupCapacity conflicts apart. About 100 bytes per id.
	// default: 65536
	DedupCapacity int

	// LineageDepth is how many ancestor version ids each item carries
	// (<p>lin). The detector tells "overwrote a version it never saw" from
	// "replication delivered two of my updates out of order" with it.
	// default: 8
	LineageDepth int

	// VersionRetries bounds the local retries of a versioned write whose
	// version check lost a race with another write in the same region.
	// default: 8
	VersionRetries int

	// ConflictRetries bounds the retries of an MRSC write rejected with
	// ReplicatedWriteConflictException (AWS marks it retry-safe), with
	// exponential backoff from ConflictBackoff and full jitter.
	// default: 5 retries, 20ms
	ConflictRetries int
	ConflictBackoff time.Duration // default: 20ms

	// ConsistentRead makes Get, Query and BatchGet strongly consistent in
	// the region that serves them (MRSC: current everywhere).
	// default: false
	ConsistentRead bool

	// ReadYourWrites makes a Get of a key this Table wrote within
	// PropagationWindow go to the region of that write, strongly
	// consistent, or to a replica that already holds it (see ryw.go).
	// default: false
	ReadYourWrites bool

	// PropagationWindow is how long after a write ReadYourWrites routes.
	// default: the capability table's typical propagation (1s for MREC)
	PropagationWindow time.Duration

	// RYWTrackedKeys bounds the keys ReadYourWrites remembers.
	// default: 10000
	RYWTrackedKeys int

	// AttemptTimeout bounds one attempt in one region; an attempt that
	// times out is a regional failure (outcome unknown for writes).
	// default: 0 (none: the caller's context and the HTTP client decide)
	AttemptTimeout time.Duration

	// Clock drives the hybrid logical clock stamped on items.
	// default: the multiregion.Client's clock
	Clock multiregion.Clock

	// NewClient builds the DynamoDB client of one region from the
	// multiregion.Client's per-region config. Built once per region in New.
	// default: dynamodb.NewFromConfig(cfg, ClientOptions...)
	NewClient func(region multiregion.Region, cfg aws.Config) API

	// ClientOptions apply to every default regional DynamoDB client, e.g.
	// func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }.
	// default: none
	ClientOptions []func(*dynamodb.Options)

	// NewStreamsClient builds the DynamoDB Streams client of one region.
	// default: dynamodbstreams.NewFromConfig(cfg, StreamsClientOptions...)
	NewStreamsClient func(region multiregion.Region, cfg aws.Config) StreamsAPI

	// StreamsClientOptions apply to every default Streams client.
	// default: none
	StreamsClientOptions []func(*dynamodbstreams.Options)

	// Hedge hedges Gets: when the nearest replica has not answered after
	// Hedge.After (or the percentile of recent Gets), the same Get goes to
	// the next-ranked replica and the first answer wins (see
	// multiregion.Hedge; CallOptions.Hedge turns it on or off per call).
	// Writes are never hedged.
	// default: nil (no hedging)
	Hedge *multiregion.Hedge

	// VersionCacheSize bounds the keys whose last seen version the Table
	// remembers (its Gets, BatchGets and writes), so that a write is
	// conditioned on it in one round trip (see versioned.go). About 100 bytes per key plus
	// 48 per lineage entry (Options.LineageDepth): 500 at the default. A
	// negative value turns the cache off: every write of an existing item
	// then costs two round trips.
	// default: 10000
	VersionCacheSize int

	// TopologyRefresh is how often the Table re-describes the table to
	// learn of replicas added (used once ACTIVE) or removed (dropped); a
	// ResourceNotFoundException triggers a refresh at once. Negative: never.
	// A static Replicas list is never refreshed. See topology.go.
	// default: 1m
	TopologyRefresh time.Duration

	// Logger receives each conflict surfaced (Info: versions and regions,
	// never keys or items), stream reader failures (Warn once per streak,
	// then Debug until a poll succeeds), detector gaps (Warn) and
	// failovers (Debug).
	// default: the multiregion.Client's Logger
	Logger *slog.Logger
}

func (o Options) copy() Options {
	o.Replicas = append([]multiregion.Region(nil), o.Replicas...)
	o.ClientOptions = slices.Clone(o.ClientOptions)
	o.StreamsClientOptions = slices.Clone(o.StreamsClientOptions)
	if o.Hedge != nil {
		h := *o.Hedge
		o.Hedge = &h
	}
	return o
}

// resolveOptions fills the zero fields; validate has run before.
func resolveOptions(o *Options, mr *multiregion.Client) {
	resolveTuning(o)
	resolveClients(o)
	if o.Clock == nil {
		o.Clock = mr.Options().Clock
	}
	if o.Logger == nil {
		o.Logger = mr.Options().Logger
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func resolveTuning(o *Options) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.ConflictBuffer, DefaultConflictBuffer)
	def(&o.DedupCapacity, DefaultDedupCapacity)
	def(&o.LineageDepth, DefaultLineageDepth)
	def(&o.VersionRetries, DefaultVersionRetries)
	def(&o.ConflictRetries, DefaultConflictRetries)
	def(&o.RYWTrackedKeys, DefaultRYWTrackedKeys)
	def(&o.VersionCacheSize, DefaultVersionCacheSize)
	if o.MetadataPrefix == "" {
		o.MetadataPrefix = DefaultMetadataPrefix
	}
	if o.StreamPollInterval == 0 {
		o.StreamPollInterval = DefaultStreamPollInterval
	}
	if o.ConflictBackoff == 0 {
		o.ConflictBackoff = DefaultConflictBackoff
	}
	if o.TopologyRefresh == 0 {
		o.TopologyRefresh = DefaultTopologyRefresh
	}
	c, _ := multiregion.Capability(multiregion.DynamoDBMREC)
	if o.PropagationWindow == 0 {
		o.PropagationWindow = c.TypicalPropagation
	}
	if o.ConflictSettle == 0 {
		o.ConflictSettle = c.TypicalPropagation
	}
}

func resolveClients(o *Options) {
	if o.NewClient == nil {
		fns := o.ClientOptions
		o.NewClient = func(_ multiregion.Region, cfg aws.Config) API { return dynamodb.NewFromConfig(cfg, fns...) }
	}
	if o.NewStreamsClient == nil {
		fns := o.StreamsClientOptions
		o.NewStreamsClient = func(_ multiregion.Region, cfg aws.Config) StreamsAPI {
			return dynamodbstreams.NewFromConfig(cfg, fns...)
		}
	}
}

// validate checks the fields that are set.
func (o *Options) validate() error {
	bad := func(field, reason string) error { return &OptionError{Field: field, Reason: reason} }
	if o.Hedge != nil {
		if err := o.Hedge.Validate(); err != nil {
			return err
		}
	}
	switch {
	case o.Consistency < ConsistencyAuto || o.Consistency > MRSC:
		return bad("Consistency", "unknown mode")
	case o.ConflictBuffer < 0, o.DedupCapacity < 0, o.LineageDepth < 0, o.VersionRetries < 0,
		o.ConflictRetries < 0, o.RYWTrackedKeys < 0:
		return bad("ConflictBuffer/DedupCapacity/LineageDepth/VersionRetries/ConflictRetries/RYWTrackedKeys", "must not be negative")
	case o.StreamPollInterval < 0, o.ConflictBackoff < 0, o.PropagationWindow < 0, o.AttemptTimeout < 0, o.ConflictSettle < 0, o.TombstoneTTL < 0:
		return bad("StreamPollInterval/ConflictBackoff/PropagationWindow/AttemptTimeout/ConflictSettle/TombstoneTTL", "must not be negative")
	case o.StreamStart != StreamStartLatest && o.StreamStart != StreamStartTrimHorizon:
		return bad("StreamStart", "unknown start position")
	case o.SortKey != "" && o.PartitionKey == "":
		return bad("SortKey", "set without PartitionKey")
	case o.Witness != "" && len(o.Replicas) == 0:
		return bad("Witness", "only with a static Replicas list")
	}
	return nil
}

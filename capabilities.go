package multiregion

import "time"

// StoreKind names a multi-region datastore family of the capability table.
type StoreKind int

// The store kinds of the capability table.
const (
	DynamoDBMREC      StoreKind = iota + 1 // DynamoDB global table, multi-Region eventual consistency
	DynamoDBMRSC                           // DynamoDB global table, multi-Region strong consistency
	AuroraGlobal                           // Aurora global database
	RDSReadReplica                         // RDS cross-Region read replica
	S3CRR                                  // S3 two-way cross-Region replication
	ElastiCacheGlobal                      // ElastiCache Global Datastore
	DocumentDBGlobal                       // DocumentDB global cluster
)

// StoreKinds lists every kind, in table order.
var StoreKinds = []StoreKind{DynamoDBMREC, DynamoDBMRSC, AuroraGlobal, RDSReadReplica, S3CRR, ElastiCacheGlobal, DocumentDBGlobal}

func (k StoreKind) String() string {
	if c, ok := capabilityTable[k]; ok {
		return c.Name
	}
	return "unknown store kind"
}

// FailoverKind says how a store's writer region changes.
type FailoverKind int

// Failover kinds.
const (
	FailoverNotNeeded         FailoverKind = iota + 1 // every region takes writes
	FailoverCustomerTriggered                         // an API call the customer makes; a global endpoint follows
	FailoverManual                                    // an API call; the application must follow the writer itself
)

// ConflictModel says what happens to concurrent writes in two regions.
type ConflictModel int

// Conflict models.
const (
	ConflictNone            ConflictModel = iota + 1 // writes happen in one region only
	ConflictLastWriterWins                           // per item, on an internal timestamp, silently
	ConflictError                                    // a typed, retry-safe error (MRSC ReplicatedWriteConflictException)
	ConflictAllVersionsKept                          // every version replicated; order may differ per region
)

// Capabilities is one column of the capability table (DESIGN.md, as AWS
// stands in 2026). Adapters take their rules from here only. Values are
// read-only: Capability returns a copy.
type Capabilities struct {
	Kind StoreKind
	Name string

	// MultiRegionWrites: every region accepts writes.
	MultiRegionWrites bool
	// WriteForwarding: secondaries can forward writes to the writer, with
	// these consistency levels.
	WriteForwarding            bool
	WriteForwardingConsistency []string

	Failover     FailoverKind
	FailoverAPIs []string

	// TypicalPropagation is the usual replication delay (0 with Synchronous).
	TypicalPropagation time.Duration
	Synchronous        bool
	// PropagationNote: SLAs and exceptions (S3 RTC, delete markers, ReplicaLag).
	PropagationNote string

	Conflicts ConflictModel
	// MultiRegionTransactions: a transaction is atomic across regions (never, today).
	MultiRegionTransactions bool
	// TransactionsRejected: the transaction APIs are refused outright (MRSC).
	TransactionsRejected bool
	TransactionNote      string

	// ReadsEverywhere: every region serves reads; ReadNote says how stale.
	ReadsEverywhere bool
	ReadNote        string

	// MaxRegions is the most regions, writer included; 0 = no cap.
	MaxRegions int
	// ExactRegions, when set, is the only allowed count (MRSC: 3).
	ExactRegions int
	// RegionSets, when set, are the groups all regions must come from (MRSC).
	RegionSets [][]Region
	// WitnessAllowed: one of the regions may be a witness (MRSC).
	WitnessAllowed bool
	// SingleWriter: exactly one region, the writer, takes writes.
	SingleWriter bool
	// ReadOnlyError is what a write to a read-only region returns.
	ReadOnlyError string
}

// mrscRegionSets are the region sets a DynamoDB MRSC global table must stay within.
var mrscRegionSets = [][]Region{
	{"us-east-1", "us-east-2", "us-west-2"},
	{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"},
	{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"},
}

var capabilityTable = map[StoreKind]Capabilities{
	DynamoDBMREC: {
		Kind: DynamoDBMREC, Name: "DynamoDB global table (MREC)",
		MultiRegionWrites: true, Failover: FailoverNotNeeded,
		TypicalPropagation: time.Second, PropagationNote: "usually under 1 s, no SLA",
		Conflicts:       ConflictLastWriterWins,
		TransactionNote: "atomic only in the region that ran them; not isolated from writes in other regions",
		ReadsEverywhere: true, ReadNote: "may be stale until replicated",
	},
	DynamoDBMRSC: {
		Kind: DynamoDBMRSC, Name: "DynamoDB global table (MRSC)",
		MultiRegionWrites: true, Failover: FailoverNotNeeded,
		Synchronous: true, PropagationNote: "synchronous",
		Conflicts: ConflictError, TransactionsRejected: true,
		TransactionNote: "transaction APIs are rejected on MRSC tables",
		ReadsEverywhere: true, ReadNote: "strongly consistent reads are current in every region",
		ExactRegions: 3, RegionSets: mrscRegionSets, WitnessAllowed: true,
	},
	AuroraGlobal: {
		Kind: AuroraGlobal, Name: "Aurora global database",
		WriteForwarding: true, WriteForwardingConsistency: []string{"EVENTUAL", "SESSION", "GLOBAL"},
		Failover: FailoverCustomerTriggered, FailoverAPIs: []string{"SwitchoverGlobalCluster", "FailoverGlobalCluster"},
		TypicalPropagation: time.Second, PropagationNote: "usually under 1 s",
		Conflicts: ConflictNone, ReadsEverywhere: true, ReadNote: "replica lag",
		MaxRegions: 11, SingleWriter: true,
		ReadOnlyError: "PostgreSQL SQLSTATE 25006; MySQL error 1290",
	},
	RDSReadReplica: {
		Kind: RDSReadReplica, Name: "RDS cross-Region read replica",
		Failover: FailoverManual, FailoverAPIs: []string{"PromoteReadReplica"},
		PropagationNote: "engine-dependent (ReplicaLag); promotion breaks replication",
		Conflicts:       ConflictNone, ReadsEverywhere: true, ReadNote: "replica lag",
		MaxRegions: 16, SingleWriter: true,
		ReadOnlyError: "the engine's read-only error",
	},
	S3CRR: {
		Kind: S3CRR, Name: "S3 two-way cross-Region replication",
		MultiRegionWrites: true, Failover: FailoverNotNeeded,
		TypicalPropagation: 15 * time.Second,
		PropagationNote:    "seconds; with RTC 99.99 % within 15 min; delete markers are not under RTC",
		Conflicts:          ConflictAllVersionsKept,
		ReadsEverywhere:    true, ReadNote: "404 until replicated",
	},
	ElastiCacheGlobal: {
		Kind: ElastiCacheGlobal, Name: "ElastiCache Global Datastore",
		Failover: FailoverManual, FailoverAPIs: []string{"FailoverGlobalReplicationGroup"},
		TypicalPropagation: time.Second, PropagationNote: "usually under 1 s",
		Conflicts: ConflictNone, ReadsEverywhere: true, ReadNote: "replica lag",
		MaxRegions: 3, SingleWriter: true,
		ReadOnlyError: "READONLY You can't write against a read only replica",
	},
	DocumentDBGlobal: {
		Kind: DocumentDBGlobal, Name: "DocumentDB global cluster",
		// No global writer endpoint follows a DocumentDB switchover: the
		// application must find the new primary itself.
		Failover: FailoverManual, FailoverAPIs: []string{"SwitchoverGlobalCluster", "FailoverGlobalCluster"},
		TypicalPropagation: time.Second, PropagationNote: "usually under 1 s",
		Conflicts: ConflictNone, ReadsEverywhere: true, ReadNote: "replica lag",
		// 1 + 5 secondaries; some AWS pages say 1 + 10: the stricter holds here.
		MaxRegions: 6, SingleWriter: true,
		ReadOnlyError: "server error: not writable",
	},
}

// Capability returns the capabilities of kind, and false for an unknown kind.
func Capability(kind StoreKind) (Capabilities, bool) {
	c, ok := capabilityTable[kind]
	if !ok {
		return Capabilities{}, false
	}
	c.WriteForwardingConsistency = append([]string(nil), c.WriteForwardingConsistency...)
	c.FailoverAPIs = append([]string(nil), c.FailoverAPIs...)
	sets := make([][]Region, len(c.RegionSets))
	for i, s := range c.RegionSets {
		sets[i] = append([]Region(nil), s...)
	}
	if len(sets) == 0 {
		sets = nil
	}
	c.RegionSets = sets
	return c, true
}

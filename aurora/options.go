package aurora

import (
	"log/slog"
	"time"

	"github.com/regionkit/multiregion"
)

// Kind is the shape of the deployment.
type Kind int

// Kinds. The zero Kind is AuroraGlobal.
const (
	// AuroraGlobal is an Aurora global database: one primary cluster and
	// up to ten secondary clusters (multiregion.AuroraGlobal).
	AuroraGlobal Kind = iota
	// RDSReplicas is an RDS DB instance with cross-Region read replicas
	// (multiregion.RDSReadReplica): up to 15 per source (5 for Oracle and
	// SQL Server, 3 for Db2).
	RDSReplicas
)

func (k Kind) storeKind() multiregion.StoreKind {
	if k == RDSReplicas {
		return multiregion.RDSReadReplica
	}
	return multiregion.AuroraGlobal
}

func (k Kind) String() string {
	switch k {
	case AuroraGlobal:
		return "Aurora global database"
	case RDSReplicas:
		return "RDS cross-Region read replicas"
	}
	return "Kind(?)"
}

// Engine is the database engine, which picks the database/sql driver.
type Engine int

// Engines. The zero Engine means: from the control plane (its Engine
// field), required with a static topology.
const (
	EngineFromControlPlane Engine = iota
	// PostgreSQL: Aurora PostgreSQL or RDS for PostgreSQL, through pgx's
	// database/sql driver (github.com/jackc/pgx/v5/stdlib).
	PostgreSQL
	// MySQL: Aurora MySQL, RDS for MySQL or MariaDB, through
	// github.com/go-sql-driver/mysql.
	MySQL
)

func (e Engine) String() string {
	switch e {
	case PostgreSQL:
		return "postgresql"
	case MySQL:
		return "mysql"
	case EngineFromControlPlane:
		return "from the control plane"
	}
	return "Engine(?)"
}

// Write-forwarding consistency modes (Options.ForwardingConsistency). What
// each costs, for a session in a secondary region:
//
//   - EVENTUAL: a forwarded write returns when the writer committed it; the
//     session's next read may not see it yet (replica lag). Cheapest.
//   - SESSION: every read of the session waits until the secondary has
//     replayed the session's own forwarded writes: one replication round
//     trip (typically under a second) on the first read after a write.
//   - GLOBAL: every read waits until the secondary has caught up with every
//     commit made anywhere up to the read's start: a replication round trip
//     on every read, the slowest.
//   - OFF (Aurora PostgreSQL only): forwarding disabled for the session.
const (
	ConsistencyEventual = "EVENTUAL"
	ConsistencySession  = "SESSION"
	ConsistencyGlobal   = "GLOBAL"
	ConsistencyOff      = "OFF"
)

// Session variables that carry the consistency mode, set on every new
// connection when forwarding is on.
const (
	pgForwardingVar    = "apg_write_forward.consistency_mode"
	mysqlForwardingVar = "aurora_replica_read_consistency"
)

// Member is one region of a static topology (Options.Members). A plain value.
type Member struct {
	Region multiregion.Region
	// Writer marks the region that takes writes. Exactly one member is the writer.
	Writer bool
	// DSN is the region's connection string in the engine's format
	// (PostgreSQL URL or key=value; MySQL "user:pass@tcp(host:port)/db").
	// It may carry a password: it is never logged nor put in an error.
	DSN string
}

// PoolOptions are a region's database/sql pool settings. Zero fields keep
// database/sql's defaults. A plain value.
type PoolOptions struct {
	MaxOpenConns int // default: 0 (unlimited)
	MaxIdleConns int // default: 0 (database/sql's 2)
	// ConnMaxLifetime also bounds how long a connection may keep pointing
	// at an old writer whose DNS name moved. default: 0 (no limit)
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration // default: 0 (no limit)
}

// Options configures a Cluster. The zero value of every field is its
// default; New copies Options (Members and RegionPools too). A plain value,
// not synchronized.
type Options struct {
	// Kind is the deployment's shape.
	// default: AuroraGlobal
	Kind Kind

	// Engine picks the driver. With the control plane it may stay unset
	// ("aurora-postgresql", "postgres" → PostgreSQL; "aurora-mysql",
	// "mysql", "mariadb" → MySQL); other engines are an error.
	// default: from the control plane; required with Members
	Engine Engine

	// GlobalClusterID names the Aurora global database to describe
	// (DescribeGlobalClusters, then DescribeDBClusters in each member's
	// region, through the Client's per-region aws.Config). Kind AuroraGlobal.
	// default: ""
	GlobalClusterID string

	// SourceDBInstanceID names the RDS source instance (identifier or ARN)
	// whose cross-Region read replicas to describe (DescribeDBInstances).
	// Kind RDSReplicas.
	// default: ""
	SourceDBInstanceID string

	// Members is a static topology: the writer region and a DSN per region.
	// Switchover, Failover and Promote then return ErrStaticTopology. Set
	// either Members or a control-plane ID, not both.
	// default: nil
	Members []Member

	// DSN is the connection template for a control-plane topology:
	// user, password, database and parameters; its host and port are
	// replaced by each member's endpoint. Never logged nor put in an error.
	// default: "" (PostgreSQL: user postgres; MySQL: user root, no password)
	DSN string

	// IAMAuth replaces the password with an RDS IAM auth token
	// (feature/rds/auth BuildAuthToken) built for every new connection from
	// the Client's credentials in the member's region, so that tokens (valid
	// 15 minutes) are always fresh. The DSN's user is the database user;
	// enable TLS in the DSN, as RDS requires it for IAM auth.
	// default: false
	IAMAuth bool

	// Pool applies to every region's pool; RegionPools overrides it per region.
	// default: database/sql's defaults
	Pool PoolOptions
	// RegionPools overrides Pool for some regions.
	// default: nil
	RegionPools map[multiregion.Region]PoolOptions

	// WriteForwarding lets a handle in a secondary region write through
	// Aurora write forwarding (In(secondary).ExecContext). Aurora only: an
	// RDSReplicas Cluster with it is an error. It needs forwarding enabled
	// on the secondary clusters (Aurora PostgreSQL 14.9+, 15.4+ or 16.x).
	// default: false
	WriteForwarding bool

	// ForwardingConsistency is the session consistency mode set on every
	// connection the adapter opens when WriteForwarding is on (see the
	// Consistency constants for what each costs): EVENTUAL, SESSION, GLOBAL,
	// or OFF on Aurora PostgreSQL.
	// default: SESSION
	ForwardingConsistency string

	// MaxLag is the most replication lag a replica may have and still serve
	// reads. Lag is measured in the background every LagInterval. Must not
	// be negative; needs LagInterval not negative.
	// default: 0 (no bound)
	MaxLag time.Duration

	// LagInterval is the time between two background rounds that measure
	// each replica's lag and ask each server whether it is a writer
	// (pg_is_in_recovery(), @@read_only, @@innodb_read_only): one small
	// query per region and round, on that region's pool (so each region's
	// pool keeps a connection open). Negative: no rounds, no lag (MaxLag
	// must then be 0), no stale-DNS check, and no connection before the
	// first call.
	// default: 1s
	LagInterval time.Duration

	// RefreshInterval is the time between two loads of the topology.
	// Negative: only on demand. Otherwise at least 1s.
	// default: 30s
	RefreshInterval time.Duration

	// ReadYourWrites: for ReadYourWritesWindow after a write through this
	// Cluster, routed reads go to the writer, or to a PostgreSQL standby
	// whose replayed WAL position (pg_last_wal_replay_lsn) has passed the
	// writer's position (pg_current_wal_lsn) sampled after the write.
	// default: false
	ReadYourWrites bool

	// ReadYourWritesWindow bounds how long reads after a write avoid
	// replicas that have not caught up.
	// default: 5s
	ReadYourWritesWindow time.Duration

	// Name names the store on the Client ("aurora:"+Name) and in errors
	// and logs. Never put a secret in it.
	// default: the control-plane ID, or "static"
	Name string

	// Logger receives topology changes, pool rebuilds and refresh failures.
	// DSNs and passwords are never logged.
	// default: the multiregion.Client's Logger
	Logger *slog.Logger

	// API is the control-plane client factory, for tests.
	// default: rds.NewFromConfig(mr.Config(region))
	API func(r multiregion.Region) ControlPlaneAPI
}

// Defaults.
const (
	DefaultLagInterval          = time.Second
	DefaultReadYourWritesWindow = 5 * time.Second
)

// Region limits. Aurora: 1 primary + 10 secondary clusters. RDS: read
// replicas per source instance.
const (
	MaxAuroraSecondaries     = 10
	MaxRDSReplicas           = 15
	MaxRDSReplicasOracleMSSQ = 5 // Oracle and SQL Server
	MaxRDSReplicasDb2        = 3
)

// Package aurora routes database/sql traffic of an Aurora global database,
// or of an RDS instance with cross-Region read replicas, on a
// multiregion.Client: writes to the writer region, reads to the nearest
// healthy region whose replication lag is within MaxLag, each region
// through its own *sql.DB (PostgreSQL through pgx's database/sql driver,
// MySQL and MariaDB through github.com/go-sql-driver/mysql).
//
// # Quick start
//
//	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
//		o.GlobalClusterID = "orders"                   // DescribeGlobalClusters + DescribeDBClusters
//		o.DSN = "postgres://app@placeholder/orders?sslmode=verify-full"
//		o.IAMAuth = true                               // a fresh RDS auth token per connection
//		o.MaxLag = 2 * time.Second
//	})
//	if err != nil { ... }
//	defer c.Close()
//
//	_, err = c.ExecContext(ctx, "insert into orders (id) values ($1)", id) // the writer
//	row := c.QueryRowContext(ctx, "select total from orders where id = $1", id) // nearest
//	err = row.Scan(&total)
//
//	db, region, err := c.Reader(ctx) // a *sql.DB of your own for a unit of work
//	_, err = c.In("eu-west-1").ExecContext(ctx, ...) // *multiregion.WriteRegionError, no I/O
//
// A static topology replaces the control plane: Options.Members lists a
// DSN per region and marks the writer.
//
// # Following the writer
//
// The topology is reloaded every RefreshInterval and at once when a write
// is refused as read-only (PostgreSQL SQLSTATE 25006, MySQL/MariaDB 1290
// "--read-only", Aurora's "Internal write forwarding error") or fails in
// the writer region; a refused write was not applied and runs once more
// on the new writer (internal/singlewriter). A statement whose outcome is
// unknown is never retried; its error matches multiregion.ErrOutcomeUnknown.
//
// Beside the control plane, a background round (every LagInterval, and at
// once after a refused write) asks each server what it is:
// pg_is_in_recovery() or @@read_only/@@innodb_read_only. A writer region
// whose server is read-only while the control plane still names it the
// writer has a pool that reaches the old writer through stale DNS: the pool
// is rebuilt. A replica whose server takes writes (a promotion) triggers a
// reload.
//
// # Replica lag
//
// The same round measures lag, never per call: aurora_global_db_status()
// on an Aurora PostgreSQL writer; now() - pg_last_xact_replay_timestamp()
// on a PostgreSQL standby, 0 when it has replayed all it received (an idle
// writer); Seconds_Behind_Source / Seconds_Behind_Master on MySQL and
// MariaDB. A replica over MaxLag is skipped; the writer always serves.
//
// # Read-your-writes
//
// Options.ReadYourWrites: for ReadYourWritesWindow after a write through
// this Cluster, a read goes to the writer or to a PostgreSQL standby whose
// pg_last_wal_replay_lsn() has passed a pg_current_wal_lsn() the
// background round read on the writer after the write ended. This costs no
// round trip per write (the positions come from the lag round), at the
// price of reading from the writer for up to about one LagInterval after
// each write. MySQL has no such position here: reads within the window go
// to the writer.
//
// # Write forwarding
//
// Aurora only. With Options.WriteForwarding, In(secondary).ExecContext
// runs in the secondary region and Aurora forwards it to the writer; every
// connection the adapter opens there sets the session's consistency mode
// (apg_write_forward.consistency_mode on Aurora PostgreSQL,
// aurora_replica_read_consistency on Aurora MySQL). See the Consistency
// constants for what each mode costs.
//
// # Concurrency
//
// Cluster and its handles (In, WithRead) are safe for concurrent use.
// Row is for one goroutine. Options, Member, PoolOptions and MoveOptions
// are plain values; errors are plain values.
package aurora

package aurora

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// serverState is what one server said about itself in a round.
type serverState struct {
	ok       bool // the server answered
	writable bool // not in recovery, not read-only
	lag      time.Duration
	lagKnown bool
	lsn      uint64 // PostgreSQL: current (writer) or replayed (standby) WAL position
	lsnAt    int64  // unix ns before the query
}

// pgState asks a PostgreSQL server, in one round trip, whether it is a
// standby, its WAL position and its lag: now() minus the last replayed
// commit's time, and 0 when it has replayed everything it received (an
// idle writer commits nothing, which would look like growing lag).
const pgState = `select pg_is_in_recovery(),
 coalesce((case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end)::text, ''),
 case when not pg_is_in_recovery() then 0
      when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
      else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp())::float8, -1) end`

// pgGlobalStatus is Aurora PostgreSQL's view of every region's lag, asked
// on the writer where the function exists.
const pgGlobalStatus = `select aws_region, coalesce(rpo_lag_in_msec, 0) from aurora_global_db_status() where aws_region <> ''`

// checkTimeout bounds one server's answer in a round.
const checkTimeout = 2 * time.Second

// lagLoop runs a round every LagInterval, and at once when a write was
// refused as read-only (checkNow), until the Cluster closes.
func (c *cluster) lagLoop(ctx context.Context) {
	defer c.wg.Done()
	singlewriter.RunEvery(ctx, c.mr.Done(), c.opts.LagInterval, c.wake, c.round)
}

// checkNow asks the lag loop for a round now (non-blocking).
func (c *cluster) checkNow() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// round asks every member's server for its role and lag, fixes what
// disagrees with the topology, and refreshes when a replica crossed MaxLag.
func (c *cluster) round(ctx context.Context) {
	if c.kit.Err() != nil {
		return
	}
	topo := c.kit.Topology()
	states := make([]serverState, len(topo.Members))
	var wg sync.WaitGroup
	for i, m := range topo.Members {
		wg.Go(func() { states[i] = c.ask(ctx, m) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	var global map[multiregion.Region]time.Duration
	if c.engine == PostgreSQL && !c.noGlobal.Load() {
		global = c.globalStatus(ctx, topo.Writer)
	}
	refresh, now := false, time.Now()
	for i, m := range topo.Members {
		s := states[i]
		if !s.ok {
			c.lag.Forget(m.Region)
			refresh = refresh || (m.Role != singlewriter.RoleWriter && m.LagKnown && c.opts.MaxLag > 0)
			continue
		}
		if m.Role == singlewriter.RoleWriter {
			if !s.writable {
				c.writerIsReadOnly(ctx, m.Region)
				return
			}
			if s.lsn != 0 {
				c.lag.writerLSN(s.lsnAt, s.lsn)
			}
			continue
		}
		if s.writable {
			// A promoted replica: the control plane should show it soon.
			c.opts.Logger.Info("aurora: a replica's server takes writes; reloading the topology", "store", c.name, "region", string(m.Region))
			refresh = true
			continue
		}
		if d, ok := global[m.Region]; ok {
			s.lag, s.lagKnown = d, true
		}
		if s.lagKnown {
			c.lag.Set(m.Region, s.lag, now)
		} else {
			c.lag.Forget(m.Region)
		}
		if s.lsn != 0 {
			c.lag.replicaLSN(m.Region, s.lsn)
		}
		if c.opts.MaxLag > 0 && (m.LagKnown != s.lagKnown || (m.Lag > c.opts.MaxLag) != (s.lag > c.opts.MaxLag)) {
			refresh = true
		}
	}
	if refresh {
		_ = c.kit.Refresh(ctx)
	}
}

// writerIsReadOnly handles a writer region whose server refuses writes:
// the topology is reloaded, and if the control plane still names this
// region the writer, its pool reaches the wrong server (DNS that still
// points at the old writer): the pool is rebuilt, so that new connections
// resolve the name again.
func (c *cluster) writerIsReadOnly(ctx context.Context, r multiregion.Region) {
	_ = c.kit.Refresh(ctx)
	if c.kit.Topology().Writer != r {
		c.opts.Logger.Info("aurora: the writer moved", "store", c.name, "from", string(r), "to", string(c.kit.Topology().Writer))
		return
	}
	p, err := c.kit.Client(ctx, r)
	if err == nil && p.rebuild(singlewriter.DefaultRetireDelay) {
		c.opts.Logger.Info("aurora: the writer's pool reached a read-only server; rebuilt it", "store", c.name, "region", string(r))
	}
}

// ask queries one member's server.
func (c *cluster) ask(ctx context.Context, m singlewriter.Member) serverState {
	p, err := c.kit.Client(ctx, m.Region)
	if err != nil {
		return serverState{}
	}
	qctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if c.engine == PostgreSQL {
		return askPG(qctx, p.DB())
	}
	return askMySQL(qctx, p.DB(), m.Role == singlewriter.RoleWriter)
}

func askPG(ctx context.Context, db *sql.DB) serverState {
	s := serverState{lsnAt: time.Now().UnixNano()}
	var (
		rec  bool
		lsn  string
		secs float64
	)
	if err := db.QueryRowContext(ctx, pgState).Scan(&rec, &lsn, &secs); err != nil {
		return serverState{}
	}
	s.ok, s.writable = true, !rec
	if secs >= 0 {
		s.lag, s.lagKnown = time.Duration(secs*float64(time.Second)), true
	}
	s.lsn, _ = parseLSN(lsn)
	return s
}

// globalStatus reads aurora_global_db_status() on the writer; a server
// without the function (plain PostgreSQL) is not asked again.
func (c *cluster) globalStatus(ctx context.Context, writer multiregion.Region) map[multiregion.Region]time.Duration {
	p, err := c.kit.Client(ctx, writer)
	if err != nil {
		return nil
	}
	qctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	rows, err := p.DB().QueryContext(qctx, pgGlobalStatus)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42883" { // undefined_function
			c.noGlobal.Store(true)
		}
		return nil
	}
	defer rows.Close()
	out := map[multiregion.Region]time.Duration{}
	for rows.Next() {
		var (
			region string
			ms     int64
		)
		if rows.Scan(&region, &ms) == nil {
			out[multiregion.Region(region)] = time.Duration(ms) * time.Millisecond
		}
	}
	return out
}

// askMySQL reads @@read_only and @@innodb_read_only (an Aurora MySQL
// reader has the latter) and, on a replica, SHOW REPLICA STATUS (MySQL
// 8.0.22+, MariaDB 10.5.1+; SHOW SLAVE STATUS before), whose
// Seconds_Behind_Source (Seconds_Behind_Master on MariaDB and older MySQL)
// is the lag; NULL (replication stopped) leaves it unknown.
func askMySQL(ctx context.Context, db *sql.DB, writer bool) serverState {
	var ro, innoRO bool
	if err := db.QueryRowContext(ctx, "select @@global.read_only <> 0, @@global.innodb_read_only <> 0").Scan(&ro, &innoRO); err != nil {
		return serverState{}
	}
	s := serverState{ok: true, writable: !ro && !innoRO}
	if writer && s.writable {
		return s
	}
	rows, err := db.QueryContext(ctx, "SHOW REPLICA STATUS")
	if err != nil {
		if rows, err = db.QueryContext(ctx, "SHOW SLAVE STATUS"); err != nil {
			return s
		}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || !rows.Next() {
		return s
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if rows.Scan(ptrs...) != nil {
		return s
	}
	for i, col := range cols {
		if col == "Seconds_Behind_Source" || col == "Seconds_Behind_Master" {
			if n, err := strconv.ParseInt(string(vals[i]), 10, 64); err == nil && vals[i] != nil {
				s.lag, s.lagKnown = time.Duration(n)*time.Second, true
			}
		}
	}
	return s
}

package aurora

import (
	"context"
	"database/sql"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Writer returns the writer region's pool, for a unit of work the caller
// runs itself. Hold it for that unit only: after a switchover the next
// call returns the new writer's pool, and the old one is closed after the
// kit's retire delay (30 s). On a handle from In whose region is not the
// writer it is a *multiregion.WriteRegionError with no network traffic
// (with WriteForwarding: that region's pool, which forwards writes).
func (c *Cluster) Writer(ctx context.Context) (*sql.DB, error) {
	const op = "aurora.Writer"
	if ctx == nil {
		return nil, &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	r := c.kit.Topology().Writer
	if c.pin != "" && c.pin != r {
		if !c.opts.WriteForwarding {
			return nil, c.kit.CheckWrite(op, c.pin)
		}
		r = c.pin
	}
	p, err := c.kit.Client(ctx, r)
	if err != nil {
		return nil, err
	}
	return p.DB(), nil
}

// Reader returns the pool of the nearest healthy region whose measured lag
// is within MaxLag (the writer counts as a reader) and its region; on a
// handle from In, that region's pool. With ReadYourWrites, after a write
// through this Cluster, replicas that have not replayed it are passed over.
func (c *Cluster) Reader(ctx context.Context) (*sql.DB, multiregion.Region, error) {
	if ctx == nil {
		return nil, "", &InputError{Op: "aurora.Reader", Arg: "ctx", Reason: "nil context"}
	}
	r, p, err := c.rt.PickRead(ctx, "aurora.Reader", c.pin, c.readOpts())
	if err != nil {
		return nil, "", err
	}
	return p.DB(), r, nil
}

// QueryContext runs query on the nearest healthy reader within MaxLag (on
// a handle from In, in its region), failing over to the next one when a
// region fails before answering. The caller closes the rows.
func (c *Cluster) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if ctx == nil {
		return nil, &InputError{Op: "aurora.QueryContext", Arg: "ctx", Reason: "nil context"}
	}
	var rows *sql.Rows
	caller := ctx
	_, err := c.rt.ReadWith(ctx, "aurora.QueryContext", c.pin, c.readOpts(), func(_ context.Context, _ multiregion.Region, p *pool) error {
		var err error
		// The rows outlive the attempt: they end with the caller's
		// context, as with (*sql.DB).QueryContext.
		rows, err = p.DB().QueryContext(caller, query, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Row is the result of QueryRowContext, as *sql.Row is for *sql.DB. A
// plain value for one goroutine.
type Row struct {
	rows *sql.Rows
	err  error
}

// Err returns the error of the query, if any, as Scan would.
func (r *Row) Err() error { return r.err }

// Scan copies the row's columns into dest; sql.ErrNoRows when there is no row.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

// QueryRowContext is QueryContext for one row; its errors come with Scan.
func (c *Cluster) QueryRowContext(ctx context.Context, query string, args ...any) *Row {
	rows, err := c.QueryContext(ctx, query, args...)
	return &Row{rows: rows, err: err}
}

// ExecContext runs a statement on the writer. On a handle from In whose
// region is not the writer it is a *multiregion.WriteRegionError before any
// network traffic, unless WriteForwarding is on (then Aurora forwards it
// from that region). A statement the server refused as read-only (25006,
// 1290, a write forwarding error) was not applied: the topology is
// reloaded and, when the writer moved, the statement runs once more on the
// new writer. A statement whose outcome is unknown (the connection was
// lost after sending) is never retried: its error matches
// multiregion.ErrOutcomeUnknown and says the outcome is unknown.
func (c *Cluster) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	const op = "aurora.ExecContext"
	if ctx == nil {
		return nil, &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	var res sql.Result
	fn := func(ctx context.Context, _ multiregion.Region, p *pool) error {
		var err error
		res, err = p.DB().ExecContext(ctx, query, args...)
		return err
	}
	if err := c.write(ctx, op, route.Write, fn); err != nil {
		return nil, err
	}
	return res, nil
}

// BeginTx starts a transaction on the writer (see ExecContext for the
// rules of In handles). Starting one has no effect on the data, so a
// start refused as read-only or failed for a regional reason is retried on
// the new writer; what runs inside the transaction is the caller's.
func (c *Cluster) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	const op = "aurora.BeginTx"
	if ctx == nil {
		return nil, &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	var tx *sql.Tx
	caller := ctx
	fn := func(_ context.Context, _ multiregion.Region, p *pool) error {
		var err error
		// The transaction outlives the attempt: it ends with the caller's
		// context, as with (*sql.DB).BeginTx, not the attempt's.
		tx, err = p.DB().BeginTx(caller, opts)
		return err
	}
	if err := c.write(ctx, op, route.IdempotentWrite, fn); err != nil {
		return nil, err
	}
	return tx, nil
}

// write routes fn to the writer, or forwards it from the pinned region.
func (c *Cluster) write(ctx context.Context, op string, kind route.Kind, fn singlewriter.AttemptFunc[*pool]) error {
	if c.pin != "" && c.opts.WriteForwarding && !c.kit.Topology().IsWriter(c.pin) {
		return c.forward(ctx, op, kind, fn)
	}
	_, err := c.rt.Write(ctx, op, kind, c.pin, fn)
	if err == nil {
		c.wrote()
	} else if isWriterMoved(err) {
		c.checkNow() // refused where the topology says the writer is: ask the servers
	}
	return err
}

// forward runs a write in the pinned secondary region, which Aurora
// forwards to the writer. It is not retried: a forwarding error reloads
// the topology for the next call.
func (c *Cluster) forward(ctx context.Context, op string, kind route.Kind, fn singlewriter.AttemptFunc[*pool]) error {
	p, err := c.kit.Client(ctx, c.pin)
	if err != nil {
		return err
	}
	err = fn(ctx, c.pin, p)
	if err == nil {
		c.wrote()
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch classify(ctx, err) {
	case route.Caller:
		return err
	case route.WriterMoved:
		c.checkNow() // the lag loop reloads the topology at once
		return &multiregion.RegionError{Region: c.pin, Op: op, Err: err}
	case route.Unknown:
		return &multiregion.RegionError{Region: c.pin, Op: op, Err: err, OutcomeUnknown: kind == route.Write}
	}
	return &multiregion.RegionError{Region: c.pin, Op: op, Err: err}
}

// wrote records a write for ReadYourWrites.
func (c *cluster) wrote() {
	if c.opts.ReadYourWrites {
		c.ryw.Store(time.Now().UnixNano())
	}
}

// readOpts is the handle's read options, with the replicas that have not
// caught up with this Cluster's last write excluded (ReadYourWrites).
func (c *Cluster) readOpts() multiregion.ResolvedRead {
	ro := c.ro
	last := c.ryw.Load()
	if last == 0 || time.Since(time.Unix(0, last)) > c.opts.ReadYourWritesWindow {
		return ro
	}
	topo := c.kit.Topology()
	for _, m := range topo.Members {
		if m.Role == singlewriter.RoleWriter || c.lag.caughtUp(m.Region, last) {
			continue
		}
		if i, err := c.mr.Index(m.Region); err == nil {
			ro.Exclude |= 1 << i
		}
	}
	return ro
}

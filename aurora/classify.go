package aurora

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Server errors the classifier knows.
const (
	pgReadOnlyTransaction = "25006" // read_only_sql_transaction: a hot standby or a demoted writer
	pgTooManyConnections  = "53300"
	pgCannotConnectNow    = "57P03" // starting up, shutting down, in recovery
	pgAdminShutdown       = "57P01"
	pgCrashShutdown       = "57P02"

	myReadOnly            = 1290 // ER_OPTION_PREVENTS_STATEMENT: --read-only / --super-read-only
	myReadOnlyMode        = 1836 // ER_READ_ONLY_MODE
	myCantExecReadOnlyTrx = 1792 // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
	myTooManyConnections  = 1040
	myServerShutdown      = 1053
	myQueryInterrupted    = 1317

	// forwardingError is Aurora's message when a forwarded write cannot
	// reach the writer (both engines).
	forwardingError = "Internal write forwarding error"
)

// classifier sorts the drivers' errors into the call loop's classes.
var classifier = route.ClassifierFunc(classify)

func classify(_ context.Context, err error) route.Class {
	if isWriterMoved(err) {
		return route.WriterMoved
	}
	var (
		pe *pgconn.PgError
		me *mysql.MySQLError
		ce *pgconn.ConnectError
		re *multiregion.RegionError
		ne net.Error
		oe *net.OpError
	)
	switch {
	case errors.As(err, &re):
		return route.NotApplied // the kit could not open the region's pool
	case errors.As(err, &ce), errors.Is(err, driver.ErrBadConn):
		return route.NotApplied // no connection: nothing was sent
	case errors.As(err, &pe):
		return classifyPG(pe)
	case errors.As(err, &me):
		return classifyMySQL(me)
	case errors.As(err, &oe) && oe.Op == "dial":
		return route.NotApplied
	case pgconn.SafeToRetry(err):
		return route.NotApplied
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
		return route.Unknown // the connection was lost after sending
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, sql.ErrTxDone), strings.HasPrefix(err.Error(), "sql: "):
		return route.Caller // database/sql's own checks: arguments, scans, a finished tx
	}
	return route.Unknown
}

func classifyPG(pe *pgconn.PgError) route.Class {
	switch pe.Code {
	case pgTooManyConnections:
		return route.Throttled
	case pgCannotConnectNow:
		return route.NotApplied
	case pgAdminShutdown, pgCrashShutdown:
		return route.Unknown
	}
	if strings.HasPrefix(pe.Code, "08") { // connection exception
		return route.Unknown
	}
	return route.Caller // the server answered and refused the statement itself
}

func classifyMySQL(me *mysql.MySQLError) route.Class {
	switch me.Number {
	case myTooManyConnections:
		return route.Throttled
	case myServerShutdown, myQueryInterrupted:
		return route.Unknown
	}
	return route.Caller
}

// isWriterMoved reports a write the server refused because it is not the
// writer (nothing was applied): PostgreSQL SQLSTATE 25006, MySQL/MariaDB
// 1290 (--read-only), 1836 and 1792, and Aurora's write forwarding error.
func isWriterMoved(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgReadOnlyTransaction || strings.Contains(pe.Message, forwardingError)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case myReadOnly: // also --skip-grant-tables, --secure-file-priv: only --read-only moved
			return strings.Contains(me.Message, "read-only") || strings.Contains(me.Message, "read_only")
		case myReadOnlyMode, myCantExecReadOnlyTrx:
			return true
		}
		return strings.Contains(me.Message, forwardingError)
	}
	return false
}

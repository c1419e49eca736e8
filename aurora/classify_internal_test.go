package aurora

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regionkit/multiregion/internal/route"
)

// TestClassify sorts the drivers' real error values: read-only refusals
// move the writer, connection failures before sending are not applied,
// lost connections are outcome unknown, the server's own refusals are the
// caller's. The pgconn connect error comes from a real dial to a closed port.
func TestClassify(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, connErr := pgconn.Connect(ctx, "postgres://u@"+addr+"/db?connect_timeout=1")
	if connErr == nil {
		t.Fatal("connect to a closed port succeeded")
	}
	_, dialErr := net.Dial("tcp", addr)
	cases := []struct {
		name string
		err  error
		want route.Class
	}{
		{"pg 25006", &pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, route.WriterMoved},
		{"pg forwarding", &pgconn.PgError{Code: "XX000", Message: "Internal write forwarding error"}, route.WriterMoved},
		{"pg unique violation", &pgconn.PgError{Code: "23505"}, route.Caller},
		{"pg too many connections", &pgconn.PgError{Code: "53300"}, route.Throttled},
		{"pg starting up", &pgconn.PgError{Code: "57P03"}, route.NotApplied},
		{"pg admin shutdown", &pgconn.PgError{Code: "57P01"}, route.Unknown},
		{"pg connection exception", &pgconn.PgError{Code: "08006"}, route.Unknown},
		{"pg connect error", connErr, route.NotApplied},
		{"mysql 1290 read-only", &mysql.MySQLError{Number: 1290, Message: "The MariaDB server is running with the --read-only option so it cannot execute this statement"}, route.WriterMoved},
		{"mysql 1290 secure-file-priv", &mysql.MySQLError{Number: 1290, Message: "The MySQL server is running with the --secure-file-priv option so it cannot execute this statement"}, route.Caller},
		{"mysql 1836", &mysql.MySQLError{Number: 1836, Message: "Running in read-only mode"}, route.WriterMoved},
		{"mysql forwarding", &mysql.MySQLError{Number: 1105, Message: "Internal write forwarding error"}, route.WriterMoved},
		{"mysql duplicate", &mysql.MySQLError{Number: 1062}, route.Caller},
		{"mysql too many connections", &mysql.MySQLError{Number: 1040}, route.Throttled},
		{"mysql invalid conn", mysql.ErrInvalidConn, route.Unknown},
		{"dial refused", dialErr, route.NotApplied},
		{"bad conn", fmt.Errorf("x: %w", driver.ErrBadConn), route.NotApplied},
		{"unexpected EOF", io.ErrUnexpectedEOF, route.Unknown},
		{"no rows", sql.ErrNoRows, route.Caller},
		{"sql argument", fmt.Errorf("sql: converting argument $1 type: unsupported type"), route.Caller},
	}
	for _, tc := range cases {
		if got := classify(ctx, tc.err); got != tc.want {
			t.Errorf("%s: classify(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16<<32 | 0xB374D848, "0/3000060": 0x3000060} {
		if got, ok := parseLSN(in); !ok || got != want {
			t.Errorf("parseLSN(%q) = %x, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "x", "1/zz"} {
		if _, ok := parseLSN(in); ok {
			t.Errorf("parseLSN(%q) ok", in)
		}
	}
}

// TestLagTrackerCaughtUp: a replica holds a write once its replayed
// position passed a writer position sampled after the write ended.
func TestLagTrackerCaughtUp(t *testing.T) {
	lt := newLagTracker(time.Second)
	lt.writerLSN(100, 10)
	lt.writerLSN(200, 20)
	lt.replicaLSN("r", 15)
	if !lt.caughtUp("r", 99) || lt.caughtUp("r", 150) {
		t.Fatal("a replica at 15 holds writes ended before 100 only")
	}
	lt.replicaLSN("r", 20)
	if !lt.caughtUp("r", 150) {
		t.Fatal("a replica at 20 holds writes ended before 200")
	}
	lt.writerLSN(300, 5) // a new writer: positions restart
	if lt.caughtUp("r", 150) {
		t.Fatal("positions of an old writer kept")
	}
}

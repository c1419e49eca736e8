package aurora_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/testutil"
)

func pgDSN(addr string) string {
	return fmt.Sprintf("postgres://app:%s@%s/app?sslmode=disable&connect_timeout=1", password, addr)
}

// staticOptions is a static PostgreSQL topology, writer us-east-1, on addrs.
func staticOptions(addrs map[multiregion.Region]string) func(*aurora.Options) {
	return func(o *aurora.Options) {
		o.Engine = aurora.PostgreSQL
		o.LagInterval, o.RefreshInterval = -1, -1
		for _, r := range labRegions {
			o.Members = append(o.Members, aurora.Member{Region: r, Writer: r == use1, DSN: pgDSN(addrs[r])})
		}
	}
}

// TestInWriteRefusedBeforeNetwork: a write on a handle of a replica region
// is a *multiregion.WriteRegionError, and no server was dialed (each
// region's endpoint counts its connections).
func TestInWriteRefusedBeforeNetwork(t *testing.T) {
	_, mr := newClient(t, false)
	ls := map[multiregion.Region]*countingListener{}
	addrs := map[multiregion.Region]string{}
	for _, r := range labRegions {
		ls[r] = listen(t)
		addrs[r] = ls[r].addr()
	}
	c, err := aurora.New(testCtx(t), mr, staticOptions(addrs))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)

	_, err = c.In(usw2).ExecContext(ctx, "insert into t values (1)")
	var wre *multiregion.WriteRegionError
	require.ErrorAs(t, err, &wre)
	assert.True(t, errors.Is(err, multiregion.ErrWriteRegion))
	assert.Equal(t, usw2, wre.Region)
	assert.Equal(t, use1, wre.Writer)
	_, err = c.In(euw1).BeginTx(ctx, nil)
	require.ErrorAs(t, err, &wre)
	_, err = c.In(euw1).Writer(ctx)
	require.ErrorAs(t, err, &wre)
	testutil.Record(err.Error())
	for _, r := range labRegions {
		assert.Zero(t, ls[r].count.Load(), "connections to %s", r)
	}
	assert.Equal(t, use1, c.WriterRegion())
	assert.Equal(t, labRegions, c.Regions())
}

// TestBadInput: each bad input is a typed error before any connection, and
// no error text carries the DSN's password.
func TestBadInput(t *testing.T) {
	_, mr := newClient(t, false)
	addr := closedPort(t)
	members := func(writer bool) []aurora.Member {
		return []aurora.Member{{Region: use1, Writer: writer, DSN: pgDSN(addr)}, {Region: usw2, DSN: pgDSN(addr)}}
	}
	tooMany := make([]aurora.Member, 12)
	for i := range tooMany {
		tooMany[i] = aurora.Member{Region: multiregion.Region(fmt.Sprintf("xx-test-%d", i+1)), Writer: i == 0, DSN: pgDSN(addr)}
	}
	var (
		oe *multiregion.OptionError
		ce *multiregion.CapabilityError
	)
	cases := []struct {
		name string
		fn   func(*aurora.Options)
		as   any
		is   error
	}{
		{"no writer", func(o *aurora.Options) { o.Engine, o.Members = aurora.PostgreSQL, members(false) }, &ce, multiregion.ErrWriterRequired},
		{"more regions than allowed", func(o *aurora.Options) { o.Engine, o.Members = aurora.PostgreSQL, tooMany }, &ce, multiregion.ErrTooManyRegions},
		{"write forwarding on RDS", func(o *aurora.Options) {
			o.Kind, o.Engine, o.Members, o.WriteForwarding = aurora.RDSReplicas, aurora.PostgreSQL, members(true), true
		}, &ce, multiregion.ErrInvalidStore},
		{"unknown driver", func(o *aurora.Options) { o.Engine, o.Members = aurora.Engine(9), members(true) }, &oe, nil},
		{"empty DSN", func(o *aurora.Options) {
			o.Engine, o.Members = aurora.PostgreSQL, []aurora.Member{{Region: use1, Writer: true}}
		}, &oe, nil},
		{"DSN that does not parse", func(o *aurora.Options) {
			o.Engine, o.Members = aurora.MySQL, []aurora.Member{{Region: use1, Writer: true, DSN: "app:" + password + "@tcp(nope"}}
		}, &oe, nil},
		{"DSN of a region outside the Client", func(o *aurora.Options) {
			o.Engine, o.Members = aurora.PostgreSQL, []aurora.Member{{Region: use1, Writer: true, DSN: pgDSN(addr)}, {Region: "ap-south-1", DSN: pgDSN(addr)}}
		}, &oe, nil},
		{"negative MaxLag", func(o *aurora.Options) { o.Engine, o.Members, o.MaxLag = aurora.PostgreSQL, members(true), -1 }, &oe, nil},
		{"MaxLag without lag measurement", func(o *aurora.Options) {
			o.Engine, o.Members, o.MaxLag, o.LagInterval = aurora.PostgreSQL, members(true), time.Second, -1
		}, &oe, nil},
		{"unknown forwarding mode", func(o *aurora.Options) {
			o.Engine, o.Members, o.WriteForwarding, o.ForwardingConsistency = aurora.MySQL, members(true), true, aurora.ConsistencyOff
		}, &oe, nil},
		{"no topology", func(o *aurora.Options) { o.Engine = aurora.PostgreSQL }, &oe, nil},
		{"two topologies", func(o *aurora.Options) { o.Members, o.GlobalClusterID = members(true), "g" }, &oe, nil},
		{"static without engine", func(o *aurora.Options) { o.Members = members(true) }, &oe, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := aurora.New(testCtx(t), mr, tc.fn)
			if c != nil {
				_ = c.Close()
			}
			require.Error(t, err)
			testutil.Record(err.Error())
			assert.ErrorAs(t, err, tc.as)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.NotContains(t, err.Error(), testutil.Planted)
		})
	}
	_, err := aurora.New(nil, mr) //lint:ignore SA1012 a nil context is the bad input under test
	assert.ErrorIs(t, err, aurora.ErrInvalidInput)
	_, err = aurora.New(testCtx(t), nil)
	assert.ErrorIs(t, err, aurora.ErrInvalidInput)
}

// TestClosed: every call of a closed Cluster matches multiregion.ErrClosed.
func TestClosed(t *testing.T) {
	_, mr := newClient(t, false)
	addrs := map[multiregion.Region]string{use1: closedPort(t), usw2: closedPort(t), euw1: closedPort(t)}
	c, err := aurora.New(testCtx(t), mr, staticOptions(addrs))
	require.NoError(t, err)
	require.NoError(t, c.Close())
	ctx := testCtx(t)
	_, err = c.ExecContext(ctx, "select 1")
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	_, _, err = c.Reader(ctx)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	_, err = c.Writer(ctx)
	assert.ErrorIs(t, err, multiregion.ErrClosed)
	assert.ErrorIs(t, c.QueryRowContext(ctx, "select 1").Scan(new(int)), multiregion.ErrClosed)
	assert.ErrorIs(t, c.Refresh(ctx), multiregion.ErrClosed)
	assert.NoError(t, c.Close(), "idempotent")
}

// TestStaticReadFailsOver: with every region's server down, a routed read
// fails with a regional error naming no password; Reader still hands out
// the nearest pool (it dials nothing).
func TestStaticReadFailsOver(t *testing.T) {
	_, mr := newClient(t, false)
	addrs := map[multiregion.Region]string{use1: closedPort(t), usw2: closedPort(t), euw1: closedPort(t)}
	c, err := aurora.New(testCtx(t), mr, staticOptions(addrs))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)
	db, r, err := c.Reader(ctx)
	require.NoError(t, err)
	assert.NotNil(t, db)
	assert.Contains(t, labRegions, r)
	_, err = c.QueryContext(ctx, "select 1")
	require.Error(t, err)
	testutil.Record(err.Error())
	assert.NotContains(t, err.Error(), testutil.Planted)
	var nh *multiregion.NoHealthyRegionError
	assert.True(t, errors.As(err, &nh) || strings.Contains(err.Error(), "connect"), "%v", err)
	_, err = c.ExecContext(ctx, "insert into t values (1)")
	require.Error(t, err)
	testutil.Record(err.Error())
	assert.NotContains(t, err.Error(), testutil.Planted)
}

// TestPoolSettings: Pool applies to every region's *sql.DB, RegionPools
// overrides it per region; opening a pool dials nothing.
func TestPoolSettings(t *testing.T) {
	_, mr := newClient(t, false)
	ls := map[multiregion.Region]*countingListener{use1: listen(t), usw2: listen(t), euw1: listen(t)}
	addrs := map[multiregion.Region]string{}
	for r, l := range ls {
		addrs[r] = l.addr()
	}
	c, err := aurora.New(testCtx(t), mr, staticOptions(addrs), func(o *aurora.Options) {
		o.Pool = aurora.PoolOptions{MaxOpenConns: 7}
		o.RegionPools = map[multiregion.Region]aurora.PoolOptions{euw1: {MaxOpenConns: 3}}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(t)
	w, err := c.Writer(ctx)
	require.NoError(t, err)
	assert.Equal(t, 7, w.Stats().MaxOpenConnections)
	eu, r, err := c.In(euw1).Reader(ctx)
	require.NoError(t, err)
	assert.Equal(t, euw1, r)
	assert.Equal(t, 3, eu.Stats().MaxOpenConnections)
	for r, l := range ls {
		assert.Zero(t, l.count.Load(), "no connection to %s", r)
	}
}

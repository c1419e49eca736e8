package singlewriter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	sw "github.com/regionkit/multiregion/internal/singlewriter"
)

var clientRegions = []multiregion.Region{use1, usw2, euw1}

// good returns a valid topology: writer us-east-1, readers us-west-2 and
// eu-west-1.
func good() sw.Topology { return newFakeStore(use1, use1, usw2, euw1).topo.Clone() }

// topologyCase is a topology and the error Validate must return for it.
type topologyCase struct {
	name   string
	mutate func(*sw.Topology)
	field  string // TopologyError.Field
	is     error  // a root sentinel the error must also match, or nil
	as     any    // a root error type the error must hold, or nil
}

var badTopologies = []topologyCase{
	{name: "no writer", mutate: func(t *sw.Topology) { t.Writer = ""; t.Members[0].Role = sw.RoleReader },
		field: "Writer", is: multiregion.ErrWriterRequired, as: new(*multiregion.CapabilityError)},
	{name: "writer without member", mutate: func(t *sw.Topology) { t.Members = t.Members[1:] },
		field: "Writer", is: multiregion.ErrWriterNotListed, as: new(*multiregion.CapabilityError)},
	{name: "two RoleWriter members", mutate: func(t *sw.Topology) { t.Members[1].Role = sw.RoleWriter },
		field: "Members[1].Role"},
	{name: "Writer names a RoleReader member", mutate: func(t *sw.Topology) { t.Writer = usw2 },
		field: "Members[0].Role"},
	{name: "writer outside the Client's regions", mutate: func(t *sw.Topology) {
		t.Writer = aps1
		t.Members[0].Role = sw.RoleReader
		t.Members = append(t.Members, sw.Member{Region: aps1, Role: sw.RoleWriter, Endpoint: "w:6379"})
	}, field: "Writer", is: multiregion.ErrUnknownRegion, as: new(*multiregion.UnknownRegionError)},
	{name: "member outside the Client's regions", mutate: func(t *sw.Topology) {
		t.Members[2].Region = aps1
	}, field: "Members[2].Region", is: multiregion.ErrUnknownRegion, as: new(*multiregion.UnknownRegionError)},
	{name: "duplicate member region", mutate: func(t *sw.Topology) { t.Members[2].Region = usw2 },
		field: "Members[2].Region", is: multiregion.ErrDuplicateRegion, as: new(*multiregion.CapabilityError)},
	{name: "malformed member region", mutate: func(t *sw.Topology) { t.Members[2].Region = "Mars" },
		field: "Members[2].Region", is: multiregion.ErrInvalidRegion, as: new(*multiregion.InvalidRegionError)},
	{name: "role not set", mutate: func(t *sw.Topology) { t.Members[1].Role = 0 }, field: "Members[1].Role"},
	{name: "negative lag", mutate: func(t *sw.Topology) { t.Members[1].Lag = -time.Second }, field: "Members[1].Lag"},
	{name: "empty endpoint", mutate: func(t *sw.Topology) { t.Members[2].Endpoint = "" }, field: "Members[2].Endpoint"},
	{name: "endpoint with a password", mutate: func(t *sw.Topology) {
		t.Members[0].Endpoint = "redis://admin:hunter2@primary:6379"
	}, field: "Members[0].Endpoint"},
	{name: "key=value DSN as reader endpoint", mutate: func(t *sw.Topology) {
		t.Members[1].ReaderEndpoint = "host=r password=hunter2"
	}, field: "Members[1].ReaderEndpoint"},
}

func checkTopologyError(t *testing.T, c topologyCase, err error) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, sw.ErrInvalidTopology)
	var te *sw.TopologyError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, c.field, te.Field, "%v", err)
	if c.is != nil {
		assert.ErrorIs(t, err, c.is)
	}
	if c.as != nil {
		assert.ErrorAs(t, err, c.as)
	}
	assert.NotContains(t, err.Error(), "hunter2", "an error must never quote a credential")
}

func TestValidateRejectsBadTopologies(t *testing.T) {
	ok := good()
	require.NoError(t, ok.Validate(clientRegions, multiregion.ElastiCacheGlobal))
	for _, c := range badTopologies {
		t.Run(c.name, func(t *testing.T) {
			top := good()
			c.mutate(&top)
			checkTopologyError(t, c, top.Validate(clientRegions, multiregion.ElastiCacheGlobal))
		})
	}
}

func TestValidateChecksCapabilityTable(t *testing.T) {
	// ElastiCache Global Datastore: 1 + 2 regions. A fourth is too many,
	// even when every region is one of the Client's.
	top := good()
	top.Members = append(top.Members, sw.Member{Region: aps1, Role: sw.RoleReader, Endpoint: "r4:6379"})
	err := top.Validate(append(clientRegions, aps1), multiregion.ElastiCacheGlobal)
	assert.ErrorIs(t, err, multiregion.ErrTooManyRegions)
	assert.ErrorIs(t, err, sw.ErrInvalidTopology)
	// DocumentDB allows 1 + 5.
	assert.NoError(t, top.Validate(append(clientRegions, aps1), multiregion.DocumentDBGlobal))
}

func TestValidateBadKind(t *testing.T) {
	top := good()
	for _, kind := range []multiregion.StoreKind{0, multiregion.DynamoDBMREC, multiregion.S3CRR} {
		err := top.Validate(clientRegions, kind)
		assert.ErrorIs(t, err, sw.ErrInvalidInput, "kind %v", kind)
	}
	var nilTop *sw.Topology
	assert.ErrorIs(t, nilTop.Validate(clientRegions, multiregion.AuroraGlobal), sw.ErrInvalidTopology)
}

func TestTopologyAccessors(t *testing.T) {
	top := good()
	assert.Equal(t, []multiregion.Region{use1, usw2, euw1}, top.Regions())
	m, ok := top.Member(usw2)
	require.True(t, ok)
	assert.Equal(t, sw.RoleReader, m.Role)
	_, ok = top.Member(aps1)
	assert.False(t, ok)
	assert.True(t, top.IsWriter(use1))
	assert.False(t, top.IsWriter(usw2))
	assert.False(t, top.IsWriter(""))

	c := top.Clone()
	c.Members[0].Endpoint = "changed"
	c.Attributes["engine_version"] = "changed"
	assert.NotEqual(t, "changed", top.Members[0].Endpoint, "Clone must copy Members")
	assert.Equal(t, "7.1", top.Attributes["engine_version"], "Clone must copy Attributes")

	var nilTop *sw.Topology
	_, ok = nilTop.Member(use1)
	assert.False(t, ok)
	assert.Nil(t, nilTop.Regions())
	assert.False(t, nilTop.IsWriter(use1))

	assert.Equal(t, "writer", sw.RoleWriter.String())
	assert.Equal(t, "reader", sw.RoleReader.String())
	assert.Equal(t, "Role(0)", sw.Role(0).String())
}

func noConnect(context.Context, sw.Member) (string, error) { return "", nil }

func elasticache(o *sw.Options) { o.Kind = multiregion.ElastiCacheGlobal; o.RefreshInterval = -1 }

// TestNewRejectsBadInput: every bad argument, option or static topology is
// a typed error from New, and leaves no goroutine behind (TestMain).
func TestNewRejectsBadInput(t *testing.T) {
	mr := newMR(t)
	ctx := testCtx(t)
	src := sw.Static(good())
	var nilFunc sw.SourceFunc
	//lint:ignore SA1012 a nil context is the bad input under test
	_, err := sw.New(nil, mr, src, noConnect, nil, elasticache)
	assert.ErrorIs(t, err, sw.ErrInvalidInput)
	for name, call := range map[string]func() error{
		"nil Client":     func() error { _, err := sw.New(ctx, nil, src, noConnect, nil, elasticache); return err },
		"nil Source":     func() error { _, err := sw.New(ctx, mr, nil, noConnect, nil, elasticache); return err },
		"nil SourceFunc": func() error { _, err := sw.New(ctx, mr, nilFunc, noConnect, nil, elasticache); return err },
		"nil connect":    func() error { _, err := sw.New[string](ctx, mr, src, nil, nil, elasticache); return err },
	} {
		var ie *sw.InputError
		assert.ErrorAs(t, call(), &ie, name)
	}

	for name, c := range map[string]struct {
		fn    func(*sw.Options)
		field string
	}{
		"no Kind":              {func(o *sw.Options) { o.Kind = 0 }, "Kind"},
		"multi-writer Kind":    {func(o *sw.Options) { o.Kind = multiregion.DynamoDBMREC }, "Kind"},
		"negative MaxLag":      {func(o *sw.Options) { o.MaxLag = -time.Second }, "MaxLag"},
		"negative timeout":     {func(o *sw.Options) { o.RefreshTimeout = -1 }, "RefreshTimeout"},
		"negative retire":      {func(o *sw.Options) { o.RetireDelay = -1 }, "RetireDelay"},
		"tiny RefreshInterval": {func(o *sw.Options) { o.RefreshInterval = time.Millisecond }, "RefreshInterval"},
	} {
		_, err := sw.New(ctx, mr, src, noConnect, nil, elasticache, c.fn)
		var oe *multiregion.OptionError
		if assert.ErrorAs(t, err, &oe, name) {
			assert.Equal(t, c.field, oe.Field, name)
		}
		assert.ErrorIs(t, err, multiregion.ErrInvalidOptions, name)
	}

	for _, c := range badTopologies {
		top := good()
		c.mutate(&top)
		_, err := sw.New(ctx, mr, sw.Static(top), noConnect, nil, elasticache)
		t.Run("static "+c.name, func(t *testing.T) { checkTopologyError(t, c, err) })
	}

	boom := errors.New("DescribeGlobalReplicationGroups: AccessDenied")
	_, err = sw.New(ctx, mr, sw.SourceFunc(func(context.Context) (sw.Topology, error) { return sw.Topology{}, boom }), noConnect, nil, elasticache)
	var se *sw.SourceError
	assert.ErrorAs(t, err, &se)
	assert.ErrorIs(t, err, boom)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sw.New(canceled, mr, src, noConnect, nil, elasticache)
	assert.ErrorIs(t, err, context.Canceled)

	done := make(chan struct{})
	close(done)
	_, err = sw.New(ctx, mr, src, noConnect, nil, elasticache, func(o *sw.Options) { o.Done = done })
	assert.ErrorIs(t, err, multiregion.ErrClosed)
}

func TestNewTimesOutInitialLoad(t *testing.T) {
	mr := newMR(t)
	store := newFakeStore(use1, use1, usw2)
	release := store.Block()
	defer release()
	_, err := sw.New(testCtx(t), mr, store, noConnect, nil, elasticache, func(o *sw.Options) { o.RefreshTimeout = 20 * time.Millisecond })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorAs(t, err, new(*sw.SourceError))
}

// TestAllowPartial: members outside the Client's regions are left out, and
// said to be; the writer never is.
func TestAllowPartial(t *testing.T) {
	mr := newMR(t)
	top := good()
	top.Members = append(top.Members[:2], sw.Member{Region: aps1, Role: sw.RoleReader, Endpoint: "aps1:6379", ID: "rg-aps1"})
	partial := func(o *sw.Options) { o.AllowPartial = true }

	_, err := sw.New(testCtx(t), mr, sw.Static(top), noConnect, nil, elasticache)
	assert.ErrorIs(t, err, multiregion.ErrUnknownRegion, "without AllowPartial")

	kit, err := sw.New(testCtx(t), mr, sw.Static(top), noConnect, nil, elasticache, partial)
	require.NoError(t, err)
	defer kit.Close()
	assert.Equal(t, []multiregion.Region{use1, usw2}, kit.Topology().Regions())
	st := kit.Status()
	require.Len(t, st.LeftOut, 1)
	assert.Equal(t, aps1, st.LeftOut[0].Region)
	assert.Equal(t, set(t, mr, use1, usw2), kit.Readers())
	_, err = kit.Client(testCtx(t), aps1)
	assert.ErrorIs(t, err, sw.ErrNotMember)
	assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
	_, err = kit.Client(testCtx(t), euw1) // a Client region, not a member
	assert.ErrorIs(t, err, sw.ErrNotMember)

	top.Writer, top.Members[0].Role, top.Members[2].Role = aps1, sw.RoleReader, sw.RoleWriter
	_, err = sw.New(testCtx(t), mr, sw.Static(top), noConnect, nil, elasticache, partial)
	assert.ErrorIs(t, err, multiregion.ErrUnknownRegion, "the writer is never left out")
}

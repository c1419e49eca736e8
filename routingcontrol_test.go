package multiregion_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// arcLab starts a lab of use1, usw2, euw1 with an ARC cluster of two
// endpoints, and a Client on it with a fake prober (use1 nearest) that
// reads the routing controls through the real route53recoverycluster client.
func arcLab(t *testing.T, fns ...func(*multiregion.Options)) (*multiregiontest.RoutingControls, *multiregion.Client) {
	t.Helper()
	lab := startRegions(t, []string{"us-east-1", "us-west-2", "eu-west-1"},
		multiregiontest.WithRoutingControls("us-east-1", "us-west-2"))
	rc := lab.RoutingControls()
	p := newFakeProber()
	p.set(use1, 10*time.Millisecond, nil)
	p.set(usw2, 20*time.Millisecond, nil)
	p.set(euw1, 30*time.Millisecond, nil)
	all := append([]func(*multiregion.Options){lab.Options(), rc.Options(), withProber(p),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true }}, fns...)
	c, err := multiregion.New(context.Background(), lab.Config(), all...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	refresh(t, c)
	return rc, c
}

func refreshARC(t *testing.T, c *multiregion.Client) {
	t.Helper()
	require.NoError(t, c.RefreshRoutingControls(context.Background()))
}

// An Off control drains its region for the network view and every store;
// On lifts it. An operator's drain and ARC's combine, each lifted by its
// own source only.
func TestRoutingControlDrains(t *testing.T) {
	rc, c := arcLab(t)
	a := newTestStore(t, c)
	b := newTestStore(t, c, withStoreProber(newFakeProber()))
	refreshARC(t, c)
	assert.Empty(t, c.Drained())
	st := c.Status().RoutingControls
	require.NotNil(t, st)
	assert.NoError(t, st.LastError)
	assert.Equal(t, rc.Endpoints()[0], st.Endpoint)
	assert.False(t, st.LastSuccess.IsZero())

	require.NoError(t, rc.SetState("us-east-1", "Off"))
	assert.Equal(t, use1, storePick(t, a), "nothing changes before the next poll")
	refreshARC(t, c)
	for _, s := range []*multiregion.Store{a, b} {
		assert.Equal(t, usw2, storePick(t, s), s.Name())
		assert.True(t, storeStatus(t, s, use1).Drained)
	}
	r, err := c.Nearest(context.Background())
	require.NoError(t, err)
	assert.Equal(t, usw2, r)
	ns := status(t, c, use1)
	assert.True(t, ns.Drained)
	assert.True(t, ns.Healthy, "a drain is not an ejection: the measured health stays")
	assert.Equal(t, []multiregion.DrainStatus{{Region: use1, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())

	require.NoError(t, c.Drain(use1))
	assert.Equal(t, []multiregion.DrainStatus{{Region: use1, By: []string{multiregion.DrainRoutingControl, multiregion.DrainOperator}}}, c.Status().Drained)
	require.NoError(t, c.Undrain(use1))
	assert.Equal(t, usw2, storePick(t, a), "the operator's Undrain leaves ARC's drain")

	require.NoError(t, c.Drain(use1))
	require.NoError(t, rc.SetState("us-east-1", "On"))
	refreshARC(t, c)
	assert.Equal(t, []multiregion.DrainStatus{{Region: use1, By: []string{multiregion.DrainOperator}}}, c.Drained(), "On lifts ARC's drain only")
	require.NoError(t, c.Undrain(use1))
	assert.Equal(t, use1, storePick(t, a))
	assert.Equal(t, use1, storePick(t, b))
}

// A read that fails on one endpoint is retried on the next, which is then
// remembered: the next round starts there.
func TestRoutingControlEndpointFailover(t *testing.T) {
	rc, c := arcLab(t)
	rc.Endpoint(0).Down()
	require.NoError(t, rc.SetState("eu-west-1", "Off"))
	refreshARC(t, c)
	assert.Equal(t, []multiregion.DrainStatus{{Region: euw1, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())
	assert.Equal(t, rc.Endpoints()[1], c.Status().RoutingControls.Endpoint)

	require.NoError(t, rc.Endpoint(0).Up())
	before0, before1 := rc.Endpoint(0).Requests(), rc.Endpoint(1).Requests()
	refreshARC(t, c)
	assert.Equal(t, before0, rc.Endpoint(0).Requests(), "the endpoint that answered last is tried first")
	assert.Equal(t, before1+3, rc.Endpoint(1).Requests(), "one read per control")
}

// When no endpoint answers, the last known states stay (fail static), the
// error names the region and its control, and the streak is logged once.
func TestRoutingControlFailStatic(t *testing.T) {
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rc, c := arcLab(t, func(o *multiregion.Options) { o.Logger = logger })
	require.NoError(t, rc.SetState("us-east-1", "Off"))
	refreshARC(t, c)
	rc.Endpoint(0).Down()
	rc.Endpoint(1).SetErrorRate(1)
	require.NoError(t, rc.SetState("us-east-1", "On"))
	require.NoError(t, rc.SetState("us-west-2", "Off"))

	for range 2 {
		err := c.RefreshRoutingControls(context.Background())
		var rce *multiregion.RoutingControlError
		require.ErrorAs(t, err, &rce)
		assert.Equal(t, use1, rce.Region)
		assert.Equal(t, rc.ARN("us-east-1"), rce.ARN)
		assert.Contains(t, err.Error(), rc.Endpoints()[0].URL)
		assert.Contains(t, err.Error(), "InternalServerException")
	}
	assert.Equal(t, []multiregion.DrainStatus{{Region: use1, By: []string{multiregion.DrainRoutingControl}}}, c.Drained(),
		"an ARC outage neither drains nor undrains")
	st := c.Status().RoutingControls
	assert.Error(t, st.LastError)
	assert.Equal(t, 2, st.ConsecutiveFailures)
	assert.True(t, st.LastPoll.After(st.LastSuccess) || st.LastPoll.Equal(st.LastSuccess))
	assert.Equal(t, 1, strings.Count(logs.String(), "routing controls unreadable"), "logged once per streak")

	rc.Endpoint(1).SetErrorRate(0)
	refreshARC(t, c)
	assert.Equal(t, []multiregion.DrainStatus{{Region: usw2, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())
	assert.Zero(t, c.Status().RoutingControls.ConsecutiveFailures)
	assert.Contains(t, logs.String(), "routing controls readable again")
}

// The background poller honours a flip within one RoutingControlInterval.
func TestRoutingControlPollsEveryInterval(t *testing.T) {
	ctx := context.Background()
	clock := multiregiontest.NewFakeClock(epoch)
	rc, c := arcLab(t, withClock(clock), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = false
		o.ProbeInterval = time.Hour // only the poller's timer fires below
		o.RoutingControlInterval = time.Second
	})
	require.NoError(t, clock.WaitForTimers(ctx, 4)) // 3 probe loops and the poller, asleep
	require.NoError(t, rc.SetState("us-west-2", "Off"))
	assert.Empty(t, c.Drained())
	clock.Advance(time.Second)
	require.NoError(t, clock.WaitForTimers(ctx, 4))
	assert.Equal(t, []multiregion.DrainStatus{{Region: usw2, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())
}

// A control the cluster does not have answers ResourceNotFoundException,
// on every endpoint; the other controls are read and applied.
func TestRoutingControlUnknownARN(t *testing.T) {
	const missing = "arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef/routingcontrol/missing"
	rc, c := arcLab(t, func(o *multiregion.Options) { o.RoutingControls[use1] = missing })
	require.NoError(t, rc.SetState("us-west-2", "Off"))
	err := c.RefreshRoutingControls(context.Background())
	var rce *multiregion.RoutingControlError
	require.ErrorAs(t, err, &rce)
	assert.Equal(t, missing, rce.ARN)
	assert.Equal(t, "GetRoutingControlState", rce.Op)
	var nf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &nf, "the SDK's typed error is wrapped")
	assert.Equal(t, []multiregion.DrainStatus{{Region: usw2, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())
}

// Bad routing-control options fail New with an *OptionError naming the field.
func TestRoutingControlOptionErrors(t *testing.T) {
	const good = "arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/def"
	ep := multiregion.RoutingControlEndpoint{Region: "us-west-2", URL: "https://abc.route53-recovery-cluster.us-west-2.amazonaws.com/"}
	for _, tc := range []struct {
		name, field string
		fn          func(*multiregion.Options)
		wrapped     error
	}{
		{"control for an unknown region", "RoutingControls", func(o *multiregion.Options) {
			o.RoutingControls = map[multiregion.Region]string{euw1: good}
		}, multiregion.ErrUnknownRegion},
		{"empty ARN", "RoutingControls", func(o *multiregion.Options) { o.RoutingControls = map[multiregion.Region]string{use1: ""} }, nil},
		{"not an ARN", "RoutingControls", func(o *multiregion.Options) { o.RoutingControls = map[multiregion.Region]string{use1: "rc-1"} }, nil},
		{"no endpoints", "RoutingControlEndpoints", func(o *multiregion.Options) { o.RoutingControlEndpoints = nil }, nil},
		{"malformed URL", "RoutingControlEndpoints", func(o *multiregion.Options) {
			o.RoutingControlEndpoints = []multiregion.RoutingControlEndpoint{{Region: "us-west-2", URL: "://nope"}}
		}, nil},
		{"URL without a host", "RoutingControlEndpoints", func(o *multiregion.Options) {
			o.RoutingControlEndpoints = []multiregion.RoutingControlEndpoint{{Region: "us-west-2", URL: "abc.example.com"}}
		}, nil},
		{"malformed endpoint region", "RoutingControlEndpoints", func(o *multiregion.Options) {
			o.RoutingControlEndpoints = []multiregion.RoutingControlEndpoint{{Region: "west", URL: ep.URL}}
		}, multiregion.ErrInvalidRegion},
		{"negative interval", "RoutingControlInterval", func(o *multiregion.Options) { o.RoutingControlInterval = -time.Second }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := multiregion.New(context.Background(), aws.Config{}, func(o *multiregion.Options) {
				o.Regions = []multiregion.Region{use1, usw2}
				o.Prober = newFakeProber()
				o.DisableBackgroundProbes = true
				o.RoutingControls = map[multiregion.Region]string{use1: good}
				o.RoutingControlEndpoints = []multiregion.RoutingControlEndpoint{ep}
			}, tc.fn)
			var oe *multiregion.OptionError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tc.field, oe.Field)
			assert.ErrorIs(t, err, multiregion.ErrInvalidOptions)
			if tc.wrapped != nil {
				assert.ErrorIs(t, err, tc.wrapped)
			}
		})
	}
}

// Without routing controls RefreshRoutingControls does nothing and Status
// has no poller state; after Close it fails with ErrClosed.
func TestRoutingControlsUnset(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1})
	require.NoError(t, c.RefreshRoutingControls(context.Background()))
	assert.Nil(t, c.Status().RoutingControls)
	require.NoError(t, c.Close())
	assert.ErrorIs(t, c.RefreshRoutingControls(context.Background()), multiregion.ErrClosed)
}

// A fake RoutingControlAPI sees one client per endpoint; a state that is
// neither On nor Off is an error and changes nothing.
func TestRoutingControlFakeAPI(t *testing.T) {
	const arn1 = "arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/def"
	f := &fakeARC{state: "Off"}
	var built []multiregion.RoutingControlEndpoint
	c := newTestClient(t, []multiregion.Region{use1, usw2}, func(o *multiregion.Options) {
		o.RoutingControls = map[multiregion.Region]string{usw2: arn1}
		o.RoutingControlEndpoints = []multiregion.RoutingControlEndpoint{
			{Region: "us-east-1", URL: "https://a.example/"}, {Region: "eu-west-1", URL: "https://b.example/"}}
		o.RoutingControlAPI = func(ep multiregion.RoutingControlEndpoint) multiregion.RoutingControlClient {
			built = append(built, ep)
			return f
		}
	})
	assert.Len(t, built, 2)
	refreshARC(t, c)
	assert.Equal(t, []string{arn1}, f.seen())
	assert.Equal(t, []multiregion.DrainStatus{{Region: usw2, By: []string{multiregion.DrainRoutingControl}}}, c.Drained())
	f.mu.Lock()
	f.state = "Maybe"
	f.mu.Unlock()
	assert.ErrorContains(t, c.RefreshRoutingControls(context.Background()), `unknown routing control state "Maybe"`)
	assert.Len(t, c.Drained(), 1)
}

type fakeARC struct {
	mu    sync.Mutex
	state types.RoutingControlState
	arns  []string
}

func (f *fakeARC) GetRoutingControlState(ctx context.Context, in *route53recoverycluster.GetRoutingControlStateInput,
	_ ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arns = append(f.arns, aws.ToString(in.RoutingControlArn))
	return &route53recoverycluster.GetRoutingControlStateOutput{RoutingControlArn: in.RoutingControlArn, RoutingControlState: f.state}, nil
}

func (f *fakeARC) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.arns...)
}

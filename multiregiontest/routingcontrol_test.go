package multiregiontest_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// arcClient is the ARC data-plane client of cluster endpoint ep, as an
// operator builds it: signed for the endpoint's region, at its URL.
func arcClient(lab *multiregiontest.Lab, ep multiregion.RoutingControlEndpoint) *route53recoverycluster.Client {
	cfg := lab.Config()
	cfg.Region = ep.Region
	return route53recoverycluster.NewFromConfig(cfg, func(o *route53recoverycluster.Options) { o.BaseEndpoint = aws.String(ep.URL) })
}

// The mock cluster answers the real SDK client on each of its endpoints,
// with ARC's errors.
func TestRoutingControlsDataPlane(t *testing.T) {
	ctx := context.Background()
	lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"}, multiregiontest.WithRoutingControls())
	rc := lab.RoutingControls()
	eps := rc.Endpoints()
	require.Len(t, eps, len(multiregiontest.DefaultRoutingControlEndpointRegions))
	assert.Equal(t, "ap-northeast-1", eps[3].Region)
	east, west := rc.ARN("us-east-1"), rc.ARN("eu-west-1")
	assert.Equal(t, map[multiregion.Region]string{"us-east-1": east, "eu-west-1": west}, rc.Controls())

	api := arcClient(lab, eps[2])
	out, err := api.GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(east)})
	require.NoError(t, err)
	assert.Equal(t, types.RoutingControlStateOn, out.RoutingControlState)
	assert.Equal(t, "rc-us-east-1", aws.ToString(out.RoutingControlName))

	_, err = api.UpdateRoutingControlState(ctx, &route53recoverycluster.UpdateRoutingControlStateInput{
		RoutingControlArn: aws.String(east), RoutingControlState: types.RoutingControlStateOff})
	require.NoError(t, err)
	assert.Equal(t, "Off", rc.State("us-east-1"))
	_, err = arcClient(lab, eps[0]).UpdateRoutingControlStates(ctx, &route53recoverycluster.UpdateRoutingControlStatesInput{
		UpdateRoutingControlStateEntries: []types.UpdateRoutingControlStateEntry{
			{RoutingControlArn: aws.String(east), RoutingControlState: types.RoutingControlStateOn},
			{RoutingControlArn: aws.String(west), RoutingControlState: types.RoutingControlStateOff}}})
	require.NoError(t, err)
	assert.Equal(t, "On", rc.State("us-east-1"))
	assert.Equal(t, "Off", rc.State("eu-west-1"))

	var nf *types.ResourceNotFoundException
	_, err = api.GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(east + "x")})
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, east+"x", aws.ToString(nf.ResourceId))
	_, err = api.UpdateRoutingControlState(ctx, &route53recoverycluster.UpdateRoutingControlStateInput{
		RoutingControlArn: aws.String(east), RoutingControlState: "Sideways"})
	var ve *types.ValidationException
	require.ErrorAs(t, err, &ve)
	assert.Error(t, rc.Set(east+"x", true))

	// A request signed for another region than the endpoint's is refused.
	wrong := eps[1]
	wrong.Region = "eu-west-1"
	_, err = arcClient(lab, wrong).GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(east)})
	require.ErrorContains(t, err, "InvalidSignatureException")

	// Each endpoint has its own fault switch.
	rc.Endpoint(2).Down()
	_, err = api.GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(east)})
	require.Error(t, err)
	_, err = arcClient(lab, eps[4]).GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(east)})
	require.NoError(t, err)
	assert.Nil(t, rc.Endpoint(5))
}

func TestWithRoutingControlsBadRegion(t *testing.T) {
	_, err := multiregiontest.New([]string{"us-east-1"}, multiregiontest.WithRoutingControls("mars"))
	assert.ErrorIs(t, err, multiregiontest.ErrInvalidOptions)
	assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)
}

// Every adapter honours a drain by a routing control at the next poll:
// a DynamoDB table read, a cache read and a DocumentDB cluster's pick all
// leave the drained region.
func TestEveryAdapterHonoursRoutingControlDrain(t *testing.T) {
	ctx := context.Background()
	east, west := miniredis.RunT(t), miniredis.RunT(t)
	for _, m := range []*miniredis.Miniredis{east, west} {
		require.NoError(t, m.Set("k", "v"))
	}
	// The cache's data servers are local: give eu-west-1's the farther
	// region's latency too, or the cache store's own samples (taken
	// during the drain) could rank the two regions either way.
	west.Server().SetPreHook(func(*server.Peer, string, ...string) bool {
		time.Sleep(20 * time.Millisecond)
		return false
	})
	lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"},
		multiregiontest.WithLatency("eu-west-1", 40*time.Millisecond), // us-east-1 is the nearest
		multiregiontest.WithDynamoDB(),
		multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
			o.Endpoints = map[string]string{"us-east-1": east.Addr(), "eu-west-1": west.Addr()}
		}),
		multiregiontest.WithDocDB(),
		multiregiontest.WithRoutingControls("us-east-1", "eu-west-1"))
	require.NoError(t, lab.DynamoDB().CreateTable(ctx, "t", multiregiontest.StringKey("user")))
	rc := lab.RoutingControls()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), rc.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	require.NoError(t, mr.Refresh(ctx))

	tb, cs, dc := openAdapters(t, lab, mr)
	_, err = tb.Put(ctx, Profile{User: "ana", City: "Lisbon"}, dynamo.InRegion("us-east-1"))
	require.NoError(t, err)
	require.NoError(t, lab.DynamoDB().Quiesce(ctx))
	docStore, err := mr.Store(dc.Status().Name)
	require.NoError(t, err)
	all, err := mr.Set()
	require.NoError(t, err)

	reads := func() (dyn, ca, doc multiregion.Region) {
		t.Helper()
		it, err := tb.Get(ctx, map[string]string{"user": "ana"})
		require.NoError(t, err)
		_, ca, err = cs.Get(ctx, "k")
		require.NoError(t, err)
		doc, err = docStore.Pick(all)
		require.NoError(t, err)
		return it.Region, ca, doc
	}
	d, c, o := reads()
	require.Equal(t, []multiregion.Region{"us-east-1", "us-east-1", "us-east-1"}, []multiregion.Region{d, c, o}, "before: the nearest region")

	require.NoError(t, rc.SetState("us-east-1", "Off"))
	require.NoError(t, mr.RefreshRoutingControls(ctx)) // one poll
	d, c, o = reads()
	assert.Equal(t, []multiregion.Region{"eu-west-1", "eu-west-1", "eu-west-1"}, []multiregion.Region{d, c, o}, "dynamo, cache, docdb after the drain")
	cacheStore, err := mr.Store(cs.Name())
	require.NoError(t, err)
	for _, st := range []multiregion.StoreStatus{tb.Status(), cacheStore.Status(), dc.Status()} {
		s, ok := st.Region("us-east-1")
		require.True(t, ok, st.Name)
		assert.True(t, s.Drained, st.Name)
	}

	require.NoError(t, rc.SetState("us-east-1", "On"))
	require.NoError(t, mr.RefreshRoutingControls(ctx))
	d, c, o = reads()
	assert.Equal(t, []multiregion.Region{"us-east-1", "us-east-1", "us-east-1"}, []multiregion.Region{d, c, o}, "after the undrain")
}

package multiregiontest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// authLog records the Authorization scheme of each request.
type authLog struct {
	next    aws.HTTPClient
	mu      sync.Mutex
	schemes []string
}

func (a *authLog) Do(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.schemes = append(a.schemes, strings.SplitN(r.Header.Get("Authorization"), " ", 2)[0])
	a.mu.Unlock()
	return a.next.Do(r)
}

func TestS3_MultiRegionAccessPoint(t *testing.T) {
	ctx := context.Background()
	lab := multiregiontest.Start(t, s3Regions,
		multiregiontest.WithS3(func(o *multiregiontest.S3Options) { o.MRAPRouteDelay = time.Second }),
		multiregiontest.WithLatency("us-east-1", 1*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond),
		multiregiontest.WithLatency("ap-southeast-2", 150*time.Millisecond))
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	s3h := lab.S3()
	b := meshBuckets(t, lab)
	arn, err := s3h.CreateMultiRegionAccessPoint("mfzwi23gnjvgw.mrap", b)
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", arn)

	cfg := mr.Config("us-east-1") // the nearest endpoint: a Put takes ~1 ms, well inside the route delay
	log := &authLog{next: cfg.HTTPClient}
	data := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.EndpointResolverV2 = s3h.MRAPEndpointResolver()
		o.HTTPClient = log
	})
	ctl := s3control.NewFromConfig(mr.Config("eu-west-1"), func(o *s3control.Options) {
		o.EndpointResolverV2 = s3h.S3ControlEndpointResolver()
	})
	putVia := func(key string) error {
		_, err := data.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(arn), Key: aws.String(key), Body: strings.NewReader("x")})
		return err
	}
	holder := func(key string) []string {
		var in []string
		for _, r := range lab.Names() {
			if _, ok := s3h.Latest(r, b[r], key); ok {
				in = append(in, r)
			}
		}
		return in
	}

	require.NoError(t, putVia("a"))
	assert.Equal(t, []string{"us-east-1"}, holder("a"), "all routes at 100 %: the nearest")
	assert.Equal(t, []string{"AWS4-ECDSA-P256-SHA256"}, log.schemes, "MRAP requests are signed with SigV4A")
	out, err := data.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(arn), Key: aws.String("a")})
	require.NoError(t, err)
	require.NoError(t, out.Body.Close())

	routes, err := ctl.GetMultiRegionAccessPointRoutes(ctx, &s3control.GetMultiRegionAccessPointRoutesInput{
		AccountId: aws.String(multiregiontest.S3AccountID), Mrap: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, routes.Routes, 3)
	for _, r := range routes.Routes {
		assert.Equal(t, int32(100), aws.ToInt32(r.TrafficDialPercentage))
		assert.Equal(t, b[aws.ToString(r.Region)], aws.ToString(r.Bucket))
	}

	// Drain us-east-1: in effect after the route delay, as in AWS (up to 2 min).
	_, err = ctl.SubmitMultiRegionAccessPointRoutes(ctx, &s3control.SubmitMultiRegionAccessPointRoutesInput{
		AccountId: aws.String(multiregiontest.S3AccountID), Mrap: aws.String(arn),
		RouteUpdates: []s3ctltypes.MultiRegionAccessPointRoute{{Region: aws.String("us-east-1"), TrafficDialPercentage: aws.Int32(0)}}})
	require.NoError(t, err)
	require.NoError(t, putVia("b"))
	assert.Equal(t, []string{"us-east-1"}, holder("b"), "not in effect yet")
	require.Eventually(t, func() bool {
		rs, err := s3h.MRAPRoutes(arn)
		return err == nil && rs[len(rs)-1].Region == "us-east-1" && rs[len(rs)-1].TrafficDialPercentage == 0
	}, 5*time.Second, 20*time.Millisecond)
	require.NoError(t, putVia("c"))
	assert.Equal(t, []string{"eu-west-1"}, holder("c"), "drained: the next nearest")

	// Failover among active routes when a region is down.
	lab.Endpoint("eu-west-1").Down()
	require.NoError(t, putVia("d"))
	assert.Equal(t, []string{"ap-southeast-2"}, holder("d"))
	require.NoError(t, lab.Endpoint("eu-west-1").Up())

	_, err = ctl.SubmitMultiRegionAccessPointRoutes(ctx, &s3control.SubmitMultiRegionAccessPointRoutesInput{
		AccountId: aws.String(multiregiontest.S3AccountID), Mrap: aws.String(arn),
		RouteUpdates: []s3ctltypes.MultiRegionAccessPointRoute{{Region: aws.String("mars-1"), TrafficDialPercentage: aws.Int32(0)}}})
	assert.Equal(t, "InvalidRequest", apiCode(err), "not a route of the MRAP")
	_, err = ctl.GetMultiRegionAccessPointRoutes(ctx, &s3control.GetMultiRegionAccessPointRoutesInput{
		AccountId: aws.String(multiregiontest.S3AccountID), Mrap: aws.String("arn:aws:s3::123456789012:accesspoint/nope.mrap")})
	assert.Equal(t, "NoSuchMultiRegionAccessPoint", apiCode(err))
}

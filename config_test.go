package multiregion_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// fakeDynamo records the requests it gets and answers ListTables.
type fakeDynamo struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeDynamo(t *testing.T) *fakeDynamo {
	f := &fakeDynamo{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"TableNames":[]}`))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeDynamo) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func baseConfig(t *testing.T) (aws.Config, *loopbackOnly) {
	hc, lo := newLoopbackClient(t)
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSECRETTEST", "SECRETVALUE", ""),
		HTTPClient:  hc,
		Retryer:     multiregiontest.FirstAnswerRetryer,
	}, lo
}

func listTables(t *testing.T, cfg aws.Config) error {
	_, err := dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	return err
}

func TestConfig_DynamoDBClientUsesRegionOverride(t *testing.T) {
	east, west := newFakeDynamo(t), newFakeDynamo(t)
	cfg, lo := baseConfig(t)
	c2, err := multiregion.New(context.Background(), cfg, multiregion.WithRegions(use1, usw2),
		multiregion.WithEndpoint(use1, multiregion.ServiceDynamoDB, east.URL),
		multiregion.WithEndpoint(usw2, multiregion.ServiceDynamoDB, west.URL),
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { c2.Close() })

	wcfg := c2.Config(usw2)
	assert.Equal(t, "us-west-2", wcfg.Region)
	require.NoError(t, listTables(t, wcfg))
	require.Empty(t, lo.refused())
	require.Len(t, west.requests(), 1)
	assert.Empty(t, east.requests())
	req := west.requests()[0]
	assert.Equal(t, strings.TrimPrefix(west.URL, "http://"), req.Host)
	assert.Equal(t, "/", req.URL.Path)
	assert.Equal(t, "DynamoDB_20120810.ListTables", req.Header.Get("X-Amz-Target"))
	assert.Contains(t, req.Header.Get("Authorization"), "/us-west-2/dynamodb/aws4_request", "signed for the region")

	require.NoError(t, listTables(t, c2.Config(use1)))
	require.Len(t, east.requests(), 1)
	assert.Contains(t, east.requests()[0].Header.Get("Authorization"), "/us-east-1/dynamodb/aws4_request")
}

func TestConfig_RegionWithoutOverrideKeepsBaseEndpoint(t *testing.T) {
	east, base := newFakeDynamo(t), newFakeDynamo(t)
	cfg, lo := baseConfig(t)
	cfg.BaseEndpoint = aws.String(base.URL)
	c, err := multiregion.New(context.Background(), cfg, multiregion.WithRegions(use1, usw2),
		multiregion.WithEndpoint(use1, multiregion.ServiceDynamoDB, east.URL),
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	wcfg := c.Config(usw2)
	assert.Equal(t, "us-west-2", wcfg.Region)
	require.NotNil(t, wcfg.BaseEndpoint)
	assert.Equal(t, base.URL, *wcfg.BaseEndpoint)
	require.NoError(t, listTables(t, wcfg))
	assert.Len(t, base.requests(), 1)

	require.NoError(t, listTables(t, c.Config(use1)), "refused: %v", lo.refused())
	assert.Len(t, east.requests(), 1, "the override of us-east-1 wins over BaseEndpoint")
	assert.Len(t, base.requests(), 1)
}

// A region with overrides for some services must keep cfg.BaseEndpoint for
// the others: the SDK applies per-service config sources after (over)
// cfg.BaseEndpoint, so there is no need to clear it.
func TestConfig_OverrideOfOneServiceKeepsBaseEndpointForOthers(t *testing.T) {
	base := newFakeDynamo(t)
	cfg, lo := baseConfig(t)
	cfg.BaseEndpoint = aws.String(base.URL)
	c, err := multiregion.New(context.Background(), cfg, multiregion.WithRegions(use1),
		multiregion.WithEndpoint(use1, multiregion.ServiceS3, "http://127.0.0.1:9"), // S3 only
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	err = listTables(t, c.Config(use1))
	assert.NoError(t, err, "DynamoDB went to %v instead of cfg.BaseEndpoint", lo.refused())
	assert.Len(t, base.requests(), 1)
}

// AWS_ENDPOINT_URL (the SDK's global endpoint variable) makes the SDK skip
// every per-service config source, Client.Config's overrides included; as
// Config also clears BaseEndpoint, the client then goes to AWS itself.
// With AWS_ENDPOINT_URL set the SDK never reads per-service overrides, so
// New refuses them rather than let calls reach another endpoint; a
// service-specific variable lifts the conflict for that service.
func TestConfig_OverridesRejectedUnderAWS_ENDPOINT_URL(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	east := newFakeDynamo(t)
	cfg, _ := baseConfig(t)
	opts := []func(*multiregion.Options){multiregion.WithRegions(use1),
		multiregion.WithEndpoint(use1, multiregion.ServiceDynamoDB, east.URL),
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true }}
	_, err := multiregion.New(context.Background(), cfg, opts...)
	var oe *multiregion.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "Endpoints", oe.Field)
	assert.Contains(t, err.Error(), "AWS_ENDPOINT_URL")

	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
	c, err := multiregion.New(context.Background(), cfg, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, listTables(t, c.Config(use1)))
	assert.Len(t, east.requests(), 1, "the per-region override must win over the service's environment variable")
}

func TestConfig_ReturnsACopy(t *testing.T) {
	west := newFakeDynamo(t)
	cfg, _ := baseConfig(t)
	c, err := multiregion.New(context.Background(), cfg, multiregion.WithRegions(use1, usw2),
		multiregion.WithEndpoint(usw2, multiregion.ServiceDynamoDB, west.URL),
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	got := c.Config(usw2)
	got.Region = "eu-west-1"
	got.BaseEndpoint = aws.String("http://127.0.0.1:9")
	got.ConfigSources = nil
	got.Credentials = nil
	got.APIOptions = append(got.APIOptions, nil)

	again := c.Config(usw2)
	assert.Equal(t, "us-west-2", again.Region)
	assert.Nil(t, again.BaseEndpoint)
	assert.NotNil(t, again.Credentials)
	assert.Empty(t, again.APIOptions)
	require.NoError(t, listTables(t, again))
	assert.Len(t, west.requests(), 1)

	plain := c.Config(use1)
	assert.Equal(t, "us-east-1", plain.Region)
	assert.Empty(t, plain.ConfigSources)
}

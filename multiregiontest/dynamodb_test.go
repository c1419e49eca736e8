package multiregiontest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// wired starts a two-region DynamoDB lab and a Client on it, and returns
// an SDK client per region built the way a service builds them.
func wired(t *testing.T, opts ...multiregiontest.Option) (*multiregiontest.Lab, *multiregion.Client, map[string]*dynamodb.Client) {
	t.Helper()
	ctx := context.Background()
	lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"}, append([]multiregiontest.Option{multiregiontest.WithDynamoDB()}, opts...)...)
	require.NoError(t, lab.DynamoDB().CreateTable(ctx, "t", multiregiontest.StringKey("id")))
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })
	clients := map[string]*dynamodb.Client{}
	for _, r := range lab.Names() {
		clients[r] = dynamodb.NewFromConfig(mr.Config(multiregion.Region(r))) // checksum validation on
	}
	return lab, mr, clients
}

func put(c *dynamodb.Client, id, v string) error {
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: id}, "v": &types.AttributeValueMemberS{Value: v}}})
	return err
}

func TestDynamoDB_GlobalTableAndGroundTruth(t *testing.T) {
	lab, _, c := wired(t)
	ddb := lab.DynamoDB()
	ctx := context.Background()
	require.NoError(t, put(c["us-east-1"], "a", "1"))
	require.NoError(t, ddb.Quiesce(ctx))
	out, err := c["eu-west-1"].GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}})
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberS{Value: "1"}, out.Item["v"], "replicated")

	// Two regions write one item before either write replicates.
	ddb.PauseReplication("us-east-1")
	ddb.PauseReplication("eu-west-1")
	require.NoError(t, put(c["us-east-1"], "a", "east"))
	require.NoError(t, put(c["eu-west-1"], "a", "west"))
	assert.ErrorIs(t, ddb.Quiesce(ctx), multiregiontest.ErrReplicationPaused)
	ddb.ResumeReplication("us-east-1")
	ddb.ResumeReplication("eu-west-1")
	require.NoError(t, ddb.Quiesce(ctx))
	lost := ddb.LostWrites("t")
	require.Len(t, lost, 1)
	assert.Equal(t, "us-east-1", lost[0].Region, "the earlier write lost")
	assert.Equal(t, multiregiontest.WritePut, lost[0].Kind)
	assert.Equal(t, multiregiontest.KeyString(map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}), lost[0].Key)
	assert.Len(t, ddb.Writes(), 3)
}

func TestDynamoDB_ClientBypassesTheSwitch(t *testing.T) {
	lab, _, c := wired(t)
	lab.Endpoint("us-east-1").Down()
	assert.Error(t, put(c["us-east-1"], "a", "1"), "the region is down for the service")
	raw := lab.DynamoDB().Client("us-east-1")
	require.NoError(t, put(raw, "a", "1"), "and still reachable for setup and checks")
	assert.Nil(t, lab.DynamoDB().Client("ap-south-1"))
}

func TestFaults_ThrottleAsDynamoDB(t *testing.T) {
	lab, mr, c := wired(t)
	ep := lab.Endpoint("eu-west-1")
	ep.SetThrottleRate(1)
	err := put(c["eu-west-1"], "a", "1")
	var pte *types.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte, "an item operation is throttled as table throughput")
	assert.True(t, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool(), "the SDK sees a throttling error")
	_, err = c["eu-west-1"].DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	assert.True(t, retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool(), "control plane: ThrottlingException: %v", err)
	assert.Contains(t, err.Error(), "ThrottlingException")

	require.NoError(t, mr.Refresh(context.Background()))
	assert.True(t, mr.Healthy("eu-west-1"), "health checks are not throttled: the region is up, only busy")
	ep.SetThrottleRate(0)
	require.NoError(t, put(c["eu-west-1"], "a", "1"))
}

func TestFaults_ErrorRateAsDynamoDB(t *testing.T) {
	lab, _, c := wired(t, multiregiontest.WithSeed(7))
	lab.Endpoint("us-east-1").SetErrorRate(1)
	var ise *types.InternalServerError
	require.ErrorAs(t, put(c["us-east-1"], "a", "1"), &ise)
	lab.Endpoint("us-east-1").SetErrorRate(0)
	require.NoError(t, put(c["us-east-1"], "a", "1"))
}

func TestConfig_NeverLeavesTheLab(t *testing.T) {
	lab := multiregiontest.Start(t, []string{"us-east-1"}, multiregiontest.WithDynamoDB())
	cfg := lab.Config()
	assert.Equal(t, "us-east-1", cfg.Region)
	creds, err := cfg.Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, multiregiontest.TestAccessKeyID, creds.AccessKeyID)
	// Built from the aws.Config alone, with no endpoint override: AWS.
	_, err = dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.ErrorIs(t, err, multiregiontest.ErrOffLab)
	assert.Contains(t, err.Error(), "https://dynamodb.us-east-1.amazonaws.com")
}

func TestFaults_OtherServicesAnswerGenerically(t *testing.T) {
	lab := multiregiontest.Start(t, []string{"us-east-1"}, multiregiontest.WithHandler(func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	}))
	ep := lab.Endpoint("us-east-1")
	ep.SetThrottleRate(1)
	hc := lab.Config().HTTPClient.(*http.Client)
	get := func(target string) (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL+"/bucket/key", nil)
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, "<Code>SlowDown</Code>")
	code, body = get("AmazonSSM.GetParameter")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.True(t, strings.Contains(body, `"ThrottlingException"`), body)
	ep.SetThrottleRate(0)
	ep.SetErrorRate(1)
	code, body = get("")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.Contains(t, body, "<Code>InternalError</Code>")
	ep.SetErrorRate(0)
	code, body = get("")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body)
}

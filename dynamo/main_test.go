package dynamo_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestMain fails the package if a test leaves a goroutine behind: stream
// readers, emulator workers, servers and client connections must be gone.
//
// The suite's credentials carry the planted secret and every Client logs
// at Debug into the capture testutil.NoSecrets checks.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(testutil.NoSecrets(m))
}

const (
	use1 = multiregion.Region("us-east-1")
	use2 = multiregion.Region("us-east-2")
	usw2 = multiregion.Region("us-west-2")
	euw1 = multiregion.Region("eu-west-1")
)

const tableName = "docs"

// Doc is the item type of the tests.
type Doc struct {
	PK    string `dynamodbav:"pk"`
	SK    int    `dynamodbav:"sk"`
	Title string `dynamodbav:"title,omitempty"`
	Count int    `dynamodbav:"count"`
	By    string `dynamodbav:"by,omitempty"`
}

// env is a global-table emulator behind testutil regional endpoints (with
// their latency / outage switch), a multiregion.Client pointed at them and
// a raw SDK client per region for checking ground truth.
type env struct {
	t   testing.TB
	emu *globaltable.Emulator
	rs  *multiregiontest.Lab
	mr  *multiregion.Client
	raw map[multiregion.Region]*dynamodb.Client
	n   int // Tables made: the second and later get a store name of their own
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func noChecksum(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }

// newEnv starts everything; t.Cleanup tears it down in reverse order.
func newEnv(t testing.TB, gopts globaltable.Options, startOpts ...multiregiontest.Option) *env {
	t.Helper()
	emu, err := globaltable.New(gopts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	startOpts = append([]multiregiontest.Option{multiregiontest.WithHandler(emu.Handler)}, startOpts...)
	rs, err := multiregiontest.New(gopts.Regions, startOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", testutil.PlantedIn("SECRET"), ""),
		HTTPClient:  &http.Client{Transport: tr},
		// Tests see each region's first answer, not the SDK's retries.
		Retryer: multiregiontest.FirstAnswerRetryer,
	}
	ctx := testCtx(t)
	mr, err := multiregion.New(ctx, cfg, rs.Options(multiregion.ServiceDynamoDB, multiregion.ServiceDynamoDBStreams),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true; o.Logger = testutil.Logger() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	if err := mr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, emu: emu, rs: rs, mr: mr, raw: map[multiregion.Region]*dynamodb.Client{}}
	for _, r := range emu.Regions() {
		e.raw[multiregion.Region(r)] = dynamodb.NewFromConfig(mr.Config(multiregion.Region(r)), noChecksum)
	}
	e.createTable(multiregion.Region(gopts.Regions[0]), tableName)
	return e
}

// createTable creates a table keyed pk (S) + sk (N) from region r; the
// emulator creates it in every replica.
func (e *env) createTable(r multiregion.Region, name string) {
	e.t.Helper()
	_, err := e.raw[r].CreateTable(testCtx(e.t), multiregiontest.TableInput(name, multiregiontest.StringKey("pk"), multiregiontest.NumberKey("sk")))
	if err != nil {
		e.t.Fatal(err)
	}
}

// table opens a Table[Doc] with fast stream polling; closed at cleanup.
func (e *env) table(optFns ...func(*dynamo.Options)) *dynamo.Table[Doc] {
	e.t.Helper()
	e.n++
	n := e.n
	base := func(o *dynamo.Options) {
		o.ClientOptions = append(o.ClientOptions, noChecksum)
		o.StreamPollInterval = 2 * time.Millisecond
		if n > 1 { // store names are unique per Client (Options.StoreName)
			o.StoreName = fmt.Sprintf("dynamo:%s#%d", tableName, n)
		}
	}
	tb, err := dynamo.New[Doc](testCtx(e.t), e.mr, tableName, append([]func(*dynamo.Options){base}, optFns...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = tb.Close() })
	return tb
}

// rawGet reads key in r strongly consistent, bypassing the adapter.
func (e *env) rawGet(r multiregion.Region, pk string, sk int) map[string]types.AttributeValue {
	e.t.Helper()
	out, err := e.raw[r].GetItem(testCtx(e.t), &dynamodb.GetItemInput{
		TableName: aws.String(tableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(sk)},
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Item
}

func (e *env) quiesce() {
	e.t.Helper()
	if err := e.emu.Quiesce(testCtx(e.t)); err != nil {
		e.t.Fatal(err)
	}
}

func mrec(regions ...multiregion.Region) globaltable.Options {
	o := globaltable.Options{Mode: globaltable.MREC}
	for _, r := range regions {
		o.Regions = append(o.Regions, string(r))
	}
	return o
}

// attrS and attrN read a string or number attribute ("" when absent).
func attrS(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrN(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

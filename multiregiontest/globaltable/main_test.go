package globaltable_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// emulator's workers and timers, the HTTP servers and the SDK clients'
// connections must all be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	use1 = "us-east-1"
	use2 = "us-east-2"
	usw2 = "us-west-2"
	euw1 = "eu-west-1"
)

// lab is one running emulator with an SDK client per region.
type lab struct {
	t       *testing.T
	emu     *globaltable.Emulator
	srv     *globaltable.Servers
	ddb     map[string]*dynamodb.Client
	streams map[string]*dynamodbstreams.Client
}

// newLab starts an emulator and real SDK clients pointed at it; everything is
// torn down (clients' connections, servers, emulator) when the test ends.
func newLab(t *testing.T, opts globaltable.Options) *lab {
	t.Helper()
	emu, err := globaltable.New(opts)
	must.NoError(t, err)
	t.Cleanup(func() { must.NoError(t, emu.Close()) })
	srv, err := emu.Start()
	must.NoError(t, err)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	l := &lab{t: t, emu: emu, srv: srv, ddb: map[string]*dynamodb.Client{}, streams: map[string]*dynamodbstreams.Client{}}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	for _, region := range emu.Regions() {
		l.ddb[region] = dynamodb.New(dynamodb.Options{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL(region)),
			Credentials:  creds,
			HTTPClient:   hc,
			// Tests assert on the first answer, not on the SDK's retries.
			Retryer: multiregiontest.FirstAnswerRetryer(),
		})
		l.streams[region] = dynamodbstreams.New(dynamodbstreams.Options{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL(region)),
			Credentials:  creds,
			HTTPClient:   hc,
		})
	}
	return l
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// createTable creates table (keyed pk S + sk N) from region.
func (l *lab) createTable(region, table string) {
	l.t.Helper()
	_, err := l.ddb[region].CreateTable(ctx(l.t), multiregiontest.TableInput(table, multiregiontest.StringKey("pk"), multiregiontest.NumberKey("sk")))
	must.NoError(l.t, err)
}

func key(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(sk)},
	}
}

func itemWith(pk string, sk int, attrs map[string]string) map[string]types.AttributeValue {
	it := key(pk, sk)
	for k, v := range attrs {
		it[k] = &types.AttributeValueMemberS{Value: v}
	}
	return it
}

func (l *lab) put(region, table string, it map[string]types.AttributeValue) {
	l.t.Helper()
	_, err := l.ddb[region].PutItem(ctx(l.t), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it})
	must.NoError(l.t, err)
}

// get reads key in region with a strongly consistent read; nil if absent.
func (l *lab) get(region, table string, k map[string]types.AttributeValue) map[string]types.AttributeValue {
	l.t.Helper()
	out, err := l.ddb[region].GetItem(ctx(l.t), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true),
	})
	must.NoError(l.t, err)
	return out.Item
}

// attr returns the string attribute name of it, or "" if absent.
func attr(it map[string]types.AttributeValue, name string) string {
	if s, ok := it[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (l *lab) quiesce() {
	l.t.Helper()
	must.NoError(l.t, l.emu.Quiesce(ctx(l.t)))
}

type dynamodbAV = types.AttributeValue

func strAV(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

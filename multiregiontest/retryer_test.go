package multiregiontest_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/multiregiontest"
)

// closingOnce fails its first `closes` requests as Go's transport does when
// its write loop closed a reused connection under the read: a *net.OpError
// wrapping net.ErrClosed. It counts every request.
type closingOnce struct {
	next   aws.HTTPClient
	closes int32
	calls  atomic.Int32
}

func (c *closingOnce) Do(req *http.Request) (*http.Response, error) {
	if c.calls.Add(1) <= c.closes {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	}
	return c.next.Do(req)
}

func TestFirstAnswerRetryer(t *testing.T) {
	ctx := context.Background()
	lab := multiregiontest.Start(t, []string{"us-east-1"}, multiregiontest.WithDynamoDB())
	require.NoError(t, lab.DynamoDB().CreateTable(ctx, "t", multiregiontest.StringKey("id")))
	client := func(closes int32) (*dynamodb.Client, *closingOnce) {
		cfg := lab.Config()
		hc := &closingOnce{next: cfg.HTTPClient, closes: closes}
		cfg.HTTPClient = hc
		return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(lab.Endpoint("us-east-1").URL)
		}), hc
	}
	describe := func(c *dynamodb.Client) error {
		_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})
		return err
	}

	t.Run("a locally closed connection is retried", func(t *testing.T) {
		c, hc := client(2)
		require.NoError(t, describe(c))
		assert.EqualValues(t, 3, hc.calls.Load(), "two closes, then the answer")
	})
	t.Run("at most three attempts", func(t *testing.T) {
		c, hc := client(5)
		err := describe(c)
		require.ErrorIs(t, err, net.ErrClosed)
		assert.EqualValues(t, 3, hc.calls.Load())
	})
	t.Run("a throttled answer is the first answer", func(t *testing.T) {
		lab.Endpoint("us-east-1").SetThrottleRate(1)
		defer lab.Endpoint("us-east-1").SetThrottleRate(0)
		c, hc := client(0)
		require.ErrorContains(t, describe(c), "ThrottlingException")
		assert.EqualValues(t, 1, hc.calls.Load())
	})
	t.Run("a refused or cut connection is the first answer", func(t *testing.T) {
		lab.Endpoint("us-east-1").Down()
		defer lab.Endpoint("us-east-1").Up()
		// A connection kept alive from the earlier subtests is cut by the
		// region's side. Go reports that in several shapes (a broken pipe,
		// a reset, an EOF, "server closed idle connection", and sometimes
		// a local close, net.ErrClosed, which the retryer retries): the
		// call ends with the region's answer within the retryer's three
		// attempts, never with a local close.
		c, hc := client(0)
		err := describe(c)
		require.Error(t, err)
		assert.False(t, errors.Is(err, net.ErrClosed), "%v", err)
		assert.LessOrEqual(t, hc.calls.Load(), int32(3))
		// A new connection refused is the first answer, never retried: a
		// transport of its own has no kept-alive connection to cut.
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		cfg := lab.Config()
		hc = &closingOnce{next: &http.Client{Transport: tr}}
		cfg.HTTPClient = hc
		c = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(lab.Endpoint("us-east-1").URL) })
		err = describe(c)
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.EqualValues(t, 1, hc.calls.Load())
	})
}

package multiregiontest

import (
	"errors"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// FirstAnswerRetryer returns the retryer a test wants from an SDK client
// pointed at the lab: every answer a region gives (an API error, a refused
// or reset connection, a timeout) is returned on the first attempt, so a
// test sees what the region said and the multiregion adapters, not the
// SDK, decide what to do about it.
//
// It retries one thing, at once and at most twice: a read or write that
// failed with net.ErrClosed ("use of closed network connection"). That is
// not an answer from the region. Go's HTTP/1 transport sometimes closes a
// reused keep-alive connection from its own write loop while the response
// is still being read, and the SDK's standard retryer retries exactly
// this for that reason (aws-sdk-go-v2 issue #2737, pull request #2949).
// A test that made one attempt would fail on it once in thousands of runs.
//
// Lab.Config uses it. Each call returns a new retryer, safe for concurrent
// use.
func FirstAnswerRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{localCloseRetryable{}}
		o.RateLimiter = ratelimit.None
		o.Backoff = noBackoff{}
	})
}

// localCloseRetryable retries net.ErrClosed and nothing else: it is the
// retryer's only check, so its no is final.
type localCloseRetryable struct{}

func (localCloseRetryable) IsErrorRetryable(err error) aws.Ternary {
	if errors.Is(err, net.ErrClosed) {
		return aws.TrueTernary
	}
	return aws.FalseTernary
}

// noBackoff retries at once: the connection is gone, a new one is dialled.
type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

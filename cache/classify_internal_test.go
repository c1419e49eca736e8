package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// redisErr makes a server reply as go-redis returns it (proto.RedisError).
func redisErr(t *testing.T, msg string) error {
	t.Helper()
	// go-redis parses "-MSG\r\n" into proto.RedisError; ErrCrossSlot is one.
	var rerr redis.Error
	if !errors.As(redis.ErrCrossSlot, &rerr) {
		t.Fatal("redis.ErrCrossSlot is not a redis.Error")
	}
	return replyErr(msg)
}

// replyErr is a stand-in for proto.RedisError: a redis.Error with a message.
type replyErr string

func (e replyErr) Error() string { return string(e) }
func (replyErr) RedisError()     {}

func TestClassify(t *testing.T) {
	ctx := context.Background()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	cases := []struct {
		err  error
		want route.Class
	}{
		{redisErr(t, "READONLY You can't write against a read only replica."), route.WriterMoved},
		{&ReadOnlyError{Region: "us-east-1", Err: redisErr(t, "READONLY x")}, route.WriterMoved},
		{fmt.Errorf("wrapped: %w", &ReadOnlyError{Region: "us-east-1"}), route.WriterMoved},
		{redisErr(t, "LOADING Redis is loading the dataset in memory"), route.NotApplied},
		{redisErr(t, "BUSY Redis is busy running a script."), route.NotApplied},
		{redisErr(t, "TRYAGAIN Multiple keys request during rehashing of slot"), route.NotApplied},
		{redisErr(t, "CLUSTERDOWN The cluster is down"), route.NotApplied},
		{redisErr(t, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), route.NotApplied},
		{redisErr(t, "WRONGTYPE Operation against a key holding the wrong kind of value"), route.Caller},
		{redisErr(t, "ERR syntax error"), route.Caller},
		{redisErr(t, "NOAUTH Authentication required."), route.Caller},
		{&InputError{Op: "cache.Get", Arg: "key", Reason: "empty key"}, route.Caller},
		{refused, route.NotApplied},
		{syscall.ECONNREFUSED, route.NotApplied},
		{redis.ErrClosed, route.NotApplied},
		{redis.ErrPoolTimeout, route.Throttled},
		{&multiregion.RegionError{Region: "us-east-1", Op: "connect", Err: errors.New("x")}, route.NotApplied},
		{reset, route.Unknown},
		{timeout, route.Unknown},
		{context.DeadlineExceeded, route.Unknown},
		{errors.New("EOF-ish"), route.Unknown},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, classify(ctx, c.err), "%v", c.err)
	}
}

func TestParseReplInfo(t *testing.T) {
	ri, ok := parseReplInfo("# Replication\r\nrole:slave\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n" +
		"master_link_down_since_seconds:7\r\nslave_repl_offset:120\r\nmaster_repl_offset:130\r\n")
	assert.True(t, ok)
	assert.Equal(t, replInfo{role: "slave", offset: 120, linkUp: false, lastIO: 0, downSince: 7e9}, ri)
	ri, ok = parseReplInfo("role:master\nmaster_repl_offset:99\n")
	assert.True(t, ok)
	assert.Equal(t, int64(99), ri.offset)
	_, ok = parseReplInfo("garbage")
	assert.False(t, ok)
}

package cache

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// classifier sorts go-redis errors into the call loop's classes.
var classifier = route.ClassifierFunc(classify)

// classify sorts the error of one attempt in one region. The loop has
// told the caller's cancellation and the attempt timeout apart already.
//
//   - READONLY: the region is a replica now: route.WriterMoved (refresh,
//     retry once on the new primary).
//   - LOADING, BUSY, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, max clients: the
//     server refused before running the command: route.NotApplied, and the
//     region counts as unhealthy for this store.
//   - a pool timeout: no connection free: route.Throttled.
//   - connection refused, a failed dial, a closed client: nothing was
//     sent: route.NotApplied.
//   - any other server reply (WRONGTYPE, a syntax error, NOAUTH): the
//     caller's: route.Caller.
//   - timeouts, resets, EOF: the command may have run: route.Unknown.
func classify(_ context.Context, err error) route.Class {
	var ro *ReadOnlyError
	var in *InputError
	var me *singlewriter.MemberError
	var rerr redis.Error
	var op *net.OpError
	var re *multiregion.RegionError
	switch {
	case errors.As(err, &ro), redis.IsReadOnlyError(err):
		return route.WriterMoved
	case errors.As(err, &in), errors.As(err, &me):
		return route.Caller
	case redis.IsLoadingError(err), redis.IsTryAgainError(err), redis.IsClusterDownError(err),
		redis.IsMasterDownError(err), redis.IsMaxClientsError(err), redis.HasErrorPrefix(err, "BUSY"):
		return route.NotApplied
	case errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted):
		return route.Throttled
	case errors.As(err, &rerr):
		return route.Caller
	case errors.Is(err, redis.ErrClosed), errors.Is(err, syscall.ECONNREFUSED):
		return route.NotApplied
	case errors.As(err, &op) && op.Op == "dial":
		return route.NotApplied
	case errors.As(err, &re): // the kit could not build the region's client
		return route.NotApplied
	}
	return route.Unknown
}

// final shapes the errors that end a call without a regional failure: the
// caller's own (a server reply such as WRONGTYPE, bad input) as they are,
// others as a *multiregion.RegionError.
func final(op string, r multiregion.Region, c route.Class, err error) error {
	if c == route.Caller {
		return err
	}
	return &multiregion.RegionError{Region: r, Op: op, Err: err}
}

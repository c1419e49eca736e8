package cache

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
)

// readOnlyHook turns a READONLY reply into a *ReadOnlyError and starts a
// topology refresh, for routed calls and for the raw clients of Writer and
// Reader alike.
type readOnlyHook struct {
	s      *Store
	region multiregion.Region
}

func (h *readOnlyHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *readOnlyHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err != nil && redis.IsReadOnlyError(err) {
			err = h.wrap(cmd, err)
		}
		return err
	}
}

func (h *readOnlyHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if e := c.Err(); e != nil && redis.IsReadOnlyError(e) {
				w := h.wrap(c, e)
				if err == e {
					err = w
				}
			}
		}
		return err
	}
}

func (h *readOnlyHook) wrap(cmd redis.Cmder, err error) error {
	var ro *ReadOnlyError
	if errors.As(err, &ro) {
		return err
	}
	w := &ReadOnlyError{Region: h.region, Err: err}
	cmd.SetErr(w)
	h.s.refreshAsync()
	return w
}

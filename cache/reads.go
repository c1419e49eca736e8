package cache

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
)

// Get returns the value of key from the nearest reader, and the region
// that served it. A missing key is an error matching ErrNotFound (and
// redis.Nil), not a failure of the region.
func (s *Store) Get(ctx context.Context, key string) (string, multiregion.Region, error) {
	return s.root.Get(ctx, key)
}

// Get is Store.Get in the handle's region.
func (h *Scoped) Get(ctx context.Context, key string) (string, multiregion.Region, error) {
	const op = "cache.Get"
	if err := checkCall(op, ctx, key); err != nil {
		return "", "", err
	}
	if h.pin != "" || !h.s.rt.Hedged(h.ro.Hedge) {
		// Unhedged: one attempt at a time, so the result can be written
		// from the closure (the cheaper path: no value plumbing).
		return h.readString(ctx, op, func(ctx context.Context, c redis.UniversalClient) *redis.StringCmd { return c.Get(ctx, key) })
	}
	type got struct {
		v     string
		found bool
	}
	g, r, err := readValue(ctx, h, op, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) (got, error) {
		v, err := c.Get(ctx, key).Result()
		if err == redis.Nil {
			return got{}, nil
		}
		return got{v: v, found: err == nil}, err
	})
	if err == nil && !g.found {
		return "", r, ErrNotFound
	}
	return g.v, r, err
}

// MGet returns the values of keys (nil for a missing key) from the nearest
// reader. In cluster mode every key must hash to one slot.
func (s *Store) MGet(ctx context.Context, keys ...string) ([]any, multiregion.Region, error) {
	return s.root.MGet(ctx, keys...)
}

// MGet is Store.MGet in the handle's region.
func (h *Scoped) MGet(ctx context.Context, keys ...string) ([]any, multiregion.Region, error) {
	const op = "cache.MGet"
	if err := checkCtx(op, ctx); err != nil {
		return nil, "", err
	}
	if len(keys) == 0 {
		return nil, "", &InputError{Op: op, Arg: "keys", Reason: "no keys"}
	}
	for _, k := range keys {
		if err := checkKey(op, k); err != nil {
			return nil, "", err
		}
	}
	var vals []any
	r, err := h.read(ctx, op, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		vals, err = c.MGet(ctx, keys...).Result()
		return err
	})
	return vals, r, err
}

// HGet returns field of the hash at key from the nearest reader; a missing
// key or field matches ErrNotFound.
func (s *Store) HGet(ctx context.Context, key, field string) (string, multiregion.Region, error) {
	return s.root.HGet(ctx, key, field)
}

// HGet is Store.HGet in the handle's region.
func (h *Scoped) HGet(ctx context.Context, key, field string) (string, multiregion.Region, error) {
	const op = "cache.HGet"
	if err := checkCall(op, ctx, key); err != nil {
		return "", "", err
	}
	return h.readString(ctx, op, func(ctx context.Context, c redis.UniversalClient) *redis.StringCmd { return c.HGet(ctx, key, field) })
}

// readString runs a read whose answer is a string or nil (GET, HGET),
// unhedged: a nil answer is ErrNotFound.
func (h *Scoped) readString(ctx context.Context, op string, cmd func(context.Context, redis.UniversalClient) *redis.StringCmd) (string, multiregion.Region, error) {
	var v string
	var found bool
	r, err := h.read(ctx, op, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		v, err = cmd(ctx, c).Result()
		found = err == nil
		if err == redis.Nil {
			return nil
		}
		return err
	})
	if err == nil && !found {
		return "", r, ErrNotFound
	}
	return v, r, err
}

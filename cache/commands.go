package cache

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Scoped is a Store restricted to one region (Store.In). It is safe for
// concurrent use and cheap: make one per call if that reads better.
type Scoped struct {
	s   *Store
	pin multiregion.Region       // "" on the Store's own handle: routed
	ro  multiregion.ResolvedRead // read options of WithRead
}

// Region returns the region the handle is pinned to.
func (h *Scoped) Region() multiregion.Region { return h.pin }

func checkKey(op, key string) error {
	if key == "" {
		return &InputError{Op: op, Arg: "key", Reason: "empty key"}
	}
	return nil
}

func checkCall(op string, ctx context.Context, key string) error {
	if err := checkCtx(op, ctx); err != nil {
		return err
	}
	return checkKey(op, key)
}

// Set sets key to value on the primary, expiring after ttl (0: never). An
// idempotent write: after an unknown outcome it may be sent again.
func (s *Store) Set(ctx context.Context, key string, value any, ttl time.Duration) error {
	return s.root.Set(ctx, key, value, ttl)
}

// Set is Store.Set; outside the primary region it is a
// *multiregion.WriteRegionError before any network traffic.
func (h *Scoped) Set(ctx context.Context, key string, value any, ttl time.Duration) error {
	const op = "cache.Set"
	if err := checkValue(op, ctx, key, value, ttl); err != nil {
		return err
	}
	_, err := h.write(ctx, op, route.IdempotentWrite, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		return c.Set(ctx, key, value, ttl).Err()
	})
	return err
}

func checkValue(op string, ctx context.Context, key string, value any, ttl time.Duration) error {
	if err := checkCall(op, ctx, key); err != nil {
		return err
	}
	if value == nil {
		return &InputError{Op: op, Arg: "value", Reason: "nil value"}
	}
	if ttl < 0 {
		return &InputError{Op: op, Arg: "ttl", Reason: "negative TTL"}
	}
	return nil
}

// SetNX sets key to value on the primary only if it does not exist, and
// reports whether it did. Not idempotent: after an unknown outcome it is
// never sent again (a *multiregion.RegionError with OutcomeUnknown).
func (s *Store) SetNX(ctx context.Context, key string, value any, ttl time.Duration) (bool, error) {
	return s.root.SetNX(ctx, key, value, ttl)
}

// SetNX is Store.SetNX in the handle's region.
func (h *Scoped) SetNX(ctx context.Context, key string, value any, ttl time.Duration) (bool, error) {
	const op = "cache.SetNX"
	if err := checkValue(op, ctx, key, value, ttl); err != nil {
		return false, err
	}
	var ok bool
	_, err := h.write(ctx, op, route.Write, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		ok, err = c.SetNX(ctx, key, value, ttl).Result()
		return err
	})
	return ok, err
}

// Del deletes keys on the primary and returns how many existed.
// Idempotent.
func (s *Store) Del(ctx context.Context, keys ...string) (int64, error) {
	return s.root.Del(ctx, keys...)
}

// Del is Store.Del in the handle's region.
func (h *Scoped) Del(ctx context.Context, keys ...string) (int64, error) {
	const op = "cache.Del"
	if err := checkCtx(op, ctx); err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return 0, &InputError{Op: op, Arg: "keys", Reason: "no keys"}
	}
	for _, k := range keys {
		if err := checkKey(op, k); err != nil {
			return 0, err
		}
	}
	var n int64
	_, err := h.write(ctx, op, route.IdempotentWrite, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		n, err = c.Del(ctx, keys...).Result()
		return err
	})
	return n, err
}

// Incr increments key on the primary and returns the new value. Not
// idempotent: never replayed after an unknown outcome.
func (s *Store) Incr(ctx context.Context, key string) (int64, error) {
	return s.root.IncrBy(ctx, key, 1)
}

// Incr is Store.Incr in the handle's region.
func (h *Scoped) Incr(ctx context.Context, key string) (int64, error) { return h.IncrBy(ctx, key, 1) }

// IncrBy adds n to key on the primary and returns the new value. Not
// idempotent.
func (s *Store) IncrBy(ctx context.Context, key string, n int64) (int64, error) {
	return s.root.IncrBy(ctx, key, n)
}

// IncrBy is Store.IncrBy in the handle's region.
func (h *Scoped) IncrBy(ctx context.Context, key string, n int64) (int64, error) {
	op := "cache.IncrBy"
	if n == 1 {
		op = "cache.Incr"
	}
	if err := checkCall(op, ctx, key); err != nil {
		return 0, err
	}
	var v int64
	_, err := h.write(ctx, op, route.Write, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		v, err = c.IncrBy(ctx, key, n).Result()
		return err
	})
	return v, err
}

// Expire sets a TTL on key on the primary and reports whether key exists.
// Idempotent.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.root.Expire(ctx, key, ttl)
}

// Expire is Store.Expire in the handle's region.
func (h *Scoped) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	const op = "cache.Expire"
	if err := checkCall(op, ctx, key); err != nil {
		return false, err
	}
	if ttl <= 0 {
		return false, &InputError{Op: op, Arg: "ttl", Reason: "TTL must be positive (use Del to delete)"}
	}
	var ok bool
	_, err := h.write(ctx, op, route.IdempotentWrite, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		ok, err = c.Expire(ctx, key, ttl).Result()
		return err
	})
	return ok, err
}

// HSet sets fields of the hash at key on the primary (field, value pairs,
// a map or a struct, as go-redis's HSet) and returns how many were added.
// Idempotent.
func (s *Store) HSet(ctx context.Context, key string, values ...any) (int64, error) {
	return s.root.HSet(ctx, key, values...)
}

// HSet is Store.HSet in the handle's region.
func (h *Scoped) HSet(ctx context.Context, key string, values ...any) (int64, error) {
	const op = "cache.HSet"
	if err := checkCall(op, ctx, key); err != nil {
		return 0, err
	}
	if len(values) == 0 {
		return 0, &InputError{Op: op, Arg: "values", Reason: "no fields"}
	}
	for _, v := range values {
		if v == nil {
			return 0, &InputError{Op: op, Arg: "values", Reason: "nil value"}
		}
	}
	var n int64
	_, err := h.write(ctx, op, route.IdempotentWrite, func(ctx context.Context, _ multiregion.Region, c redis.UniversalClient) error {
		var err error
		n, err = c.HSet(ctx, key, values...).Result()
		return err
	})
	return n, err
}

// Pipelined queues commands with fn and sends them in one round trip: to
// the nearest reader when every queued command is read-only (see
// ReadOnlyCommand), else to the primary (as a non-idempotent write: never
// replayed after an unknown outcome). It returns the commands and, as
// go-redis's Pipelined, the first command error (redis.Nil for a missing
// key included), and the region that ran them.
func (s *Store) Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, multiregion.Region, error) {
	return s.root.Pipelined(ctx, fn)
}

// Pipelined is Store.Pipelined in the handle's region: a write pipeline
// outside the primary region is a *multiregion.WriteRegionError.
func (h *Scoped) Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, multiregion.Region, error) {
	const op = "cache.Pipelined"
	if err := checkCtx(op, ctx); err != nil {
		return nil, "", err
	}
	if fn == nil {
		return nil, "", &InputError{Op: op, Arg: "fn", Reason: "nil function"}
	}
	s := h.s
	if err := s.err(); err != nil {
		return nil, "", err
	}
	// Queue on a pipeline of any built client: queuing does no I/O.
	qc, err := s.kit.Client(ctx, s.kit.Topology().Writer)
	if err != nil {
		return nil, "", s.closedAs(err)
	}
	p := qc.Pipeline()
	if err := fn(p); err != nil {
		return nil, "", err
	}
	cmds := p.Cmds()
	if len(cmds) == 0 {
		return nil, "", nil
	}
	readOnly := true
	for _, c := range cmds {
		if !ReadOnlyCommand(c.Name()) {
			readOnly = false
			break
		}
	}
	var first error
	run := func(ctx context.Context, r multiregion.Region, c redis.UniversalClient) error {
		pp := c.Pipeline()
		for _, cmd := range cmds {
			_ = pp.Process(ctx, cmd)
		}
		_, err := pp.Exec(ctx)
		first = err
		return pipelineOutcome(cmds, err)
	}
	var r multiregion.Region
	if readOnly {
		r, err = h.read(ctx, op, run)
	} else {
		r, err = h.write(ctx, op, route.Write, run)
	}
	if err != nil {
		return cmds, r, err
	}
	return cmds, r, first
}

// pipelineOutcome is the routing outcome of a pipeline: the first error
// that says something of the region (READONLY, a connection failure, a
// LOADING server); command errors that are the caller's (WRONGTYPE,
// redis.Nil) leave the call a success for routing.
func pipelineOutcome(cmds []redis.Cmder, err error) error {
	if err == nil {
		return nil
	}
	for _, c := range cmds {
		e := c.Err()
		if e == nil || errors.Is(e, redis.Nil) {
			continue
		}
		if classify(context.Background(), e) != route.Caller {
			return e
		}
	}
	if classify(context.Background(), err) != route.Caller && !errors.Is(err, redis.Nil) {
		return err
	}
	return nil
}

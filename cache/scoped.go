package cache

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// In returns a handle whose calls all go to region r: reads there only
// (within MaxLag), writes there only if r is the primary region, else a
// *multiregion.WriteRegionError before any network traffic.
func (s *Store) In(r multiregion.Region) *Scoped { return &Scoped{s: s, pin: r} }

// WithRead returns a handle whose reads follow o: a tighter MaxLag, regions
// excluded, a preferred region, hedging of Get on or off (see
// multiregion.ReadOptions). Writes are unchanged. Bad options are an
// *multiregion.OptionError, before any network traffic. With
// Options.ReadYourWrites, a read inside a write's window goes where the
// write is visible, whatever o says.
func (s *Store) WithRead(o multiregion.ReadOptions) (*Scoped, error) { return s.root.WithRead(o) }

// WithRead is Store.WithRead on this handle (its pin stays).
func (h *Scoped) WithRead(o multiregion.ReadOptions) (*Scoped, error) {
	ro, err := o.Resolve(h.s.store)
	if err != nil {
		return nil, err
	}
	return &Scoped{s: h.s, pin: h.pin, ro: ro}, nil
}

// read runs fn on the nearest reader (or the pinned region).
func (h *Scoped) read(ctx context.Context, op string, fn singlewriter.AttemptFunc[redis.UniversalClient]) (multiregion.Region, error) {
	s := h.s
	if err := s.err(); err != nil {
		return "", err
	}
	var r multiregion.Region
	var err error
	if s.ryw != nil && h.pin == "" {
		r, err = s.rywRead(ctx, op, s.attempt(fn))
	} else {
		r, err = s.rt.ReadWith(ctx, op, h.pin, h.ro, s.attempt(fn))
	}
	return r, s.closedAs(err)
}

// write runs fn on the primary.
func (h *Scoped) write(ctx context.Context, op string, kind route.Kind, fn singlewriter.AttemptFunc[redis.UniversalClient]) (multiregion.Region, error) {
	s := h.s
	if err := s.err(); err != nil {
		return "", err
	}
	r, err := s.rt.Write(ctx, op, kind, h.pin, s.attempt(fn))
	if s.ryw != nil && err == nil {
		s.ryw.wrote(r, time.Now())
	}
	return r, s.closedAs(err)
}

// attempt bounds one attempt with Options.AttemptTimeout.
func (s *Store) attempt(fn singlewriter.AttemptFunc[redis.UniversalClient]) singlewriter.AttemptFunc[redis.UniversalClient] {
	d := s.opts.AttemptTimeout
	if d <= 0 {
		return fn
	}
	return func(ctx context.Context, r multiregion.Region, c redis.UniversalClient) error {
		ctx, cancel := context.WithTimeoutCause(ctx, d, route.ErrAttemptTimeout)
		defer cancel()
		return fn(ctx, r, c)
	}
}

// readValue is read for a point read that may be hedged (Options.Hedge,
// ReadOptions.Hedge): fn returns its result instead of writing it, since
// two attempts may run at once. Read-your-writes reads are not hedged.
func readValue[T any](ctx context.Context, h *Scoped, op string, fn func(ctx context.Context, r multiregion.Region, c redis.UniversalClient) (T, error)) (T, multiregion.Region, error) {
	s := h.s
	if err := s.err(); err != nil {
		var zero T
		return zero, "", err
	}
	if s.ryw != nil && h.pin == "" {
		var out T
		r, err := s.rywRead(ctx, op, s.attempt(func(ctx context.Context, r multiregion.Region, c redis.UniversalClient) error {
			v, err := fn(ctx, r, c)
			out = v
			return err
		}))
		return out, r, s.closedAs(err)
	}
	v, r, err := singlewriter.ReadValue(ctx, s.rt, op, h.pin, h.ro, func(ctx context.Context, r multiregion.Region, c redis.UniversalClient) (T, error) {
		if d := s.opts.AttemptTimeout; d > 0 { // as Store.attempt, without a closure more per call
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, d, route.ErrAttemptTimeout)
			defer cancel()
		}
		return fn(ctx, r, c)
	})
	return v, r, s.closedAs(err)
}

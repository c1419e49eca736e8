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
		r, err = s.rt.Read(ctx, op, h.pin, s.attempt(fn))
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

package singlewriter

import (
	"context"
	"time"

	"github.com/regionkit/multiregion"
)

// PingProber is the store's Prober of an adapter: it times ping on the
// region's data-plane client (built by Client if need be; the time to
// connect is not counted). An error of Client or of ping is the probe's
// failure. Safe for concurrent use if ping is.
func PingProber[C any](k *Kit[C], ping func(ctx context.Context, c C) error) multiregion.Prober {
	return multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		c, err := k.Client(ctx, r)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		if err := ping(ctx, c); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	})
}

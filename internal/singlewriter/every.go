package singlewriter

import (
	"context"
	"time"
)

// RunEvery is an adapter's background measuring loop: it runs round at
// once, then again interval after each round ends, and at once whenever
// wake receives (a nil wake never does), until ctx ends or done closes
// (the Client's Done). Rounds never overlap: the next one is timed from
// the end of the last, so that a slow round is not followed by a burst.
func RunEvery(ctx context.Context, done <-chan struct{}, interval time.Duration, wake <-chan struct{}, round func(context.Context)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		case <-t.C:
		}
		round(ctx)
		t.Reset(interval)
	}
}

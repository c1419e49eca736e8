package singlewriter

import (
	"context"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
)

// LagReadings holds each replica's last replication lag as an adapter's
// background loop measures it every interval. A reading older than three
// intervals (plus a second) is stale: the loop has stopped reaching that
// server, so its lag is unknown again rather than the last good figure.
// Safe for concurrent use; make one with NewLagReadings.
type LagReadings struct {
	interval time.Duration
	mu       sync.Mutex
	m        map[multiregion.Region]lagReading
}

type lagReading struct {
	lag time.Duration
	at  time.Time
}

// NewLagReadings returns empty readings for a loop that measures every
// interval.
func NewLagReadings(interval time.Duration) *LagReadings {
	return &LagReadings{interval: interval, m: map[multiregion.Region]lagReading{}}
}

// Get returns r's last lag if it was measured within three intervals (and
// a second) of now.
func (l *LagReadings) Get(r multiregion.Region, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rd, ok := l.m[r]
	if !ok || now.Sub(rd.at) > 3*l.interval+time.Second {
		return 0, false
	}
	return rd.lag, true
}

// Current is Get at time.Now(): the shape of Router.SetLiveLag.
func (l *LagReadings) Current(r multiregion.Region) (time.Duration, bool) {
	return l.Get(r, time.Now())
}

// Set records r's lag measured at now; a negative lag (clock steps) counts
// as 0, since Member.Lag is never negative.
func (l *LagReadings) Set(r multiregion.Region, lag time.Duration, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[r] = lagReading{lag: max(lag, 0), at: now}
}

// Forget drops r's reading: its lag is unknown until the next Set.
func (l *LagReadings) Forget(r multiregion.Region) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, r)
}

// MeasuredLag returns a Source that loads src's topology and sets, on each
// replica with a fresh reading, Lag to that reading (LagKnown true), so
// that the kit's Readers leave out replicas over MaxLag. Replicas without a
// fresh reading keep what src said; the writer is left as it is.
func MeasuredLag(src Source, readings *LagReadings) Source {
	return measuredLag{src: src, readings: readings}
}

type measuredLag struct {
	src      Source
	readings *LagReadings
}

func (s measuredLag) LoadTopology(ctx context.Context) (Topology, error) {
	t, err := s.src.LoadTopology(ctx)
	if err != nil {
		return t, err
	}
	now := time.Now()
	for i := range t.Members {
		m := &t.Members[i]
		if m.Role == RoleWriter {
			continue
		}
		if d, ok := s.readings.Get(m.Region, now); ok {
			m.Lag, m.LagKnown = d, true
		}
	}
	return t, nil
}

package multiregion

import (
	"context"
	"time"
)

// Tracers observe the Client, in the style of pgx's tracers: small typed
// Start/End interfaces, each in its own Options field (ProbeTracer,
// HealthTracer), so that a value missing a method does not compile instead
// of never firing. They are called from the probe goroutines and from the
// stores' Observe, so they must be safe for concurrent use and must not
// block.

// ProbeTracer is called around every active probe.
type ProbeTracer interface {
	TraceProbeStart(ctx context.Context, data TraceProbeStartData) context.Context
	TraceProbeEnd(ctx context.Context, data TraceProbeEndData)
}

// TraceProbeStartData is passed to TraceProbeStart.
type TraceProbeStartData struct {
	Store  string // the store whose probe this is; "" for the network view
	Region Region
}

// TraceProbeEndData is passed to TraceProbeEnd.
type TraceProbeEndData struct {
	Store  string // the store whose probe this is; "" for the network view
	Region Region
	RTT    time.Duration
	Err    error
}

// HealthTracer is called when a region is ejected or readmitted.
type HealthTracer interface {
	TraceHealthChange(data TraceHealthChangeData)
}

// TraceHealthChangeData is passed to TraceHealthChange.
type TraceHealthChangeData struct {
	Store   string // the store whose view changed; "" for the network view
	Region  Region
	Healthy bool
	// Err is the failure that ejected the region (nil on readmission).
	Err error
	At  time.Time
}

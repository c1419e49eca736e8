package multiregion

import (
	"context"
	"time"
)

// Tracer observes the Client, in the style of pgx's tracers: implement the
// interfaces you care about (ProbeTracer, HealthTracer) on one value and put
// it in Options.Tracer. Tracers are called from the probe goroutines and from
// Observe, so they must be safe for concurrent use and must not block.
type Tracer interface{}

// ProbeTracer is called around every active probe.
type ProbeTracer interface {
	TraceProbeStart(ctx context.Context, data TraceProbeStartData) context.Context
	TraceProbeEnd(ctx context.Context, data TraceProbeEndData)
}

// TraceProbeStartData is passed to TraceProbeStart.
type TraceProbeStartData struct {
	Region Region
}

// TraceProbeEndData is passed to TraceProbeEnd.
type TraceProbeEndData struct {
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
	Region  Region
	Healthy bool
	// Err is the failure that ejected the region (nil on readmission).
	Err error
	At  time.Time
}

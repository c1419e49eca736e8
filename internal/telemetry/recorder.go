package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every meter and tracer.
const ScopeName = "github.com/regionkit/multiregion"

// Attribute keys, shared by metrics and spans.
const (
	KeyStore    = attribute.Key("multiregion.store")
	KeyRegion   = attribute.Key("multiregion.region")
	KeyOutcome  = attribute.Key("multiregion.outcome")
	KeyOp       = attribute.Key("multiregion.op")
	KeyFrom     = attribute.Key("multiregion.from")
	KeyTo       = attribute.Key("multiregion.to")
	KeyHealthy  = attribute.Key("multiregion.healthy")
	KeyAttempts = attribute.Key("multiregion.attempts")
	KeyTried    = attribute.Key("multiregion.regions_tried")
)

// OutcomeOK is the outcome of a call or attempt that succeeded; failures
// carry their class ("unknown", "throttled", ...).
const OutcomeOK = "ok"

// Recorder holds the instruments. A nil *Recorder records nothing. Safe for
// concurrent use.
type Recorder struct {
	tracer        trace.Tracer // nil: no spans
	meter         metric.Meter // nil: no metrics
	calls         metric.Int64Counter
	callDuration  metric.Float64Histogram
	attempts      metric.Int64Counter
	failovers     metric.Int64Counter
	hedges        metric.Int64Counter
	healthChanges metric.Int64Counter
	refreshes     metric.Int64Counter
	writerMoves   metric.Int64Counter
	conflicts     metric.Int64Counter
	attrs         attrCache // store, region, outcome: the call path's sets
}

// New returns a Recorder on the given providers, or nil when both are nil.
// Creating an instrument fails only on an invalid name, which these are
// not; the OTel API then still returns a usable no-op instrument.
func New(mp metric.MeterProvider, tp trace.TracerProvider) *Recorder {
	if mp == nil && tp == nil {
		return nil
	}
	r := &Recorder{}
	if tp != nil {
		r.tracer = tp.Tracer(ScopeName)
	}
	if mp != nil {
		m := mp.Meter(ScopeName)
		r.meter = m
		r.calls, _ = m.Int64Counter("multiregion.calls", metric.WithUnit("{call}"),
			metric.WithDescription("Routed calls, by the region that ended them and their outcome."))
		r.callDuration, _ = m.Float64Histogram("multiregion.call.duration", metric.WithUnit("s"),
			metric.WithDescription("Duration of routed calls, failovers included."),
			metric.WithExplicitBucketBoundaries(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
		r.attempts, _ = m.Int64Counter("multiregion.attempts", metric.WithUnit("{attempt}"),
			metric.WithDescription("Attempts of routed calls per region, by outcome (ok or the error class)."))
		r.failovers, _ = m.Int64Counter("multiregion.failovers", metric.WithUnit("{failover}"),
			metric.WithDescription("Calls moved from one region to the next after a regional failure."))
		r.hedges, _ = m.Int64Counter("multiregion.hedges", metric.WithUnit("{hedge}"),
			metric.WithDescription("Hedged attempts: reads also sent to the next-ranked region after the hedge delay."))
		r.healthChanges, _ = m.Int64Counter("multiregion.health.changes", metric.WithUnit("{change}"),
			metric.WithDescription("Regions ejected (healthy=false) or readmitted (healthy=true)."))
		r.refreshes, _ = m.Int64Counter("multiregion.topology.refreshes", metric.WithUnit("{refresh}"),
			metric.WithDescription("Topology refreshes of single-writer stores, by outcome."))
		r.writerMoves, _ = m.Int64Counter("multiregion.writer.moves", metric.WithUnit("{move}"),
			metric.WithDescription("Writer changes seen by single-writer stores."))
		r.conflicts, _ = m.Int64Counter("multiregion.conflicts", metric.WithUnit("{conflict}"),
			metric.WithDescription("Last-writer-wins losses surfaced."))
	}
	return r
}

// Meter is the meter for observable instruments, or nil.
func (r *Recorder) Meter() metric.Meter {
	if r == nil {
		return nil
	}
	return r.meter
}

// Call is one routed call being recorded. A nil *Call records nothing.
type Call struct {
	r     *Recorder
	store string
	start time.Time
	span  trace.Span
	tried []string
	last  string // the outcome of the last attempt
}

// LastOutcome is the outcome of the call's last attempt, "" before any.
func (c *Call) LastOutcome() string {
	if c == nil {
		return ""
	}
	return c.last
}

// StartCall begins recording a routed call: a client span named op when
// tracing is on. It returns the context to run the call in.
func (r *Recorder) StartCall(ctx context.Context, store, op string) (context.Context, *Call) {
	if r == nil {
		return ctx, nil
	}
	c := &Call{r: r, store: store, start: time.Now()}
	if r.tracer != nil {
		ctx, c.span = r.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(KeyStore.String(store), KeyOp.String(op)))
	}
	return ctx, c
}

// Attempt records one attempt in region with its outcome.
func (c *Call) Attempt(ctx context.Context, region, outcome string) {
	if c == nil {
		return
	}
	c.tried = append(c.tried, region)
	c.last = outcome
	if c.r.attempts != nil {
		c.r.attempts.Add(ctx, 1, c.r.attrs.get(attrKey{c.store, region, outcome}))
	}
}

// Failover records the call moving from one region to the next.
func (c *Call) Failover(ctx context.Context, from, to, class string) {
	if c == nil {
		return
	}
	if c.r.failovers != nil {
		c.r.failovers.Add(ctx, 1, metric.WithAttributes(KeyStore.String(c.store), KeyFrom.String(from), KeyTo.String(to)))
	}
	if c.span != nil {
		c.span.AddEvent("failover", trace.WithAttributes(KeyFrom.String(from), KeyTo.String(to), KeyOutcome.String(class)))
	}
}

// Hedge records a hedged attempt in to while the first one in from runs.
func (c *Call) Hedge(ctx context.Context, from, to string) {
	if c == nil {
		return
	}
	if c.r.hedges != nil {
		c.r.hedges.Add(ctx, 1, metric.WithAttributes(KeyStore.String(c.store), KeyFrom.String(from), KeyTo.String(to)))
	}
	if c.span != nil {
		c.span.AddEvent("hedge", trace.WithAttributes(KeyFrom.String(from), KeyTo.String(to)))
	}
}

// End records the call's end: the region whose attempt ended it ("" when
// none ran), its outcome, and err (already free of secrets: the SDK's
// errors never carry them).
func (c *Call) End(ctx context.Context, region, outcome string, err error) {
	if c == nil {
		return
	}
	if c.r.calls != nil {
		attrs := c.r.attrs.get(attrKey{c.store, region, outcome})
		c.r.calls.Add(ctx, 1, attrs)
		c.r.callDuration.Record(ctx, time.Since(c.start).Seconds(), attrs)
	}
	if c.span == nil {
		return
	}
	c.span.SetAttributes(KeyRegion.String(region), KeyAttempts.Int(len(c.tried)), KeyTried.StringSlice(c.tried), KeyOutcome.String(outcome))
	if err != nil {
		c.span.RecordError(err)
		c.span.SetStatus(codes.Error, outcome)
	}
	c.span.End()
}

// HealthChange records a region ejected or readmitted by store ("" is the
// network view).
func (r *Recorder) HealthChange(store, region string, healthy bool) {
	if r == nil || r.healthChanges == nil {
		return
	}
	r.healthChanges.Add(context.Background(), 1, metric.WithAttributes(KeyStore.String(storeName(store)), KeyRegion.String(region), KeyHealthy.Bool(healthy)))
}

// Refresh records a topology refresh of store and its outcome ("ok" or
// "error").
func (r *Recorder) Refresh(store string, err error) {
	if r == nil || r.refreshes == nil {
		return
	}
	outcome := OutcomeOK
	if err != nil {
		outcome = "error"
	}
	r.refreshes.Add(context.Background(), 1, metric.WithAttributes(KeyStore.String(store), KeyOutcome.String(outcome)))
}

// WriterMoved records store's writer moving to region to.
func (r *Recorder) WriterMoved(store, to string) {
	if r == nil || r.writerMoves == nil {
		return
	}
	r.writerMoves.Add(context.Background(), 1, metric.WithAttributes(KeyStore.String(store), KeyTo.String(to)))
}

// Conflicts records n last-writer-wins losses surfaced by store in region.
func (r *Recorder) Conflicts(store, region string, n int) {
	if r == nil || r.conflicts == nil || n <= 0 {
		return
	}
	r.conflicts.Add(context.Background(), int64(n), metric.WithAttributes(KeyStore.String(store), KeyRegion.String(region)))
}

// NetworkStore is the store attribute of the Client's network view.
const NetworkStore = "network"

func storeName(s string) string {
	if s == "" {
		return NetworkStore
	}
	return s
}

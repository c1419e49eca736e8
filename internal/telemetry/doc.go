// Package telemetry records the SDK's OpenTelemetry metrics and spans.
//
// It is off unless the user gave multiregion.Options a MeterProvider or a
// TracerProvider: New then returns nil, and every method of a nil
// *Recorder returns at once, so a call pays one nil check (the routed-call
// benchmarks show no allocation for it). It knows nothing of the SDK's
// types (stores, regions and classes arrive as strings), so that the root
// package, the call loop, the single-writer kit and every adapter can use
// it without an import cycle.
//
// What it records, per store and region (the names are part of the SDK's
// documented surface; see the root package's doc "Telemetry"):
//
//	multiregion.calls               counter    store, region, outcome
//	multiregion.call.duration       histogram  store, region, outcome (s)
//	multiregion.attempts            counter    store, region, outcome
//	multiregion.failovers           counter    store, from, to
//	multiregion.hedges              counter    store, from, to
//	multiregion.health.changes      counter    store, region, healthy
//	multiregion.topology.refreshes  counter    store, outcome
//	multiregion.writer.moves        counter    store, to
//	multiregion.conflicts           counter    store, region
//	multiregion.region.latency      gauge      store, region (s, the EWMA)
//	multiregion.region.healthy      gauge      store, region (1 or 0)
//
// and one client span per routed call, named after its operation, with the
// region that ended it and the regions tried.
package telemetry

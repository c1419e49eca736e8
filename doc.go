// Package multiregion routes calls of a service that runs in several AWS
// regions to the nearest healthy region that may take them.
//
// One Client measures the round-trip time and the health of every region it
// is given with active probes (by default an HTTPS GET of the region's
// DynamoDB endpoint, which needs no credentials): its network view. Typed
// adapters for each multi-region datastore family (dynamo, aurora, s3mesh,
// cache, docdb) register a Store on it per datastore instance (one
// DynamoDB table, one Aurora cluster): the store's own routing state,
// with health and latency from its own calls and its own probe (a GetItem,
// SELECT 1, PING). They route every call through it to the nearest healthy
// region the store allows, and enforce their store's rules from the
// capability table (Capability, Validate): which regions take writes, how
// many regions a store may span, what conflicts look like.
//
// # Routing per store
//
// A store's failures eject a region for that store only: a Redis outage
// in us-east-1 does not move DynamoDB traffic, and DynamoDB's successes
// there do not readmit Redis. A region comes back for a store through the
// store's own probe or a successful call of the store. Until a store has
// fresh samples of its own in every healthy region (a store with a probe
// has them after its first probe round) it ranks by the network view, so
// that a query's full time is never compared with a probe's round trip.
// Status shows the network view and every store's view.
//
// # Quick start
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	if err != nil { ... }
//	mr, err := multiregion.New(ctx, cfg,
//		multiregion.WithRegions("us-east-1", "us-west-2", "eu-west-1"))
//	if err != nil { ... }
//	defer mr.Close()
//	_ = mr.Refresh(ctx) // rank regions now instead of at the first probe tick
//	region, err := mr.Nearest(ctx)
//	ddb := dynamodb.NewFromConfig(mr.Config(region))
//
// Against a local lab instead of AWS, set Options.Endpoints (or use
// multiregion.WithEndpoint) per region and service: Config applies the
// overrides to every AWS client built from it, and the default prober
// probes them. `go run ./examples/quickstart` does this with an in-process
// lab.
//
// # How a region is chosen
//
// Selection is a chain of small filters, as in the MongoDB driver's server
// selection: the regions the call may use (the adapter's rule, a
// RegionSet), then the ones healthy for the store, then the order of the
// store's current snapshot:
// regions whose last call succeeded before "suspect" ones whose last call
// failed, measured before unmeasured, nearest first by moving-average
// latency, with hysteresis, then preference order (Options.Regions) for
// ties. The snapshot is immutable and swapped atomically when a sample
// changes the order, so Pick takes no lock and allocates nothing.
//
//   - Latency: an EWMA with weight EWMAWeight (0.2) on each new sample, the
//     first taken whole. A single sample above twice the average is held
//     back as a likely spike; three in a row, or one below half the average,
//     are a level shift and restart the average. Passive samples of one
//     region are folded at most every ProbeInterval/10, so the average of a
//     busy region spans about as much time as that of an idle one.
//   - Hysteresis: the region holding a rank keeps it until another is faster
//     by more than SwitchMargin (5 %) and by more than three standard errors
//     of the difference of the two averages, so that neither near-equal
//     regions nor jitter make the pick flap.
//   - Health: a failure (probe or observed call) makes a region suspect at
//     once; FailureThreshold (3) consecutive failures eject it, and a
//     successful probe (or, for a store, a successful call) readmits it. Each further ejection in a streak waits
//     longer before readmission (ProbeInterval, doubling, up to MaxEjection).
//   - Gray failures: a region is also ejected when FailureRateThreshold
//     (10 %) of its last FailureRateWindow (100) outcomes failed, with at
//     least FailureRateMinCalls (20): a region failing one call in five
//     rarely fails three in a row. Its window outlives a readmission, so a
//     region still failing is ejected again at its next failure.
//   - Re-probing: a region that is ejected, whose latency just jumped, that
//     has fewer than 5 samples or that is the runner-up within 10 % of the
//     pick is probed every ProbeInterval/5, so that a recovery is seen
//     within a second instead of five.
//   - A canceled context is never a region failure.
//
// When no allowed region is healthy, Pick and Nearest return an error that
// matches ErrNoHealthyRegion: never a region the call may not use. The
// adapters' shared call loop returns the same *NoHealthyRegionError when
// it tried every allowed region and each failed, with every attempt's
// region and error: one shape for a caller to turn into a 503.
//
// # Hedged reads, staleness bounds, exclusion and preference
//
// Every adapter routes through one call loop, so these work the same in
// each:
//
//   - Hedge (dynamo.Options.Hedge, cache.Options.Hedge,
//     docdb.Options.Hedge): when the nearest region has not answered a
//     point read (dynamo Get, cache Get, docdb FindOne) after Hedge.After,
//     or after the 95th percentile of the store's recent reads, the same
//     read goes to the next-ranked region; the first answer wins and the
//     other attempt is cancelled, never counted as a region failure. A
//     budget (5 % of calls, burst 10) caps the extra requests. Writes are
//     never hedged: a hedged write in a multi-writer store would race
//     itself into a last-writer-wins conflict, and a single-writer store
//     has one region to write to. A call turns it on or off with
//     HedgeMode (dynamo.WithHedge, ReadOptions.Hedge).
//   - ReadOptions (cache.Store.WithRead, docdb.Cluster.WithRead) bound one
//     handle's reads of a single-writer store: MaxLag skips replicas
//     further behind than it (the writer always qualifies), Exclude leaves
//     regions out, Prefer tries one first. dynamo has ExcludeRegions and
//     PreferRegion per call. Excluding every region is an error before any
//     request. DynamoDB reports no per-replica lag to a client (its
//     ReplicationLatency metric is in CloudWatch), so dynamo has no
//     MaxLag; use a strongly consistent read in the region of the write
//     (read-your-writes) where staleness matters.
//
// # Draining a region
//
// A drain takes a region out of service on purpose, for every store of the
// Client at once: before maintenance, or to move traffic away from a
// region that looks healthy to probes but is not. Two sources drain, and
// a region is drained while either does:
//
//   - Client.Drain and Client.Undrain (source DrainOperator, "operator").
//   - Route 53 Application Recovery Controller routing controls
//     (Options.RoutingControls, source DrainRoutingControl, "arc"): a
//     background poller reads each region's control with
//     GetRoutingControlState every RoutingControlInterval (5 s), trying the
//     cluster's regional endpoints (Options.RoutingControlEndpoints) in turn
//     from the one that last answered, as AWS advises. Off drains the region,
//     On lifts that drain; each adapter honours a flip at the next poll. If
//     no endpoint answers, the last states read stay (fail static): an ARC
//     outage never drains or undrains a region. Client.RefreshRoutingControls
//     polls at once (and is the only poll with DisableBackgroundProbes).
//
// A drain differs from an ejection. An ejection is the Client's own
// verdict from failures; a probe or call that succeeds readmits the region,
// and an ejected region is still tried last by reads. A drain is a
// decision: nothing but its source lifts it, no call of any kind goes to a
// drained region (a call that may use only drained regions fails with
// *NoHealthyRegionError), and the region keeps being probed, so it comes
// back ranked by fresh latencies. In Status a drained region keeps its
// measured RegionStatus.Healthy and has Drained set; Status.Drained lists
// each drained region with its sources (By: [arc operator]), and
// Status.RoutingControls the poller's last poll, error and endpoint.
// Draining a region the Client does not have is an *UnknownRegionError;
// bad routing-control options fail New with an *OptionError.
//
// # Ingress for your own services
//
// Transport is an http.RoundTripper for an HTTP service of your own that
// runs in several regions: it maps one logical host to each region's base
// URL, probes each region's health URL (HealthPath, "/healthz") and sends
// every request to the nearest healthy region, failing over in rank order.
// Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, or any carrying an
// Idempotency-Key header) move on after a 5xx or a connection error; other
// requests only when the dial failed; a body moves only with GetBody.
//
//	tr, err := multiregion.NewTransport(mr, "api.example.com", map[multiregion.Region]string{
//		"us-east-1": "https://api.us-east-1.example.com",
//		"eu-west-1": "https://api.eu-west-1.example.com",
//	})
//	if err != nil { ... }
//	defer tr.Close()
//	client := &http.Client{Transport: tr}
//	resp, err := client.Get("https://api.example.com/orders/1")
//	region, _ := multiregion.ServedBy(resp)
//
// # Closing
//
// Close stops every probe; every method that returns an error then fails
// with ErrClosed, and so does every Store and adapter built on the Client.
//
// bench/routersim compares this router with a static home region, strict
// minimum latency, DNS failover with Route 53's defaults and an oracle, in
// seeded virtual time; the README has its table.
//
// # Logging
//
// Options.Logger (log/slog) receives routing changes, each once, never a
// line per call: a region ejected (Warn) or readmitted (Info), in the
// network view or for one store; a single-writer store's writer moved
// (Info); a topology refresh failing (Warn on the first failure of a
// streak, Debug after, Info when it recovers); a DynamoDB conflict
// surfaced (Info, versions and regions only); a stream reader failing or
// a detector gap (Warn). Records carry "store" and "region" attributes;
// failovers of single calls go at Debug. No record or error carries a
// credential, a password, an AUTH token or item contents: the adapters'
// test suites plant one secret in all of them and fail if any line shows
// it.
//
// # Telemetry
//
// Give Options.MeterProvider and/or Options.TracerProvider (OpenTelemetry)
// to record; without them nothing is recorded and a call pays one nil
// check. Instrumentation scope "github.com/regionkit/multiregion";
// attributes multiregion.store, multiregion.region, multiregion.outcome
// ("ok", or the class: not_applied, outcome_unknown, throttled, caller,
// canceled, writer_moved, skip, no_healthy_region):
//
//	multiregion.calls               counter    per store, region, outcome
//	multiregion.call.duration       histogram  seconds, same attributes
//	multiregion.attempts            counter    per store, region, outcome
//	multiregion.failovers           counter    per store, from, to
//	multiregion.hedges              counter    per store, from, to (hedged reads)
//	multiregion.health.changes      counter    per store, region, healthy
//	multiregion.topology.refreshes  counter    per store, outcome (ok, error)
//	multiregion.writer.moves        counter    per store, to
//	multiregion.conflicts           counter    per store, region (writes lost)
//	multiregion.region.latency      gauge      seconds: the EWMA the store ranks by
//	multiregion.region.healthy      gauge      1 routed, 0 ejected
//
// The store "network" is the Client's own probes. Each routed call is one
// client span named after its operation (e.g. "dynamo.Get"), with the
// region that ended it, multiregion.attempts, multiregion.regions_tried
// and a "failover" event per move. The caller's aws.Config APIOptions
// (middleware such as the SDK's own OTel instrumentation) reach every
// regional client the adapters build, because they build them from
// Client.Config.
//
// # Status page
//
// Client.Handler serves the routing state for people and scripts: mount it
// on an internal or admin listener, as net/http/pprof, since it shows
// region and store names, latencies and error texts.
//
//	admin.Handle("/debug/multiregion/", http.StripPrefix("/debug/multiregion", mr.Handler()))
//
// <mount>/ is a page that refreshes itself every second (?refresh=500ms)
// and marks ejected regions; <mount>/status.json is Status as JSON, in a
// shape that only grows. Lists keep Status's order (pick order), are
// never null, and an absent value is "" (no error, never probed) or null
// (no topology). Durations are float milliseconds plus a Go duration
// string, times RFC 3339 in UTC, errors their text:
//
//	{"closed": false, "generatedAt": "2026-01-02T03:04:05.123Z",
//	 "network": [REGION, ...], "drained": [{"region": "us-east-1", "by": ["arc", "operator"]}],
//	 "stores": [{"name": "dynamo:orders", "kind": "DynamoDB global table (MREC)",
//	   "ownLatency": false, "leftOut": [], "closed": false, "regions": [REGION, ...],
//	   "topology": null or {"writer": "eu-west-1", "generation": 7, "loadedAt": "...",
//	     "lastAttempt": "...", "lastError": "", "consecutiveFailures": 0}}]}
//	REGION: {"region": "us-east-1", "healthy": true, "latencyMs": 12.5, "latency": "12.5ms",
//	  "measured": true, "samples": 4, "consecutiveFailures": 0, "lastError": "",
//	  "lastProbe": "...", "ejections": 0, "drained": false}
//
// # Concurrency
//
// A Client and a Store are safe for concurrent use by many goroutines.
// Options, StoreOptions, Region, RegionSet, Status, StoreStatus,
// RegionStatus, TopologyStatus, DrainStatus, RoutingControlStatus and
// Capabilities are plain values.
package multiregion

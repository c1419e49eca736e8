// Package multiregion routes calls of a service that runs in several AWS
// regions to the nearest healthy region that may take them.
//
// One Client measures the round-trip time and the health of every region it
// is given, with active probes (by default an HTTPS GET of the region's
// DynamoDB endpoint, which needs no credentials) and with passive samples of
// real calls that adapters report through Observe. Typed adapters for each
// multi-region datastore family (dynamo, aurora, s3mesh, cache, docdb) ask
// it which allowed region is nearest, and enforce their store's rules from
// the capability table (Capability, Validate): which regions take writes,
// how many regions a store may span, what conflicts look like.
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
// RegionSet), then the healthy ones, then the order of the current snapshot:
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
//     once; FailureThreshold (3) consecutive failures eject it, and only a
//     successful probe readmits it. Each further ejection in a streak waits
//     longer before readmission (ProbeInterval, doubling, up to MaxEjection).
//   - A canceled context is never a region failure.
//
// When no allowed region is healthy, Pick and Nearest return an error that
// matches ErrNoHealthyRegion: never a region the call may not use.
//
// bench/routersim compares this router with a static home region, strict
// minimum latency, DNS failover with Route 53's defaults and an oracle, in
// seeded virtual time; the README has its table.
//
// # Concurrency
//
// A Client is safe for concurrent use by many goroutines. Options, Region,
// RegionSet, RegionStatus and Capabilities are plain values.
package multiregion

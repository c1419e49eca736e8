package multiregion

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Defaults and limits of Options.
const (
	DefaultProbeInterval    = 5 * time.Second
	MinProbeInterval        = 50 * time.Millisecond
	DefaultProbeTimeout     = 2 * time.Second
	DefaultSwitchMargin     = 0.05
	DefaultEWMAWeight       = 0.2
	DefaultFailureThreshold = 3
	DefaultMaxEjection      = time.Minute

	DefaultFailureRateWindow    = 100
	DefaultFailureRateMinCalls  = 20
	DefaultFailureRateThreshold = 0.10
	MaxFailureRateWindow        = maxFailureRateWindow
)

// Options configures a Client. The zero value of every field but Regions is
// a sensible default, filled in by New. Options is a plain struct: New copies
// it, so changing it afterwards has no effect.
type Options struct {
	// Regions the Client routes between, in order of preference: the order
	// breaks ties between regions of equal latency. Required, at least one,
	// no duplicates, at most MaxRegions, each one the AWS SDK knows (see
	// KnownRegion and AllowUnknownRegions).
	Regions []Region

	// AllowUnknownRegions admits a well-formed region name that the AWS SDK
	// of this release does not know (KnownRegion is false), such as a region
	// AWS opened after it. Without it New rejects such a name with an
	// *OptionError wrapping an *UnknownAWSRegionError, which suggests the
	// nearest known name ("us-wets-2: did you mean us-west-2?").
	// default: false
	AllowUnknownRegions bool

	// Prober measures a region's round-trip time. Active probes run every
	// ProbeInterval for every region.
	// default: an HTTPS GET of the region's DynamoDB endpoint root (see HTTPProber),
	// honoring Endpoints
	Prober Prober

	// ProbeInterval is the time between two active probes of one region.
	// A region whose recovery is awaited (ejected, its latency just jumped)
	// or that is not known well yet (fewer than 5 samples, or the runner-up
	// within 10 % of the pick) is probed every fifth of it.
	// Must be at least MinProbeInterval.
	// default: 5s
	ProbeInterval time.Duration

	// ProbeTimeout bounds one probe; a probe that times out counts as a
	// failure. It bounds real I/O, so it runs on the wall clock even when
	// Clock is a fake one.
	// default: 2s
	ProbeTimeout time.Duration

	// SwitchMargin is the hysteresis of the pick, relative: the current
	// choice is kept until another allowed region is faster by more than
	// this fraction of the current region's latency (and by more than the
	// measured noise of the two averages, see the package doc), so that two
	// near-equal regions do not flap. Must be in [0, 1); as zero means the
	// default, use a tiny value such as 1e-9 for no margin.
	// default: 0.05 (5 %)
	SwitchMargin float64

	// EWMAWeight is the weight of a new latency sample in the moving average
	// (the first sample is taken whole). Must be in (0, 1].
	// default: 0.2
	EWMAWeight float64

	// FailureThreshold is the number of consecutive failures (probes or
	// observed calls) after which a region is ejected. Must be ≥ 1.
	// default: 3 (as Route 53 health checks)
	FailureThreshold int

	// FailureRateWindow is how many of a region's last outcomes (calls
	// observed and probes, per store and in the network view) its failure
	// rate is taken over. A region is ejected when the failed fraction of
	// that window reaches FailureRateThreshold, with at least
	// FailureRateMinCalls outcomes in it, even without FailureThreshold
	// failures in a row: a region failing one call in five (a gray failure:
	// a bad host behind the endpoint, packet loss) fails three in a row
	// less than once in a hundred triples. It is readmitted as any ejected
	// region, but its window is kept: a readmitted region whose recent
	// record is still bad is ejected again at its next failure, and the
	// ejection backoff then applies. Probes count: the network view has
	// nothing else, and an ejected region's probes are what show it healed.
	// Must be in [0, MaxFailureRateWindow] (256).
	// default: 100
	FailureRateWindow int

	// FailureRateMinCalls is how many outcomes the window must hold before
	// the failure rate may eject: a young window of 3 with 1 failure says
	// little. Must be in [0, FailureRateWindow].
	// default: 20
	FailureRateMinCalls int

	// FailureRateThreshold is the failed fraction of the window that ejects
	// a region. The default ejects a region failing 20 % of calls within
	// about a hundred calls, and a region failing 1 % practically never
	// (10 failures in 100 outcomes at 1 % happen once in 10⁷ windows).
	// Must be in (0, 1].
	// default: 0.10 (10 %)
	FailureRateThreshold float64

	// DisableFailureRateEjection turns failure-rate ejection off: only
	// FailureThreshold consecutive failures eject.
	// default: false
	DisableFailureRateEjection bool

	// MaxEjection caps how long a region that keeps failing stays ejected
	// before a successful probe can bring it back. The first ejection ends at
	// the first successful probe; each further ejection within MaxEjection of
	// the last recovery doubles the wait, starting at ProbeInterval.
	// default: 1m
	MaxEjection time.Duration

	// Endpoints overrides endpoints per region and per AWS service, keyed by
	// the service's SDK ID ("DynamoDB", "DynamoDB Streams", "S3", "RDS",
	// "ElastiCache", "DocDB"). Client.Config applies them, so every AWS
	// client built from it, and the default prober, talks to the override:
	// this is how tests and the quickstart point the SDK at a local lab.
	// An override wins over aws.Config.BaseEndpoint for its service. New
	// rejects overrides while the environment sets AWS_ENDPOINT_URL, which
	// makes the SDK ignore them.
	// default: none (AWS's endpoints)
	Endpoints map[Region]map[string]string

	// HTTPClient is used by the default prober.
	// default: a client with keep-alive connections and no redirects
	HTTPClient *http.Client

	// Clock is the time source. Tests and simulations inject a fake one,
	// such as multiregiontest.FakeClock, to run in virtual time.
	// default: SystemClock{}
	Clock Clock

	// DisableBackgroundProbes stops New from starting the probe loop; the
	// caller drives probes with Client.Refresh (simulations, tests).
	// default: false
	DisableBackgroundProbes bool

	// RoutingControls maps regions to the ARNs of the Route 53 Application
	// Recovery Controller routing controls that gate them: a region whose
	// control is Off is drained (source DrainRoutingControl), for the
	// network view and every store, within RoutingControlInterval; On lifts
	// that drain. Each region of the map must be one of Regions; a region
	// without a control is never drained by ARC.
	// default: none (no polling)
	RoutingControls map[Region]string

	// RoutingControlEndpoints are the regional endpoints of the ARC cluster
	// that holds RoutingControls (DescribeClusters lists five). The poller
	// reads each control from one endpoint and, when it fails, tries the
	// next, as AWS advises; it starts where the last success was. When every
	// endpoint fails, the last known states stay (fail static): an ARC
	// outage neither drains nor undrains a region. Required with
	// RoutingControls.
	// default: none
	RoutingControlEndpoints []RoutingControlEndpoint

	// RoutingControlInterval is the time between two reads of the routing
	// controls: the longest a flip of a control waits to take effect.
	// Shorter reacts faster but costs one GetRoutingControlState per control
	// and interval, against the cluster's request quota. Each read is
	// bounded by ProbeTimeout. Must be at least MinProbeInterval. With
	// DisableBackgroundProbes nothing polls: call Client.RefreshRoutingControls.
	// default: 5s
	RoutingControlInterval time.Duration

	// RoutingControlAPI builds the ARC data-plane client of one cluster
	// endpoint. Tests give a fake.
	// default: route53recoverycluster.NewFromConfig of New's aws.Config, signed
	// for the endpoint's Region, at its URL, without the SDK's retries (the
	// poller moves to the next endpoint instead)
	RoutingControlAPI func(RoutingControlEndpoint) RoutingControlClient

	// ProbeTracer is called around every active probe, of the network view
	// and of every store.
	// default: nil (no tracing)
	ProbeTracer ProbeTracer

	// HealthTracer is called when a region is ejected or readmitted, in the
	// network view or for a store.
	// default: nil (no tracing)
	HealthTracer HealthTracer

	// Logger receives routing changes, each once: a region ejected (Warn)
	// or readmitted (Info), in the network view or for a store; a region
	// drained (Warn) or undrained (Info); routing controls unreadable (Warn,
	// once per streak) and readable again (Info); probe failures go at Debug. Records carry "store" and "region" attributes.
	// Adapters log their own changes (a writer moved, a refresh failed, a
	// conflict surfaced) to it too, unless given a Logger of their own.
	// Nothing is logged per call.
	// default: a logger that discards everything
	Logger *slog.Logger

	// MeterProvider receives the SDK's metrics: calls, attempts, failovers,
	// their outcomes and durations per store and region, health changes,
	// topology refreshes, writer moves, conflicts surfaced, and gauges of
	// each region's latency average and health (see the package doc,
	// "Telemetry", for the names).
	// default: nil (no metrics; the call path then pays one nil check)
	MeterProvider metric.MeterProvider

	// TracerProvider receives one client span per routed call, named after
	// the operation, with the region that ended it, the regions tried and
	// an event per failover.
	// default: nil (no spans)
	TracerProvider trace.TracerProvider
}

// WithRegions sets Options.Regions.
func WithRegions(regions ...Region) func(*Options) {
	return func(o *Options) { o.Regions = append([]Region(nil), regions...) }
}

// WithEndpoint overrides the endpoint of one AWS service (by SDK ID, e.g.
// "DynamoDB") in one region.
func WithEndpoint(r Region, serviceID, url string) func(*Options) {
	return func(o *Options) {
		if o.Endpoints == nil {
			o.Endpoints = map[Region]map[string]string{}
		}
		if o.Endpoints[r] == nil {
			o.Endpoints[r] = map[string]string{}
		}
		o.Endpoints[r][serviceID] = url
	}
}

// copy returns o with its maps and slices copied, so the caller can reuse them.
func (o Options) copy() Options {
	o.Regions = append([]Region(nil), o.Regions...)
	if o.Endpoints != nil {
		eps := make(map[Region]map[string]string, len(o.Endpoints))
		for r, m := range o.Endpoints {
			cm := make(map[string]string, len(m))
			for k, v := range m {
				cm[k] = v
			}
			eps[r] = cm
		}
		o.Endpoints = eps
	}
	copyRoutingControls(&o)
	return o
}

// resolveDefaults fills zero fields. It runs after validate, so every
// non-zero value is already known to be valid.
func resolveDefaults(o *Options) {
	resolveProbeTiming(o)
	resolveSelection(o)
	resolveFailureRate(o)
	resolveClock(o)
	resolveLogger(o)
	resolveRoutingControls(o)
}

func resolveProbeTiming(o *Options) {
	if o.ProbeInterval == 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.ProbeTimeout == 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.MaxEjection == 0 {
		o.MaxEjection = DefaultMaxEjection
	}
}

func resolveSelection(o *Options) {
	if o.SwitchMargin == 0 {
		o.SwitchMargin = DefaultSwitchMargin
	}
	if o.EWMAWeight == 0 {
		o.EWMAWeight = DefaultEWMAWeight
	}
	if o.FailureThreshold == 0 {
		o.FailureThreshold = DefaultFailureThreshold
	}
}

func resolveFailureRate(o *Options) {
	if o.FailureRateWindow == 0 {
		o.FailureRateWindow = DefaultFailureRateWindow
	}
	if o.FailureRateMinCalls == 0 {
		o.FailureRateMinCalls = min(DefaultFailureRateMinCalls, o.FailureRateWindow)
	}
	if o.FailureRateThreshold == 0 {
		o.FailureRateThreshold = DefaultFailureRateThreshold
	}
}

func resolveClock(o *Options) {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
}

func resolveLogger(o *Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

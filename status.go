package multiregion

import "time"

// Status is a point-in-time view of a Client: its network view and the
// view of every store registered on it. It is a plain value.
type Status struct {
	// Closed is true once the Client was closed.
	Closed bool
	// Network lists every region in the network view's pick order, from the
	// Client's probes.
	Network []RegionStatus
	// Stores lists each registered store's own view, by name.
	Stores []StoreStatus
	// Drained lists the drained regions (Client.Drain, routing controls)
	// with their sources. A drained region is also marked Drained in every
	// RegionStatus.
	Drained []DrainStatus
	// RoutingControls is the routing-control poller's state, nil without
	// Options.RoutingControls.
	RoutingControls *RoutingControlStatus
}

// Store returns the status of the store named name.
func (s Status) Store(name string) (StoreStatus, bool) {
	for _, st := range s.Stores {
		if st.Name == name {
			return st, true
		}
	}
	return StoreStatus{}, false
}

// StoreStatus is a point-in-time view of one Store.
type StoreStatus struct {
	Name string
	Kind StoreKind
	// Regions lists the store's regions in its pick order, with the health
	// and the latency average of the store's own calls and probe.
	Regions []RegionStatus
	// OwnLatency is true when the store's current ranking is by its own
	// samples (fresh in every healthy region when it was built), false when
	// it is by the network view. Freshness is judged when the ranking is
	// rebuilt: at the store's next sample or the network view's next change.
	OwnLatency bool
	// LeftOut names the store's regions that are not routed to because the
	// Client does not list them (accepted explicitly by the adapter).
	LeftOut []Region
	// Topology is the single-writer topology, for stores that have one.
	Topology *TopologyStatus
	Closed   bool
}

// Region returns the status of region r in the store's view.
func (s StoreStatus) Region(r Region) (RegionStatus, bool) { return findRegion(s.Regions, r) }

// Region returns the status of region r in the network view.
func (s Status) Region(r Region) (RegionStatus, bool) { return findRegion(s.Network, r) }

func findRegion(list []RegionStatus, r Region) (RegionStatus, bool) {
	for _, st := range list {
		if st.Region == r {
			return st, true
		}
	}
	return RegionStatus{}, false
}

// TopologyStatus is what a single-writer store last learned of its
// topology and how its refreshes went.
type TopologyStatus struct {
	Writer     Region
	Generation uint64
	// LoadedAt is when the topology in use was loaded.
	LoadedAt time.Time
	// LastAttempt is when a refresh last ran; LastError its error, if it
	// failed (the topology in use is then the last good one).
	LastAttempt         time.Time
	LastError           error
	ConsecutiveFailures int
}

// RegionStatus is a point-in-time view of one region.
type RegionStatus struct {
	Region Region
	// Healthy is the region's health as measured (ejected: false). A
	// drained region keeps its measured health: see Drained.
	Healthy bool
	// Drained is true while an operator or a routing control drains the
	// region: no new call goes there, whatever its health.
	Drained bool
	// Latency is the moving average of the round-trip time; 0 if not measured.
	Latency  time.Duration
	Measured bool
	// Samples is how many latency samples were folded into Latency.
	Samples             uint64
	ConsecutiveFailures int
	// FailureRate is the failed fraction of the region's last Outcomes calls
	// and probes (at most Options.FailureRateWindow), which ejects the
	// region at Options.FailureRateThreshold.
	FailureRate float64
	Outcomes    int
	LastError   error
	LastProbe   time.Time
	// Ejections counts ejections in the current streak (drives the backoff).
	Ejections int
}

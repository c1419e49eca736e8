package multiregiontest

import (
	"fmt"
	"slices"
	"sync"

	"github.com/regionkit/multiregion"
)

// RDS is the test handle of the lab's RDS control plane: the topology it
// reports, and the operations it served. Safe for concurrent use; the
// hooks run without its lock held, so they may call it.
type RDS struct {
	opts    RDSOptions // resolved; Endpoint is never nil
	account string
	log     actionLog

	mu      sync.Mutex
	writer  string
	members []*rdsMember // in the order of Regions, then AddRegion
	global  string       // the global writer endpoint; "" reports none
	ops     []RDSOperation
}

type rdsMember struct {
	region, host, reader, status, version string
	port                                  int
	replica                               bool // RDS: a read replica of the source
}

// RDSMember is one member of the topology, as the control plane reports it.
type RDSMember struct {
	Region string
	ID     string // the DB cluster (Aurora) or DB instance (RDS) identifier
	ARN    string
	// Writer marks Aurora's primary cluster or RDS's source instance.
	Writer bool
	// ReadReplica marks an RDS read replica of the source; a promoted
	// replica is standalone: neither Writer nor ReadReplica.
	ReadReplica   bool
	Host          string
	Port          int
	ReaderHost    string // Aurora's reader endpoint
	Status        string
	EngineVersion string
}

// RDSOperation is one switchover, failover or promotion the mock served.
type RDSOperation struct {
	// Action is "SwitchoverGlobalCluster", "FailoverGlobalCluster" or
	// "PromoteReadReplica".
	Action        string
	From, To      string // the writer (source) region, and the target's
	AllowDataLoss bool   // FailoverGlobalCluster's flag
	Err           error  // the hook's error, if it refused
}

// Kind returns multiregion.AuroraGlobal or multiregion.RDSReadReplica.
func (d *RDS) Kind() multiregion.StoreKind { return d.opts.Kind }

// GlobalClusterID returns the Aurora global database's identifier.
func (d *RDS) GlobalClusterID() string { return d.opts.GlobalClusterID }

// GlobalClusterARN returns the Aurora global database's ARN.
func (d *RDS) GlobalClusterARN() string {
	return "arn:aws:rds::" + d.account + ":global-cluster:" + d.opts.GlobalClusterID
}

// ClusterID returns the identifier of region's Aurora cluster.
func (d *RDS) ClusterID(region string) string { return d.opts.GlobalClusterID + "-" + region }

// ClusterARN returns the ARN of region's Aurora cluster.
func (d *RDS) ClusterARN(region string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, d.account, d.ClusterID(region))
}

// InstanceID returns the identifier of region's DB instance (Aurora: the
// cluster's one instance).
func (d *RDS) InstanceID(region string) string {
	if d.opts.Kind == multiregion.AuroraGlobal {
		return d.ClusterID(region) + "-1"
	}
	return d.opts.DBInstanceID + "-" + region
}

// InstanceARN returns the ARN of region's DB instance. Cross-region
// replicas name their source, and a source its replicas, by ARN, as AWS.
func (d *RDS) InstanceARN(region string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, d.account, d.InstanceID(region))
}

// GlobalEndpoint returns the Aurora global writer endpoint reported
// ("<id>.global-<12 letters>.global.rds.amazonaws.com"), or "".
func (d *RDS) GlobalEndpoint() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.global
}

// SetGlobalEndpoint changes the global writer endpoint reported; "" reports
// none, as a global database created before the feature.
func (d *RDS) SetGlobalEndpoint(host string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.global = host
}

// Writer returns the writer region: Aurora's primary, RDS's source.
func (d *RDS) Writer() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writer
}

// SetWriter makes region the writer, as a switchover completed outside the
// API would (no hook runs). For RDS, region becomes the source and every
// other member a read replica of it (replicas rebuilt from it).
func (d *RDS) SetWriter(region string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.member(region) == nil {
		return fmt.Errorf("multiregiontest: RDS: no member in %s", region)
	}
	d.writer = region
	for _, m := range d.members {
		m.replica = d.opts.Kind == multiregion.RDSReadReplica && m.region != region
	}
	return nil
}

// SetEndpoint changes the data-plane endpoint region's member reports
// (e.g. to the lab's PostgreSQL or MariaDB proxy of that region).
func (d *RDS) SetEndpoint(region, host string, port int) {
	d.update(region, func(m *rdsMember) { m.host, m.port = host, port })
}

// SetReaderEndpoint changes region's Aurora reader endpoint (its port is the
// cluster's, as in AWS); "" goes back to the writer host with "-ro".
func (d *RDS) SetReaderEndpoint(region, host string) {
	d.update(region, func(m *rdsMember) { m.reader = host })
}

// SetStatus changes the status region's member reports ("available",
// "modifying", "rebooting"...). A switchover needs both ends available; a
// failover or promotion, its target.
func (d *RDS) SetStatus(region, status string) {
	d.update(region, func(m *rdsMember) { m.status = status })
}

// SetEngineVersion changes the engine version region's member reports; ""
// changes every member's. A switchover needs equal versions.
func (d *RDS) SetEngineVersion(region, version string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range d.members {
		if region == "" || m.region == region {
			m.version = version
		}
	}
}

// AddRegion adds a member in region (a secondary cluster, or a read replica
// of the source); any region name, so that a test can exceed a limit.
func (d *RDS) AddRegion(region string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.member(region) == nil {
		d.add(region)
	}
}

// RemoveRegion removes region's member; the writer's cannot be removed.
func (d *RDS) RemoveRegion(region string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if region == d.writer {
		return fmt.Errorf("multiregiontest: RDS: %s is the writer", region)
	}
	d.members = slices.DeleteFunc(d.members, func(m *rdsMember) bool { return m.region == region })
	return nil
}

// Members returns the topology, in member order.
func (d *RDS) Members() []RDSMember {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]RDSMember, 0, len(d.members))
	for _, m := range d.members {
		id, arn := d.InstanceID(m.region), d.InstanceARN(m.region)
		if d.opts.Kind == multiregion.AuroraGlobal {
			id, arn = d.ClusterID(m.region), d.ClusterARN(m.region)
		}
		out = append(out, RDSMember{Region: m.region, ID: id, ARN: arn, Writer: m.region == d.writer, ReadReplica: m.replica,
			Host: m.host, Port: m.port, ReaderHost: m.readerHost(), Status: m.status, EngineVersion: m.version})
	}
	return out
}

// Operations returns the switchovers, failovers and promotions served, in
// order, refused ones included.
func (d *RDS) Operations() []RDSOperation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.ops)
}

// Calls returns how many calls of action (e.g. "DescribeDBClusters") the
// mock received, in every region together, injected failures included.
func (d *RDS) Calls(action string) int { return d.log.count(action) }

// FailNext makes the next n calls of action fail with HTTP 500
// (InternalFailure), in whichever regions they arrive.
func (d *RDS) FailNext(action string, n int) { d.log.failNextCalls(action, n) }

// add appends region's member. Under d.mu (or before d is shared).
func (d *RDS) add(region string) {
	host, port := d.opts.Endpoint(region)
	d.members = append(d.members, &rdsMember{region: region, host: host, port: port, status: "available",
		version: d.opts.EngineVersion, replica: d.opts.Kind == multiregion.RDSReadReplica && region != d.writer})
}

// member returns region's member, or nil. Under d.mu.
func (d *RDS) member(region string) *rdsMember {
	for _, m := range d.members {
		if m.region == region {
			return m
		}
	}
	return nil
}

func (d *RDS) update(region string, fn func(*rdsMember)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m := d.member(region); m != nil {
		fn(m)
	}
}

func (m *rdsMember) readerHost() string {
	if m.reader != "" {
		return m.reader
	}
	return readerHost(m.host)
}

package multiregiontest

import (
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regionkit/multiregion"
)

// docdbPath is the path prefix of the lab's DocumentDB control plane. The
// DocumentDB and RDS APIs share the query protocol's Version (2014-10-31)
// and many Action names, so the lab tells them apart by path.
const docdbPath = "/docdb/"

// DocDBOptions configures the DocumentDB global cluster of a lab: one
// regional cluster per lab region, the writer in Writer.
type DocDBOptions struct {
	// GlobalClusterID is the global cluster's identifier.
	// default: "docdb-global"
	GlobalClusterID string
	// Writer is the primary region.
	// default: the lab's first region
	Writer string
	// Regions are the regions with a cluster.
	// default: every region of the lab
	Regions []string
	// EngineVersion is every cluster's engine version.
	// default: "5.0.0"
	EngineVersion string
	// Endpoint gives the data-plane endpoint (host, port) of region's
	// cluster, e.g. a FerretDB the test started. The reader endpoint is
	// the same host with "-ro" before its first dot (the same address for
	// an IP address).
	// default: 127.0.0.1 on a port nothing listens on (connections are
	// refused at once: no data plane is served, and no name is looked up)
	Endpoint func(region string) (host string, port int)
}

// WithDocDB serves a DocumentDB control plane in every region:
// DescribeGlobalClusters, DescribeDBClusters (the region's own cluster),
// SwitchoverGlobalCluster and FailoverGlobalCluster (which move the
// writer at once), in the AWS query protocol. Lab.DocDB changes the
// topology under a test. It serves no data plane.
func WithDocDB(fns ...func(*DocDBOptions)) Option {
	var o DocDBOptions
	for _, fn := range fns {
		fn(&o)
	}
	return func(c *labConfig) { c.addStore(&docdbStore{opts: o}) }
}

// DocDB returns the lab's DocumentDB control plane, or nil if the lab was
// started without WithDocDB.
func (l *Lab) DocDB() *DocDB {
	for _, s := range l.stores {
		if d, ok := s.(*docdbStore); ok {
			return d.handle
		}
	}
	return nil
}

// DocDB is the lab's DocumentDB global cluster. It is safe for concurrent use.
type DocDB struct {
	mu      sync.Mutex
	id      string
	account string
	writer  string
	regions []string // members, in the lab's order
	engine  string
	host    map[string]string
	port    map[string]int
	status  map[string]string
	log     actionLog
}

// GlobalClusterID returns the global cluster's identifier.
func (d *DocDB) GlobalClusterID() string { return d.id }

// ClusterARN returns the ARN of region's cluster.
func (d *DocDB) ClusterARN(region string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s-%s", region, d.account, d.id, region)
}

// Writer returns the current primary region.
func (d *DocDB) Writer() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writer
}

// SetWriter makes region the primary, as a completed switchover would.
func (d *DocDB) SetWriter(region string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Contains(d.regions, region) {
		return fmt.Errorf("multiregiontest: DocDB: no cluster in %s", region)
	}
	d.writer = region
	return nil
}

// SetEndpoint changes region's cluster endpoint.
func (d *DocDB) SetEndpoint(region, host string, port int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.host[region], d.port[region] = host, port
}

// SetEngineVersion changes every cluster's engine version.
func (d *DocDB) SetEngineVersion(v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.engine = v
}

// AddRegion adds a secondary cluster in region (any region name, so that
// a test can exceed the region limit or add members outside the Client).
func (d *DocDB) AddRegion(region string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Contains(d.regions, region) {
		d.regions = append(d.regions, region)
		d.status[region] = "available"
	}
}

// RemoveRegion removes region's secondary cluster from the global cluster.
func (d *DocDB) RemoveRegion(region string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.regions = slices.DeleteFunc(d.regions, func(r string) bool { return r == region && r != d.writer })
}

// Calls returns how many times action (e.g. "DescribeGlobalClusters") was
// called, in every region together.
func (d *DocDB) Calls(action string) int { return d.log.count(action) }

// FailNext makes the next n calls of action fail with HTTP 500.
func (d *DocDB) FailNext(action string, n int) { d.log.failNextCalls(action, n) }

type docdbStore struct {
	opts   DocDBOptions
	handle *DocDB
}

func (s *docdbStore) kind() string { return "DocDB" }

func (s *docdbStore) start(regions []string) error {
	o := s.opts
	d := &DocDB{id: o.GlobalClusterID, account: "123456789012", writer: o.Writer, engine: o.EngineVersion,
		host: map[string]string{}, port: map[string]int{}, status: map[string]string{}}
	if d.id == "" {
		d.id = "docdb-global"
	}
	if d.engine == "" {
		d.engine = "5.0.0"
	}
	d.regions = slices.Clone(o.Regions)
	if len(d.regions) == 0 {
		d.regions = slices.Clone(regions)
	}
	if d.writer == "" {
		d.writer = d.regions[0]
	}
	if !slices.Contains(d.regions, d.writer) {
		return fmt.Errorf("writer %s has no cluster (regions %v)", d.writer, d.regions)
	}
	for _, r := range d.regions {
		var host string
		var port int
		var err error
		if o.Endpoint != nil {
			host, port = o.Endpoint(r)
		} else if host, port, err = closedLoopbackPort(); err != nil {
			return err
		}
		d.host[r], d.port[r], d.status[r] = host, port, "available"
	}
	s.handle = d
	return nil
}

func (s *docdbStore) claims(r *http.Request) bool { return claimsPath(r, docdbPath) }

func (s *docdbStore) endpoints(base string) map[string]string {
	return map[string]string{multiregion.ServiceDocDB: strings.TrimRight(base, "/") + strings.TrimRight(docdbPath, "/")}
}

func (s *docdbStore) writeFault(w http.ResponseWriter, _ *http.Request, f fault) { writeRDSFault(w, f) }

func (s *docdbStore) close() {}

func (s *docdbStore) handler(region string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handle.serve(region, w, r) })
}

func (d *DocDB) serve(region string, w http.ResponseWriter, r *http.Request) {
	if _, ok := readRDSForm(w, r); !ok {
		return
	}
	action := r.PostForm.Get("Action")
	if d.log.record(action) {
		writeRDSFault(w, faultServer)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch action {
	case "DescribeGlobalClusters":
		if id := r.PostForm.Get("GlobalClusterIdentifier"); id != "" && id != d.id {
			writeQueryError(w, rdsNamespace, http.StatusNotFound, "GlobalClusterNotFoundFault", "Global cluster "+id+" not found")
			return
		}
		writeQueryResult(w, rdsNamespace, action, struct {
			XMLName  xml.Name           `xml:"R"`
			Clusters []xmlGlobalCluster `xml:"GlobalClusters>GlobalClusterMember"`
		}{Clusters: []xmlGlobalCluster{d.globalCluster()}})
	case "DescribeDBClusters":
		id := r.PostForm.Get("DBClusterIdentifier")
		if !slices.Contains(d.regions, region) || (id != "" && id != d.clusterID(region) && id != d.ClusterARN(region)) {
			writeQueryError(w, rdsNamespace, http.StatusNotFound, "DBClusterNotFoundFault", "DBCluster "+id+" not found")
			return
		}
		writeQueryResult(w, rdsNamespace, action, struct {
			XMLName  xml.Name       `xml:"R"`
			Clusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
		}{Clusters: []xmlDBCluster{d.dbCluster(region)}})
	case "SwitchoverGlobalCluster", "FailoverGlobalCluster":
		if id := r.PostForm.Get("GlobalClusterIdentifier"); id != d.id {
			writeQueryError(w, rdsNamespace, http.StatusNotFound, "GlobalClusterNotFoundFault", "Global cluster "+id+" not found")
			return
		}
		if action == "FailoverGlobalCluster" && r.PostForm.Get("AllowDataLoss") != "true" && r.PostForm.Get("Switchover") != "true" {
			writeQueryError(w, rdsNamespace, http.StatusBadRequest, "InvalidParameterCombination", "one of AllowDataLoss and Switchover is required")
			return
		}
		target := r.PostForm.Get("TargetDbClusterIdentifier")
		to := ""
		for _, m := range d.regions {
			if target == d.ClusterARN(m) || target == d.clusterID(m) {
				to = m
			}
		}
		if to == "" {
			writeQueryError(w, rdsNamespace, http.StatusNotFound, "DBClusterNotFoundFault", "DBCluster "+target+" not found")
			return
		}
		if to == d.writer {
			writeQueryError(w, rdsNamespace, http.StatusBadRequest, "InvalidGlobalClusterStateFault", "the target is the primary cluster already")
			return
		}
		d.writer = to
		writeQueryResult(w, rdsNamespace, action, struct {
			XMLName       xml.Name         `xml:"R"`
			GlobalCluster xmlGlobalCluster `xml:"GlobalCluster"`
		}{GlobalCluster: d.globalCluster()})
	default:
		writeQueryError(w, rdsNamespace, http.StatusBadRequest, "InvalidAction", "the lab's DocumentDB does not serve "+strconv.Quote(action))
	}
}

func (d *DocDB) clusterID(region string) string { return d.id + "-" + region }

func (d *DocDB) globalCluster() xmlGlobalCluster {
	return globalClusterXML(d.id, "arn:aws:rds::"+d.account+":global-cluster:"+d.id, "docdb", d.engine, d.writer, d.regions, d.ClusterARN)
}

func (d *DocDB) dbCluster(region string) xmlDBCluster {
	host := d.host[region]
	return xmlDBCluster{DBClusterIdentifier: d.clusterID(region), DBClusterArn: d.ClusterARN(region),
		Endpoint: host, ReaderEndpoint: readerHost(host), Port: d.port[region], Engine: "docdb", EngineVersion: d.engine, Status: d.status[region]}
}

// closedLoopbackPort returns 127.0.0.1 and a port nothing listens on: one
// the system just handed out and that was closed again, so that a client
// sent there is refused at once instead of resolving a name.
func closedLoopbackPort() (string, int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return "127.0.0.1", port, ln.Close()
}

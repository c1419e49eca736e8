package multiregiontest

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"

	"github.com/regionkit/multiregion"
)

// rdsPath is the path prefix of the lab's RDS control plane (DocumentDB's
// is docdbPath: the two APIs share Version and Action names).
const rdsPath = "/rds/"

// RDSOptions configures the lab's RDS control plane: an Aurora global
// database (one regional DB cluster per region) or RDS cross-region read
// replicas (a source DB instance in Writer, a read replica in every other
// region). The data plane is the test's own (the lab's PostgreSQL or
// MariaDB, through Endpoint).
type RDSOptions struct {
	// Kind is multiregion.AuroraGlobal or multiregion.RDSReadReplica.
	// default: multiregion.AuroraGlobal
	Kind multiregion.StoreKind
	// GlobalClusterID names the Aurora global database; region R's
	// cluster is "<GlobalClusterID>-<R>", its one instance
	// "<GlobalClusterID>-<R>-1".
	// default: "aurora-global"
	GlobalClusterID string
	// DBInstanceID names the RDS instances: region R's is
	// "<DBInstanceID>-<R>".
	// default: "rds-db"
	DBInstanceID string
	// Engine is reported by every member. Aurora takes an "aurora-" engine
	// ("aurora-postgresql", "aurora-mysql"); RDS any other ("postgres",
	// "mysql", "mariadb", "oracle-ee" to test its replica limit).
	// default: "aurora-postgresql" (Aurora), "postgres" (RDS)
	Engine string
	// EngineVersion is every member's engine version (SetEngineVersion
	// changes one).
	// default: "16.4" for the PostgreSQL engines, "8.0.mysql_aurora.3.08.0"
	// for aurora-mysql, "8.0.40" for mysql, "10.11.9" for mariadb, else "1.0"
	EngineVersion string
	// Writer is the writer region (Aurora's primary cluster, RDS's source
	// instance).
	// default: the first of Regions
	Writer string
	// Regions are the regions with a member. Regions outside the lab are
	// reported (to test region limits) but served nowhere.
	// default: every region of the lab
	Regions []string
	// Endpoint gives the data-plane endpoint (host, port) region's member
	// reports: a cluster's writer endpoint (its reader endpoint is the
	// same host with "-ro" before the first dot, the same address for an
	// IP), an instance's Endpoint.
	// default: 127.0.0.1 on a port nothing listens on (connections are
	// refused at once; no name is looked up)
	Endpoint func(region string) (host string, port int)
	// OnSwitchover runs when SwitchoverGlobalCluster (or
	// FailoverGlobalCluster with Switchover, or with neither flag) is
	// served, before the writer moves: a test promotes its real servers
	// here. An error refuses the call (InvalidGlobalClusterStateFault) and
	// the writer stays.
	// default: nil
	OnSwitchover func(ctx context.Context, from, to string) error
	// OnFailover is OnSwitchover for FailoverGlobalCluster with
	// AllowDataLoss.
	// default: nil
	OnFailover func(ctx context.Context, from, to string) error
	// OnPromote runs when PromoteReadReplica is served, before the replica
	// becomes standalone; from is the source's region. An error refuses
	// the call (InvalidDBInstanceState).
	// default: nil
	OnPromote func(ctx context.Context, from, to string) error
}

// WithRDS serves an RDS control plane in every region, over the AWS query
// protocol (2014-10-31) the aws-sdk-go-v2 rds client speaks:
// DescribeGlobalClusters, DescribeDBClusters and DescribeDBInstances (a
// region's own members, as AWS answers), SwitchoverGlobalCluster,
// FailoverGlobalCluster and PromoteReadReplica (which change the topology
// at once). Lab.RDS changes the topology under a test. It serves no data
// plane.
func WithRDS(fns ...func(*RDSOptions)) Option {
	var o RDSOptions
	for _, fn := range fns {
		if fn != nil {
			fn(&o)
		}
	}
	return func(c *labConfig) { c.addStore(&rdsStore{opts: o}) }
}

// RDS returns the lab's RDS control plane, or nil if the lab was started
// without WithRDS.
func (l *Lab) RDS() *RDS {
	for _, s := range l.stores {
		if d, ok := s.(*rdsStore); ok {
			return d.handle
		}
	}
	return nil
}

type rdsStore struct {
	opts   RDSOptions
	handle *RDS
}

func (s *rdsStore) kind() string { return "RDS" }

func (s *rdsStore) start(regions []string) error {
	o := s.opts
	if o.Kind == 0 {
		o.Kind = multiregion.AuroraGlobal
	}
	aurora := o.Kind == multiregion.AuroraGlobal
	if !aurora && o.Kind != multiregion.RDSReadReplica {
		return fmt.Errorf("Kind %v is neither AuroraGlobal nor RDSReadReplica", o.Kind)
	}
	if o.GlobalClusterID == "" {
		o.GlobalClusterID = "aurora-global"
	}
	if o.DBInstanceID == "" {
		o.DBInstanceID = "rds-db"
	}
	if o.Engine == "" {
		o.Engine = map[bool]string{true: "aurora-postgresql", false: "postgres"}[aurora]
	}
	if strings.HasPrefix(o.Engine, "aurora") != aurora {
		return fmt.Errorf("engine %q does not fit %v", o.Engine, o.Kind)
	}
	if o.EngineVersion == "" {
		o.EngineVersion = defaultEngineVersion(o.Engine)
	}
	members := slices.Clone(o.Regions)
	if len(members) == 0 {
		members = slices.Clone(regions)
	}
	if o.Writer == "" {
		o.Writer = members[0]
	}
	if !slices.Contains(members, o.Writer) {
		return fmt.Errorf("writer %s has no member (regions %v)", o.Writer, members)
	}
	d := &RDS{opts: o, account: "123456789012", writer: o.Writer}
	if o.Endpoint == nil {
		host, port, err := closedLoopbackPort()
		if err != nil {
			return err
		}
		d.opts.Endpoint = func(string) (string, int) { return host, port }
	}
	if aurora {
		d.global = fmt.Sprintf("%s.global-%s.global.rds.amazonaws.com", o.GlobalClusterID, shortID(o.GlobalClusterID))
	}
	for _, r := range members {
		if err := multiregion.Region(r).Validate(); err != nil {
			return err
		}
		if slices.ContainsFunc(d.members, func(m *rdsMember) bool { return m.region == r }) {
			return fmt.Errorf("region %s listed twice", r)
		}
		d.add(r)
	}
	s.handle = d
	return nil
}

func defaultEngineVersion(engine string) string {
	switch engine {
	case "aurora-postgresql", "postgres":
		return "16.4"
	case "aurora-mysql":
		return "8.0.mysql_aurora.3.08.0"
	case "mysql":
		return "8.0.40"
	case "mariadb":
		return "10.11.9"
	}
	return "1.0"
}

// shortID is a stable 12-letter name part derived from s, shaped like the
// random one in AWS's global writer endpoints.
func shortID(s string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	v := h.Sum64()
	b := make([]byte, 12)
	for i := range b {
		b[i] = letters[v%uint64(len(letters))]
		v /= uint64(len(letters))
	}
	return string(b)
}

func (s *rdsStore) claims(r *http.Request) bool { return claimsPath(r, rdsPath) }

func (s *rdsStore) endpoints(base string) map[string]string {
	return map[string]string{multiregion.ServiceRDS: strings.TrimRight(base, "/") + strings.TrimRight(rdsPath, "/")}
}

func (s *rdsStore) writeFault(w http.ResponseWriter, _ *http.Request, f fault) { writeRDSFault(w, f) }

func (s *rdsStore) close() {}

func (s *rdsStore) handler(region string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.handle.serve(region, w, r) })
}

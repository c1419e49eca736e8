package aurora

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// ControlPlaneAPI is the part of the RDS control plane the adapter calls;
// *rds.Client (github.com/aws/aws-sdk-go-v2/service/rds) implements it.
// Implementations must be safe for concurrent use.
type ControlPlaneAPI interface {
	DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, optFns ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, optFns ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
	PromoteReadReplica(ctx context.Context, in *rds.PromoteReadReplicaInput, optFns ...func(*rds.Options)) (*rds.PromoteReadReplicaOutput, error)
}

// Topology attributes.
const (
	engineAttr         = "engine"
	globalEndpointAttr = "global_endpoint"
)

// auroraSource loads an Aurora global database: DescribeGlobalClusters for
// the members and the writer, DescribeDBClusters in each member's region
// for its writer and reader endpoints.
type auroraSource struct {
	id      string
	regions []multiregion.Region // the Client's
	api     func(multiregion.Region) ControlPlaneAPI
}

// firstAnswer asks the Client's regions in order until one answers: any
// region's endpoint serves the global and cross-Region calls.
func firstAnswer[T any](ctx context.Context, regions []multiregion.Region, call func(multiregion.Region) (T, error)) (T, error) {
	var (
		zero    T
		lastErr error
	)
	for _, r := range regions {
		out, err := call(r)
		if err == nil {
			return out, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return zero, lastErr
}

func (s *auroraSource) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	var t singlewriter.Topology
	out, err := firstAnswer(ctx, s.regions, func(r multiregion.Region) (*rds.DescribeGlobalClustersOutput, error) {
		return s.api(r).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(s.id)})
	})
	if err != nil {
		return t, fmt.Errorf("DescribeGlobalClusters %s: %w", s.id, err)
	}
	if len(out.GlobalClusters) != 1 {
		return t, fmt.Errorf("DescribeGlobalClusters %s: %d global clusters in the answer, want 1", s.id, len(out.GlobalClusters))
	}
	gc := out.GlobalClusters[0]
	if n := len(gc.GlobalClusterMembers); n > 1+MaxAuroraSecondaries {
		return t, &multiregion.CapabilityError{Kind: multiregion.AuroraGlobal, Rule: multiregion.ErrTooManyRegions,
			Detail: fmt.Sprintf("%d clusters; Aurora allows 1 + %d", n, MaxAuroraSecondaries)}
	}
	t.Attributes = map[string]string{engineAttr: aws.ToString(gc.Engine)}
	if ep := aws.ToString(gc.Endpoint); ep != "" {
		t.Attributes[globalEndpointAttr] = ep
	}
	for _, gm := range gc.GlobalClusterMembers {
		arn := aws.ToString(gm.DBClusterArn)
		r, id, err := parseARN(arn, "cluster")
		if err != nil {
			return t, err
		}
		if !slices.Contains(s.regions, r) {
			return t, fmt.Errorf("DescribeGlobalClusters %s: member %s: %w", s.id, arn, &multiregion.UnknownRegionError{Region: r})
		}
		dc, err := s.api(r).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
		if err != nil {
			return t, fmt.Errorf("DescribeDBClusters %s in %s: %w", id, r, err)
		}
		if len(dc.DBClusters) != 1 {
			return t, fmt.Errorf("DescribeDBClusters %s in %s: %d clusters in the answer, want 1", id, r, len(dc.DBClusters))
		}
		c := dc.DBClusters[0]
		port := int(aws.ToInt32(c.Port))
		m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, ID: arn, Status: aws.ToString(c.Status),
			Endpoint: singlewriter.HostPort(aws.ToString(c.Endpoint), port), ReaderEndpoint: singlewriter.HostPort(aws.ToString(c.ReaderEndpoint), port)}
		if m.Endpoint == "" { // a headless secondary: its reader endpoint serves
			m.Endpoint = m.ReaderEndpoint
		}
		if aws.ToBool(gm.IsWriter) {
			if t.Writer != "" {
				return t, fmt.Errorf("DescribeGlobalClusters %s: two writers (%s, %s)", s.id, t.Writer, r)
			}
			m.Role, t.Writer = singlewriter.RoleWriter, r
		}
		t.Members = append(t.Members, m)
	}
	return t, nil
}

// rdsSource loads an RDS source instance and its cross-Region read
// replicas: DescribeDBInstances of the source gives
// ReadReplicaDBInstanceIdentifiers, DescribeDBInstances of each replica (in
// its region) its endpoint. After Promote the promoted instance becomes
// the source (setSource).
type rdsSource struct {
	id      atomic.Pointer[string]
	regions []multiregion.Region
	api     func(multiregion.Region) ControlPlaneAPI
}

func (s *rdsSource) setSource(id string) { s.id.Store(&id) }

func (s *rdsSource) describe(ctx context.Context, id string) (multiregion.Region, *rds.DescribeDBInstancesOutput, error) {
	regions := s.regions
	if r, ident, err := parseARN(id, "db"); err == nil {
		if !slices.Contains(s.regions, r) {
			return "", nil, fmt.Errorf("DescribeDBInstances %s: %w", id, &multiregion.UnknownRegionError{Region: r})
		}
		regions, id = []multiregion.Region{r}, ident
	}
	var at multiregion.Region
	out, err := firstAnswer(ctx, regions, func(r multiregion.Region) (*rds.DescribeDBInstancesOutput, error) {
		at = r
		return s.api(r).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	})
	if err != nil {
		return "", nil, fmt.Errorf("DescribeDBInstances %s: %w", id, err)
	}
	if len(out.DBInstances) != 1 {
		return "", nil, fmt.Errorf("DescribeDBInstances %s: %d instances in the answer, want 1", id, len(out.DBInstances))
	}
	return at, out, nil
}

func (s *rdsSource) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	var t singlewriter.Topology
	id := *s.id.Load()
	r, out, err := s.describe(ctx, id)
	if err != nil {
		return t, err
	}
	src := out.DBInstances[0]
	if up := aws.ToString(src.ReadReplicaSourceDBInstanceIdentifier); up != "" {
		// The instance is a replica now (its replicas were rebuilt from a
		// new source): describe that source instead.
		if r, out, err = s.describe(ctx, up); err != nil {
			return t, err
		}
		src = out.DBInstances[0]
	}
	engine := aws.ToString(src.Engine)
	if n, limit := len(src.ReadReplicaDBInstanceIdentifiers), maxReplicas(engine); n > limit {
		return t, &multiregion.CapabilityError{Kind: multiregion.RDSReadReplica, Rule: multiregion.ErrTooManyRegions,
			Detail: fmt.Sprintf("%d read replicas; RDS allows %d per %s source", n, limit, engine)}
	}
	t.Attributes = map[string]string{engineAttr: engine}
	t.Writer = r
	t.Members = append(t.Members, instanceMember(r, src, singlewriter.RoleWriter))
	for _, rid := range src.ReadReplicaDBInstanceIdentifiers {
		rr, rout, err := s.describe(ctx, rid)
		if err != nil {
			return t, err
		}
		if slices.ContainsFunc(t.Members, func(m singlewriter.Member) bool { return m.Region == rr }) {
			continue // a second replica in one region: the kit routes per region, the first serves
		}
		if m := instanceMember(rr, rout.DBInstances[0], singlewriter.RoleReader); m.Endpoint != "" { // no endpoint yet: being created
			t.Members = append(t.Members, m)
		}
	}
	return t, nil
}

func instanceMember(r multiregion.Region, in types.DBInstance, role singlewriter.Role) singlewriter.Member {
	m := singlewriter.Member{Region: r, Role: role, ID: aws.ToString(in.DBInstanceArn), Status: aws.ToString(in.DBInstanceStatus)}
	if m.ID == "" {
		m.ID = aws.ToString(in.DBInstanceIdentifier)
	}
	if in.Endpoint != nil {
		m.Endpoint = singlewriter.HostPort(aws.ToString(in.Endpoint.Address), int(aws.ToInt32(in.Endpoint.Port)))
	}
	return m
}

// maxReplicas is RDS's limit of read replicas per source for engine.
func maxReplicas(engine string) int {
	switch e := strings.ToLower(engine); {
	case strings.HasPrefix(e, "oracle"), strings.HasPrefix(e, "sqlserver"):
		return MaxRDSReplicasOracleMSSQ
	case strings.HasPrefix(e, "db2"):
		return MaxRDSReplicasDb2
	}
	return MaxRDSReplicas
}

// engineOf maps the control plane's engine name to a driver.
func engineOf(name string) (Engine, bool) {
	switch strings.ToLower(name) {
	case "aurora-postgresql", "postgres", "postgresql":
		return PostgreSQL, true
	case "aurora-mysql", "aurora", "mysql", "mariadb":
		return MySQL, true
	}
	return 0, false
}

// parseARN splits arn:aws:rds:REGION:ACCOUNT:KIND:ID.
func parseARN(arn, kind string) (multiregion.Region, string, error) {
	if r, id, ok := singlewriter.SplitARN(arn, kind); ok {
		return r, id, nil
	}
	return "", "", fmt.Errorf("aurora: not an RDS %s ARN: %q", kind, arn)
}

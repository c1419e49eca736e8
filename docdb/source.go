package docdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdocdb "github.com/aws/aws-sdk-go-v2/service/docdb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// ControlPlaneAPI is the part of the DocumentDB control plane the adapter
// calls; *docdb.Client (github.com/aws/aws-sdk-go-v2/service/docdb)
// implements it. Implementations must be safe for concurrent use.
type ControlPlaneAPI interface {
	DescribeGlobalClusters(ctx context.Context, in *awsdocdb.DescribeGlobalClustersInput, optFns ...func(*awsdocdb.Options)) (*awsdocdb.DescribeGlobalClustersOutput, error)
	DescribeDBClusters(ctx context.Context, in *awsdocdb.DescribeDBClustersInput, optFns ...func(*awsdocdb.Options)) (*awsdocdb.DescribeDBClustersOutput, error)
	SwitchoverGlobalCluster(ctx context.Context, in *awsdocdb.SwitchoverGlobalClusterInput, optFns ...func(*awsdocdb.Options)) (*awsdocdb.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, in *awsdocdb.FailoverGlobalClusterInput, optFns ...func(*awsdocdb.Options)) (*awsdocdb.FailoverGlobalClusterOutput, error)
}

// LagSource measures the replication lag of a secondary region's cluster
// behind the primary. It is called at every topology refresh, once per
// secondary, and must honor ctx. An error leaves that region's lag
// unknown (it keeps serving reads). It must be safe for concurrent use.
type LagSource interface {
	ReplicaLag(ctx context.Context, region multiregion.Region, clusterID string) (time.Duration, error)
}

// LagFunc adapts a function to LagSource; it is as safe for concurrent
// use as the function.
type LagFunc func(ctx context.Context, region multiregion.Region, clusterID string) (time.Duration, error)

// ReplicaLag calls f.
func (f LagFunc) ReplicaLag(ctx context.Context, region multiregion.Region, clusterID string) (time.Duration, error) {
	return f(ctx, region, clusterID)
}

// MetricReader reads the maximum of one CloudWatch metric over the last
// period; the CloudWatch LagSource uses it so that the adapter does not
// depend on the CloudWatch SDK. Wire it to GetMetricData of
// github.com/aws/aws-sdk-go-v2/service/cloudwatch.
type MetricReader interface {
	Maximum(ctx context.Context, region multiregion.Region, namespace, metric string, dimensions map[string]string, period time.Duration) (value float64, ok bool, err error)
}

// CloudWatchLag returns a LagSource (safe for concurrent use if m is) reading AWS/DocDB
// DBClusterReplicaLagMaximum (milliseconds) of the secondary cluster, over
// the last period (default 1 minute).
func CloudWatchLag(m MetricReader, period time.Duration) LagSource {
	if period <= 0 {
		period = time.Minute
	}
	return LagFunc(func(ctx context.Context, r multiregion.Region, clusterID string) (time.Duration, error) {
		v, ok, err := m.Maximum(ctx, r, "AWS/DocDB", "DBClusterReplicaLagMaximum",
			map[string]string{"DBClusterIdentifier": clusterIdentifier(clusterID)}, period)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("docdb: no DBClusterReplicaLagMaximum datapoint in %s", r)
		}
		return time.Duration(v * float64(time.Millisecond)), nil
	})
}

// engineVersionAttr is the topology attribute holding the primary's
// engine version.
const engineVersionAttr = "engine_version"

// controlSource loads the topology from DescribeGlobalClusters (members,
// IsWriter) and DescribeDBClusters in each member's region (endpoints,
// engine version, status).
type controlSource struct {
	id      string
	regions []multiregion.Region // the Client's
	api     func(multiregion.Region) ControlPlaneAPI
	lag     LagSource
	partial bool // Options.AllowPartial
}

// notDescribed is the endpoint of a member outside the Client's regions:
// it is not described (the Client has no endpoint there) and the kit
// leaves it out of routing.
const notDescribed = "not-described.invalid:27017"

func (s *controlSource) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	var t singlewriter.Topology
	// Any region's endpoint answers DescribeGlobalClusters; ask the
	// Client's regions in order until one does.
	var (
		out     *awsdocdb.DescribeGlobalClustersOutput
		lastErr error
	)
	for _, r := range s.regions {
		o, err := s.api(r).DescribeGlobalClusters(ctx, &awsdocdb.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(s.id)})
		if err == nil {
			out = o
			break
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	if out == nil {
		return t, fmt.Errorf("DescribeGlobalClusters %s: %w", s.id, lastErr)
	}
	if len(out.GlobalClusters) != 1 {
		return t, fmt.Errorf("DescribeGlobalClusters %s: %d global clusters in the answer, want 1", s.id, len(out.GlobalClusters))
	}
	gc := out.GlobalClusters[0]
	if n := len(gc.GlobalClusterMembers); n > MaxRegions {
		return t, &multiregion.CapabilityError{Kind: multiregion.DocumentDBGlobal, Rule: multiregion.ErrTooManyRegions,
			Detail: fmt.Sprintf("%d regional clusters; DocumentDB allows 1 + %d", n, MaxSecondaryRegions)}
	}
	t.Attributes = map[string]string{}
	if v := aws.ToString(gc.EngineVersion); v != "" {
		t.Attributes[engineVersionAttr] = v
	}
	for _, gm := range gc.GlobalClusterMembers {
		arn := aws.ToString(gm.DBClusterArn)
		r, id, err := parseClusterARN(arn)
		if err != nil {
			return t, err
		}
		if !slices.Contains(s.regions, r) {
			if !s.partial {
				return t, fmt.Errorf("DescribeGlobalClusters %s: member %s (Options.AllowPartial leaves such members out): %w",
					s.id, arn, &multiregion.UnknownRegionError{Region: r})
			}
			if aws.ToBool(gm.IsWriter) {
				return t, fmt.Errorf("DescribeGlobalClusters %s: the primary is in %s: %w", s.id, r, &multiregion.UnknownRegionError{Region: r})
			}
			t.Members = append(t.Members, singlewriter.Member{Region: r, Role: singlewriter.RoleReader, ID: arn, Endpoint: notDescribed})
			continue
		}
		dc, err := s.api(r).DescribeDBClusters(ctx, &awsdocdb.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
		if err != nil {
			return t, fmt.Errorf("DescribeDBClusters %s in %s: %w", id, r, err)
		}
		if len(dc.DBClusters) != 1 {
			return t, fmt.Errorf("DescribeDBClusters %s in %s: %d clusters in the answer, want 1", id, r, len(dc.DBClusters))
		}
		c := dc.DBClusters[0]
		port := 27017
		if c.Port != nil {
			port = int(*c.Port)
		}
		m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, ID: arn, Status: aws.ToString(c.Status),
			Endpoint: singlewriter.HostPort(aws.ToString(c.Endpoint), port)}
		if re := aws.ToString(c.ReaderEndpoint); re != "" {
			m.ReaderEndpoint = singlewriter.HostPort(re, port)
		}
		if aws.ToBool(gm.IsWriter) {
			if t.Writer != "" {
				return t, fmt.Errorf("DescribeGlobalClusters %s: two writers (%s, %s)", s.id, t.Writer, r)
			}
			m.Role, t.Writer = singlewriter.RoleWriter, r
			if v := aws.ToString(c.EngineVersion); v != "" {
				t.Attributes[engineVersionAttr] = v
			}
		}
		t.Members = append(t.Members, m)
	}
	measureLag(ctx, s.lag, &t)
	return t, nil
}

// measureLag fills the lag of every secondary from src.
func measureLag(ctx context.Context, src LagSource, t *singlewriter.Topology) {
	if src == nil {
		return
	}
	for i, m := range t.Members {
		if m.Role == singlewriter.RoleWriter {
			continue
		}
		d, err := src.ReplicaLag(ctx, m.Region, m.ID)
		if err != nil || d < 0 {
			continue
		}
		t.Members[i].Lag, t.Members[i].LagKnown = d, true
	}
}

// lagSource wraps a Source with the LagSource.
type lagSource struct {
	src singlewriter.Source
	lag LagSource
}

func (s lagSource) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	t, err := s.src.LoadTopology(ctx)
	if err != nil {
		return t, err
	}
	measureLag(ctx, s.lag, &t)
	return t, nil
}

// parseClusterARN splits arn:aws:rds:REGION:ACCOUNT:cluster:ID.
func parseClusterARN(arn string) (multiregion.Region, string, error) {
	if r, id, ok := singlewriter.SplitARN(arn, "cluster"); ok {
		return r, id, nil
	}
	return "", "", fmt.Errorf("docdb: not a cluster ARN: %q", arn)
}

// clusterIdentifier is the identifier in a cluster ARN, or id itself.
func clusterIdentifier(id string) string {
	if _, ident, err := parseClusterARN(id); err == nil {
		return ident
	}
	return id
}

// staticTopology converts Options.Members.
func staticTopology(members []Member, engine string) (singlewriter.Topology, error) {
	t := singlewriter.Topology{Attributes: map[string]string{}}
	if engine != "" {
		t.Attributes[engineVersionAttr] = engine
	}
	if len(members) > MaxRegions {
		return t, &multiregion.CapabilityError{Kind: multiregion.DocumentDBGlobal, Rule: multiregion.ErrTooManyRegions,
			Detail: fmt.Sprintf("%d regional clusters; DocumentDB allows 1 + %d", len(members), MaxSecondaryRegions)}
	}
	for _, m := range members {
		sm := singlewriter.Member{Region: m.Region, Role: singlewriter.RoleReader, Endpoint: m.Endpoint, ReaderEndpoint: m.ReaderEndpoint, ID: m.ID}
		if m.Writer {
			if t.Writer != "" {
				return t, &multiregion.OptionError{Field: "Members", Value: string(m.Region), Reason: "two writers (" + string(t.Writer) + ", " + string(m.Region) + ")"}
			}
			sm.Role, t.Writer = singlewriter.RoleWriter, m.Region
		}
		t.Members = append(t.Members, sm)
	}
	return t, nil
}

// retryWrites decides retryable writes from the engine version.
func retryWrites(forced *bool, engine string) bool {
	if forced != nil {
		return *forced
	}
	return versionAtLeast(engine, RetryableWritesVersion)
}

// versionAtLeast compares dotted numeric versions; an unparsable v is
// older than anything.
func versionAtLeast(v, min string) bool {
	a, ok := parseVersion(v)
	if !ok {
		return false
	}
	b, _ := parseVersion(min)
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x > y
		}
	}
	return true
}

func parseVersion(v string) ([]int, bool) {
	if v == "" {
		return nil, false
	}
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

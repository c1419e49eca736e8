package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// Topology attributes the sources set.
const (
	attrClusterMode = "cluster_mode" // "enabled" or "disabled"
	attrTLS         = "tls"          // "true" when the control plane reports in-transit encryption
)

// ElastiCache roles of Global Datastore members.
const (
	rolePrimary   = "PRIMARY"
	roleSecondary = "SECONDARY"
)

// staticSource is the singlewriter.Source of Options.Static.
func staticSource(s *Static) (singlewriter.Source, error) {
	bad := func(r multiregion.Region, reason string, err error) error {
		return &TopologyError{Group: "static", Region: r, Reason: reason, Err: err}
	}
	if s.Primary == "" {
		return nil, bad("", "Static.Primary is required", &multiregion.CapabilityError{Kind: multiregion.ElastiCacheGlobal, Rule: multiregion.ErrWriterRequired, Detail: "name the primary region"})
	}
	if _, ok := s.Addrs[s.Primary]; !ok {
		return nil, bad(s.Primary, "the primary region has no address in Static.Addrs", multiregion.ErrWriterNotListed)
	}
	regions := make([]multiregion.Region, 0, len(s.Addrs))
	for r, a := range s.Addrs {
		if err := r.Validate(); err != nil {
			return nil, bad("", "malformed region name", err)
		}
		if a == "" {
			return nil, bad(r, "empty address", nil)
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, bad(r, "address must be host:port", nil) // never quote it
		}
		regions = append(regions, r)
	}
	if err := multiregion.Validate(multiregion.ElastiCacheGlobal, regions, s.Primary); err != nil {
		return nil, bad("", "not allowed for a Global Datastore (1 primary + at most 2 secondary regions)", err)
	}
	t := singlewriter.Topology{Writer: s.Primary, Attributes: map[string]string{attrClusterMode: clusterWord(s.ClusterMode)}}
	for _, r := range regions {
		m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, Endpoint: s.Addrs[r], Status: "static"}
		if r == s.Primary {
			m.Role = singlewriter.RoleWriter
		}
		t.Members = append(t.Members, m)
	}
	return singlewriter.Static(t), nil
}

func clusterWord(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// api is the part of the ElastiCache control-plane client the Store uses.
// *elasticache.Client implements it (and is safe for concurrent use; an
// implementation must be too).
type api interface {
	DescribeGlobalReplicationGroups(ctx context.Context, in *elasticache.DescribeGlobalReplicationGroupsInput, optFns ...func(*elasticache.Options)) (*elasticache.DescribeGlobalReplicationGroupsOutput, error)
	DescribeReplicationGroups(ctx context.Context, in *elasticache.DescribeReplicationGroupsInput, optFns ...func(*elasticache.Options)) (*elasticache.DescribeReplicationGroupsOutput, error)
	FailoverGlobalReplicationGroup(ctx context.Context, in *elasticache.FailoverGlobalReplicationGroupInput, optFns ...func(*elasticache.Options)) (*elasticache.FailoverGlobalReplicationGroupOutput, error)
}

// controlPlane is the singlewriter.Source of a Global Datastore: the
// members from DescribeGlobalReplicationGroups, their endpoints from
// DescribeReplicationGroups in each member's region.
type controlPlane struct {
	id      string
	mr      *multiregion.Client
	optFns  []func(*elasticache.Options)
	mu      sync.Mutex
	clients map[multiregion.Region]api
}

func newControlPlane(mr *multiregion.Client, id string, optFns []func(*elasticache.Options)) *controlPlane {
	return &controlPlane{id: id, mr: mr, optFns: optFns, clients: map[multiregion.Region]api{}}
}

// api returns the control-plane client of r, built once from the Client's
// per-region aws.Config (its endpoint overrides included).
func (c *controlPlane) api(r multiregion.Region) api {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.clients[r]; ok {
		return a
	}
	a := elasticache.NewFromConfig(c.mr.Config(r), c.optFns...)
	c.clients[r] = a
	return a
}

func (c *controlPlane) bad(r multiregion.Region, reason string, err error) error {
	return &TopologyError{Group: c.id, Region: r, Reason: reason, Err: err}
}

// describeGroup asks the Client's regions in order until one answers.
func (c *controlPlane) describeGroup(ctx context.Context) (*types.GlobalReplicationGroup, error) {
	var errs []error
	for _, r := range c.mr.Regions() {
		out, err := c.api(r).DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
			GlobalReplicationGroupId: aws.String(c.id), ShowMemberInfo: aws.Bool(true)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var nf *types.GlobalReplicationGroupNotFoundFault
			if errors.As(err, &nf) {
				return nil, err
			}
			errs = append(errs, fmt.Errorf("%s: %w", r, err))
			continue
		}
		for i := range out.GlobalReplicationGroups {
			if g := &out.GlobalReplicationGroups[i]; aws.ToString(g.GlobalReplicationGroupId) == c.id {
				return g, nil
			}
		}
		return nil, c.bad("", "DescribeGlobalReplicationGroups did not return the group", nil)
	}
	return nil, errors.Join(errs...)
}

// LoadTopology implements singlewriter.Source.
func (c *controlPlane) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	g, err := c.describeGroup(ctx)
	if err != nil {
		return singlewriter.Topology{}, err
	}
	if len(g.Members) == 0 {
		return singlewriter.Topology{}, c.bad("", "the Global Datastore has no members", nil)
	}
	if len(g.Members) > 3 {
		return singlewriter.Topology{}, c.bad("", fmt.Sprintf("%d members: a Global Datastore has 1 primary + at most 2 secondary regions", len(g.Members)),
			&multiregion.CapabilityError{Kind: multiregion.ElastiCacheGlobal, Rule: multiregion.ErrTooManyRegions, Detail: fmt.Sprintf("%d regions", len(g.Members))})
	}
	t := singlewriter.Topology{Attributes: map[string]string{}}
	if v := aws.ToString(g.EngineVersion); v != "" {
		t.Attributes["engine_version"] = v
	}
	var cluster *bool
	tlsOn := aws.ToBool(g.TransitEncryptionEnabled)
	for _, gm := range g.Members {
		r := multiregion.Region(aws.ToString(gm.ReplicationGroupRegion))
		if err := r.Validate(); err != nil {
			return singlewriter.Topology{}, c.bad("", "member with a malformed region", err)
		}
		m := singlewriter.Member{Region: r, ID: aws.ToString(gm.ReplicationGroupId), Status: aws.ToString(gm.Status)}
		switch strings.ToUpper(aws.ToString(gm.Role)) {
		case rolePrimary:
			if t.Writer != "" {
				return singlewriter.Topology{}, c.bad(r, "two PRIMARY members", nil)
			}
			m.Role, t.Writer = singlewriter.RoleWriter, r
		case roleSecondary:
			m.Role = singlewriter.RoleReader
		default:
			return singlewriter.Topology{}, c.bad(r, "member role is neither PRIMARY nor SECONDARY", nil)
		}
		rg, err := c.describeMember(ctx, r, m.ID)
		if err != nil {
			return singlewriter.Topology{}, err
		}
		on := aws.ToBool(rg.ClusterEnabled) || rg.ClusterMode == types.ClusterModeEnabled
		if cluster != nil && *cluster != on {
			return singlewriter.Topology{}, c.bad(r, "cluster mode differs between the Global Datastore's regions", nil)
		}
		cluster = &on
		tlsOn = tlsOn || aws.ToBool(rg.TransitEncryptionEnabled)
		if m.Endpoint, m.ReaderEndpoint, err = endpoints(rg, on); err != nil {
			return singlewriter.Topology{}, c.bad(r, err.Error(), nil)
		}
		t.Members = append(t.Members, m)
	}
	if t.Writer == "" {
		return singlewriter.Topology{}, c.bad("", "no PRIMARY member (a failover in progress?)", nil)
	}
	t.Attributes[attrClusterMode] = clusterWord(*cluster)
	if tlsOn {
		t.Attributes[attrTLS] = "true"
	}
	return t, nil
}

// describeMember returns the replication group id in its region.
func (c *controlPlane) describeMember(ctx context.Context, r multiregion.Region, id string) (*types.ReplicationGroup, error) {
	if id == "" {
		return nil, c.bad(r, "member without a ReplicationGroupId", nil)
	}
	out, err := c.api(r).DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("DescribeReplicationGroups in %s: %w", r, err)
	}
	for i := range out.ReplicationGroups {
		if rg := &out.ReplicationGroups[i]; aws.ToString(rg.ReplicationGroupId) == id {
			return rg, nil
		}
	}
	return nil, c.bad(r, "DescribeReplicationGroups did not return the member's replication group", nil)
}

// endpoints returns the member's data-plane addresses: the configuration
// endpoint in cluster mode, else the primary and reader endpoints.
func endpoints(rg *types.ReplicationGroup, cluster bool) (primary, reader string, err error) {
	addr := func(e *types.Endpoint) string {
		if e == nil || aws.ToString(e.Address) == "" {
			return ""
		}
		port := e.Port
		if port == nil {
			port = aws.Int32(6379)
		}
		return net.JoinHostPort(aws.ToString(e.Address), strconv.Itoa(int(*port)))
	}
	if cluster {
		if primary = addr(rg.ConfigurationEndpoint); primary == "" {
			return "", "", errors.New("cluster mode enabled but no configuration endpoint")
		}
		return primary, "", nil
	}
	if len(rg.NodeGroups) == 0 {
		return "", "", errors.New("no node group (a serverless cache cannot be in a Global Datastore)")
	}
	if primary = addr(rg.NodeGroups[0].PrimaryEndpoint); primary == "" {
		return "", "", errors.New("no primary endpoint")
	}
	return primary, addr(rg.NodeGroups[0].ReaderEndpoint), nil
}

// failover calls FailoverGlobalReplicationGroup for target, whose member
// has replication group id rgID, in target's region first, then the others.
func (c *controlPlane) failover(ctx context.Context, target multiregion.Region, rgID string) error {
	in := &elasticache.FailoverGlobalReplicationGroupInput{GlobalReplicationGroupId: aws.String(c.id),
		PrimaryRegion: aws.String(string(target)), PrimaryReplicationGroupId: aws.String(rgID)}
	_, err := c.api(target).FailoverGlobalReplicationGroup(ctx, in)
	return err
}

// attrSource is the Source the kit calls: the configured one (with the lag
// last measured, lag.go, merged into the replicas by
// singlewriter.MeasuredLag), keeping the attributes of the last load for
// the connect func.
type attrSource struct {
	inner singlewriter.Source
	attrs atomic.Pointer[map[string]string]
}

func (s *attrSource) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	t, err := s.inner.LoadTopology(ctx)
	if err != nil {
		return t, err
	}
	a := make(map[string]string, len(t.Attributes))
	for k, v := range t.Attributes {
		a[k] = v
	}
	s.attrs.Store(&a)
	return t, nil
}

// cluster reports whether the last loaded topology is cluster mode enabled.
func (s *attrSource) cluster() bool {
	a := s.attrs.Load()
	return a != nil && (*a)[attrClusterMode] == "enabled"
}

func (s *attrSource) tls() bool {
	a := s.attrs.Load()
	return a != nil && (*a)[attrTLS] == "true"
}

package aurora

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// resolve checks the options, fills the defaults and returns the
// topology's Source. Every error is a *multiregion.OptionError or a
// *multiregion.CapabilityError, and none quotes a DSN.
func (c *cluster) resolve(_ context.Context) (singlewriter.Source, error) {
	o := &c.opts
	bad := func(field, value, reason string) error {
		return &multiregion.OptionError{Field: field, Value: value, Reason: reason}
	}
	if o.Kind != AuroraGlobal && o.Kind != RDSReplicas {
		return nil, bad("Kind", fmt.Sprint(int(o.Kind)), "unknown kind (AuroraGlobal or RDSReplicas)")
	}
	c.kind = o.Kind.storeKind()
	switch o.Engine {
	case EngineFromControlPlane, PostgreSQL, MySQL:
	default:
		return nil, bad("Engine", fmt.Sprint(int(o.Engine)), "unknown driver (PostgreSQL: pgx; MySQL: go-sql-driver/mysql)")
	}
	c.engine = o.Engine
	ids := 0
	for _, id := range []string{o.GlobalClusterID, o.SourceDBInstanceID} {
		if id != "" {
			ids++
		}
	}
	switch {
	case o.MaxLag < 0:
		return nil, bad("MaxLag", o.MaxLag.String(), "must not be negative")
	case o.MaxLag > 0 && o.LagInterval < 0:
		return nil, bad("MaxLag", o.MaxLag.String(), "needs the background lag measurement (LagInterval not negative)")
	case o.ReadYourWritesWindow < 0:
		return nil, bad("ReadYourWritesWindow", o.ReadYourWritesWindow.String(), "must not be negative")
	case ids+min(len(o.Members), 1) == 0:
		return nil, bad("Members", "", "set Members, GlobalClusterID (Aurora) or SourceDBInstanceID (RDS)")
	case ids+min(len(o.Members), 1) > 1:
		return nil, bad("Members", fmt.Sprint(len(o.Members)), "set only one of Members, GlobalClusterID, SourceDBInstanceID")
	case o.Kind == RDSReplicas && o.GlobalClusterID != "":
		return nil, bad("GlobalClusterID", o.GlobalClusterID, "an RDSReplicas Cluster is described by SourceDBInstanceID")
	case o.Kind == AuroraGlobal && o.SourceDBInstanceID != "":
		return nil, bad("SourceDBInstanceID", o.SourceDBInstanceID, "an AuroraGlobal Cluster is described by GlobalClusterID")
	case o.WriteForwarding && o.Kind == RDSReplicas:
		return nil, &multiregion.CapabilityError{Kind: multiregion.RDSReadReplica, Rule: multiregion.ErrInvalidStore,
			Detail: "write forwarding is an Aurora global database feature; RDS read replicas have none"}
	case !o.WriteForwarding && o.ForwardingConsistency != "":
		return nil, bad("ForwardingConsistency", o.ForwardingConsistency, "only with WriteForwarding")
	case len(o.Members) > 0 && o.Engine == EngineFromControlPlane:
		return nil, bad("Engine", "", "required with Members (PostgreSQL or MySQL)")
	}
	if err := c.resolveForwarding(); err != nil {
		return nil, err
	}
	if o.LagInterval == 0 {
		o.LagInterval = DefaultLagInterval
	}
	if o.ReadYourWritesWindow == 0 {
		o.ReadYourWritesWindow = DefaultReadYourWritesWindow
	}
	if o.Logger == nil {
		o.Logger = c.mr.Options().Logger
	}
	if o.Name == "" {
		o.Name = o.GlobalClusterID + o.SourceDBInstanceID
		if o.Name == "" {
			o.Name = "static"
		}
	}
	c.name = "aurora:" + o.Name
	c.api = o.API
	if c.api == nil {
		clients := map[multiregion.Region]ControlPlaneAPI{}
		for _, r := range c.mr.Regions() {
			clients[r] = rds.NewFromConfig(c.mr.Config(r))
		}
		c.api = func(r multiregion.Region) ControlPlaneAPI { return clients[r] }
	}
	switch {
	case len(o.Members) > 0:
		t, err := c.staticTopology()
		if err != nil {
			return nil, err
		}
		return singlewriter.Static(t), nil
	case o.GlobalClusterID != "":
		return &auroraSource{id: o.GlobalClusterID, regions: c.mr.Regions(), api: c.api}, nil
	}
	c.rdsSrc = &rdsSource{regions: c.mr.Regions(), api: c.api}
	c.rdsSrc.setSource(o.SourceDBInstanceID)
	return c.rdsSrc, nil
}

// resolveForwarding checks ForwardingConsistency against the engine: the
// engine is known here unless it comes from the control plane, and then
// the value is checked against both engines' modes.
func (c *cluster) resolveForwarding() error {
	o := &c.opts
	if !o.WriteForwarding {
		return nil
	}
	if o.ForwardingConsistency == "" {
		o.ForwardingConsistency = ConsistencySession
	}
	modes := []string{ConsistencyEventual, ConsistencySession, ConsistencyGlobal}
	if o.Engine != MySQL {
		modes = append(modes, ConsistencyOff) // Aurora PostgreSQL only
	}
	if !slices.Contains(modes, o.ForwardingConsistency) {
		return &multiregion.OptionError{Field: "ForwardingConsistency", Value: o.ForwardingConsistency,
			Reason: fmt.Sprintf("not a consistency mode of %s write forwarding (one of %v)", o.Engine, modes)}
	}
	return nil
}

// staticTopology checks Options.Members and builds the topology: each
// member's endpoint is its DSN's host:port.
func (c *cluster) staticTopology() (singlewriter.Topology, error) {
	o := &c.opts
	t := singlewriter.Topology{Attributes: map[string]string{engineAttr: o.Engine.String()}}
	limit := c.mr.Options().Regions
	maxMembers := 1 + MaxAuroraSecondaries
	if o.Kind == RDSReplicas {
		maxMembers = 1 + MaxRDSReplicas
	}
	if len(o.Members) > maxMembers {
		return t, &multiregion.CapabilityError{Kind: c.kind, Rule: multiregion.ErrTooManyRegions,
			Detail: fmt.Sprintf("%d members; %s allows %d", len(o.Members), o.Kind, maxMembers)}
	}
	c.static = map[multiregion.Region]dsnTemplate{}
	for i, m := range o.Members {
		field := fmt.Sprintf("Members[%d]", i)
		bad := func(f, reason string) error {
			return &multiregion.OptionError{Field: field + f, Value: string(m.Region), Reason: reason}
		}
		if !slices.Contains(limit, m.Region) {
			return t, bad(".Region", "not one of the Client's regions")
		}
		if m.DSN == "" {
			return t, bad(".DSN", "empty DSN")
		}
		d, err := parseDSN(o.Engine, m.DSN)
		if err != nil {
			return t, bad(".DSN", err.Error())
		}
		ep := d.endpoint()
		if ep == "" {
			return t, bad(".DSN", "the DSN names no TCP host")
		}
		if _, dup := c.static[m.Region]; dup {
			return t, bad(".Region", "listed twice")
		}
		c.static[m.Region] = d
		sm := singlewriter.Member{Region: m.Region, Role: singlewriter.RoleReader, Endpoint: ep}
		if m.Writer {
			if t.Writer != "" {
				return t, bad(".Writer", "two writers ("+string(t.Writer)+", "+string(m.Region)+")")
			}
			sm.Role, t.Writer = singlewriter.RoleWriter, m.Region
		}
		t.Members = append(t.Members, sm)
	}
	if t.Writer == "" {
		return t, &multiregion.CapabilityError{Kind: c.kind, Rule: multiregion.ErrWriterRequired,
			Detail: "no member is the Writer: writes are accepted in one region only; mark it"}
	}
	return t, nil
}

package aurora

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/regionkit/multiregion"
)

// MoveOptions configures Switchover, Failover and Promote. A plain value.
type MoveOptions struct {
	// Wait makes the call return only when the topology shows target as
	// the writer (or ctx ends), reloading it every PollInterval.
	// default: false (return once the control plane accepted the request)
	Wait bool
	// PollInterval is the time between two reloads while waiting.
	// default: 1s
	PollInterval time.Duration
}

// Switchover moves the writer of an Aurora global database to target with
// no data loss (SwitchoverGlobalCluster): the old primary becomes a
// secondary. AWS runs it for minutes; writes meanwhile fail as read-only
// and follow the new writer once the topology shows it.
func (c *Cluster) Switchover(ctx context.Context, target multiregion.Region, optFns ...func(*MoveOptions)) error {
	return c.move(ctx, "SwitchoverGlobalCluster", target, false, optFns)
}

// Failover promotes target (FailoverGlobalCluster). With allowDataLoss it
// is the failover for a primary region that is down (AllowDataLoss: writes
// not yet replicated to target are lost); without, it runs as a
// switchover (Switchover=true).
func (c *Cluster) Failover(ctx context.Context, target multiregion.Region, allowDataLoss bool, optFns ...func(*MoveOptions)) error {
	return c.move(ctx, "FailoverGlobalCluster", target, allowDataLoss, optFns)
}

// Promote promotes the RDS read replica in region to a standalone
// instance (PromoteReadReplica), which becomes the Cluster's writer and
// source. RDS reboots the replica, and replication from the old source
// stops for good: the other replicas stay replicas of the old source and
// leave this Cluster's topology; writes not yet replicated are not on the
// promoted instance.
func (c *Cluster) Promote(ctx context.Context, region multiregion.Region, optFns ...func(*MoveOptions)) error {
	return c.move(ctx, "PromoteReadReplica", region, false, optFns)
}

var moveOps = map[string]string{"SwitchoverGlobalCluster": "aurora.Switchover", "FailoverGlobalCluster": "aurora.Failover", "PromoteReadReplica": "aurora.Promote"}

func (c *Cluster) move(ctx context.Context, api string, target multiregion.Region, allowDataLoss bool, optFns []func(*MoveOptions)) error {
	op := moveOps[api]
	if ctx == nil {
		return &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	if err := c.kit.Err(); err != nil {
		return err
	}
	var mo MoveOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&mo)
		}
	}
	if mo.PollInterval < 0 {
		return &multiregion.OptionError{Field: "MoveOptions.PollInterval", Value: mo.PollInterval.String(), Reason: "must not be negative"}
	}
	if mo.PollInterval == 0 {
		mo.PollInterval = time.Second
	}
	capab, _ := multiregion.Capability(c.kind)
	if !slices.Contains(capab.FailoverAPIs, api) {
		return &multiregion.CapabilityError{Kind: c.kind, Rule: multiregion.ErrInvalidStore,
			Detail: fmt.Sprintf("%s is not a failover API of %s (the capability table has %v)", api, capab.Name, capab.FailoverAPIs)}
	}
	if c.static != nil {
		return fmt.Errorf("%s: %s: %w", op, c.name, ErrStaticTopology)
	}
	t := c.kit.Topology()
	m, ok := t.Member(target)
	switch {
	case !ok:
		return &InputError{Op: op, Arg: "target", Reason: "region " + string(target) + " has no member in the topology"}
	case t.Writer == target:
		return &InputError{Op: op, Arg: "target", Reason: "region " + string(target) + " is the writer already"}
	}
	if err := c.callMove(ctx, api, target, m.ID, allowDataLoss); err != nil {
		return fmt.Errorf("%s: %s: %w", op, c.name, err)
	}
	if api == "PromoteReadReplica" {
		c.rdsSrc.setSource(m.ID)
	}
	if err := c.kit.Refresh(ctx); err != nil && !mo.Wait {
		return err
	}
	for mo.Wait && c.kit.Topology().Writer != target {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s: waiting for %s to become the writer: %w", op, c.name, target, ctx.Err())
		case <-time.After(mo.PollInterval):
		}
		_ = c.kit.Refresh(ctx)
	}
	return nil
}

// callMove sends the control-plane request, in target's region.
func (c *Cluster) callMove(ctx context.Context, api string, target multiregion.Region, memberID string, allowDataLoss bool) error {
	cp := c.api(target)
	id := aws.String(c.opts.GlobalClusterID)
	var err error
	switch api {
	case "SwitchoverGlobalCluster":
		_, err = cp.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: id, TargetDbClusterIdentifier: &memberID})
	case "FailoverGlobalCluster":
		in := &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: id, TargetDbClusterIdentifier: &memberID}
		if allowDataLoss {
			in.AllowDataLoss = aws.Bool(true)
		} else {
			in.Switchover = aws.Bool(true)
		}
		_, err = cp.FailoverGlobalCluster(ctx, in)
	case "PromoteReadReplica":
		ident := memberID
		if _, id, perr := parseARN(memberID, "db"); perr == nil {
			ident = id
		}
		_, err = cp.PromoteReadReplica(ctx, &rds.PromoteReadReplicaInput{DBInstanceIdentifier: &ident})
	}
	return err
}

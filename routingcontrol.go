package multiregion

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"
)

// RoutingControlStatus is what the routing-control poller last saw. The
// regions it drains are in Status.Drained, by DrainRoutingControl.
type RoutingControlStatus struct {
	// Endpoint is the cluster endpoint the next read starts with: the one
	// that last answered.
	Endpoint RoutingControlEndpoint
	// LastPoll is when a round of reads last ended; LastSuccess when one
	// last read every control.
	LastPoll, LastSuccess time.Time
	// LastError is the last round's error (a *RoutingControlError per
	// control no endpoint could read), nil if it read every control. The
	// states in use are then the last ones read.
	LastError           error
	ConsecutiveFailures int
}

// RoutingControlError reports a routing control that no cluster endpoint
// could read; Err joins each endpoint's error. The region's drain state
// stays as last read.
type RoutingControlError struct {
	Region Region // the region the control gates
	ARN    string
	Op     string // "GetRoutingControlState"
	Err    error
}

func (e *RoutingControlError) Error() string {
	return fmt.Sprintf("multiregion: %s of the routing control of %s (%s) failed on every cluster endpoint: %v", e.Op, e.Region, e.ARN, e.Err)
}

// Unwrap returns the endpoints' errors.
func (e *RoutingControlError) Unwrap() error { return e.Err }

// arcControl is one routing control: the region index it gates and its ARN.
type arcControl struct {
	i   int
	arn string
}

// arcPoller reads the routing controls. mu serializes rounds (the loop's
// and RefreshRoutingControls') and guards current and off; stMu guards
// status, so that Status does not wait for a round's I/O.
type arcPoller struct {
	endpoints []RoutingControlEndpoint
	clients   []RoutingControlClient
	controls  []arcControl // in the Client's region order

	mu      sync.Mutex
	current int       // the endpoint that last answered
	off     RegionSet // the last known Off controls

	stMu   sync.Mutex
	status RoutingControlStatus
}

func newARCPoller(o *Options, cfg aws.Config) *arcPoller {
	if len(o.RoutingControls) == 0 {
		return nil
	}
	build := o.RoutingControlAPI
	if build == nil {
		build = newRoutingControlAPI(cfg)
	}
	p := &arcPoller{endpoints: o.RoutingControlEndpoints}
	for _, ep := range p.endpoints {
		p.clients = append(p.clients, build(ep))
	}
	for i, r := range o.Regions {
		if a, ok := o.RoutingControls[r]; ok {
			p.controls = append(p.controls, arcControl{i: i, arn: a})
		}
	}
	p.status.Endpoint = p.endpoints[0]
	return p
}

// RefreshRoutingControls reads every routing control once and applies the
// states before it returns: an Off control drains its region for the
// network view and every store. Use it with DisableBackgroundProbes, or to
// act on a flip at once. A control no endpoint could read keeps its last
// state; the error then joins a *RoutingControlError per such control.
// Without Options.RoutingControls it does nothing; after Close it returns
// ErrClosed.
func (c *Client) RefreshRoutingControls(ctx context.Context) error {
	if err := c.Err(); err != nil {
		return err
	}
	if c.arc == nil {
		return nil
	}
	return c.pollRoutingControls(ctx)
}

// routingControlLoop reads the controls now and then every
// RoutingControlInterval until ctx ends.
func (c *Client) routingControlLoop(ctx context.Context) {
	defer c.wg.Done()
	for {
		_ = c.pollRoutingControls(ctx) // logged, and kept in Status
		tm := c.opts.Clock.NewTimer(c.opts.RoutingControlInterval)
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-tm.C():
		}
	}
}

// pollRoutingControls runs one round: it reads every control, keeps the
// last state of those it cannot read, and applies the Off set as the
// DrainRoutingControl source.
func (c *Client) pollRoutingControls(ctx context.Context) error {
	p := c.arc
	p.mu.Lock()
	defer p.mu.Unlock()
	off := p.off
	var errs []error
	for _, ct := range p.controls {
		isOff, err := c.readControl(ctx, p, ct)
		if ctx.Err() != nil || c.Err() != nil { // cut short: says nothing of ARC
			if err := c.Err(); err != nil {
				return err
			}
			return ctx.Err()
		}
		switch {
		case err != nil:
			errs = append(errs, err)
		case isOff:
			off = off.With(ct.i)
		default:
			off &^= 1 << ct.i
		}
	}
	p.off = off
	err := errors.Join(errs...)
	c.recordARCRound(p, err)
	c.drainMu.Lock()
	c.setDrains(DrainRoutingControl, off)
	c.drainMu.Unlock()
	return err
}

// recordARCRound updates the poller's status and logs the start and the
// end of a failure streak, each once.
func (c *Client) recordARCRound(p *arcPoller, err error) {
	now := c.opts.Clock.Now()
	p.stMu.Lock()
	defer p.stMu.Unlock()
	p.status.LastPoll, p.status.LastError = now, err
	p.status.Endpoint = p.endpoints[p.current]
	if err == nil {
		if p.status.ConsecutiveFailures > 0 {
			c.opts.Logger.Info("multiregion: routing controls readable again", "endpoint", p.status.Endpoint.URL)
		}
		p.status.LastSuccess, p.status.ConsecutiveFailures = now, 0
		return
	}
	if p.status.ConsecutiveFailures == 0 {
		c.opts.Logger.Warn("multiregion: routing controls unreadable: keeping their last known states", "error", err)
	}
	p.status.ConsecutiveFailures++
}

// readControl reads one control, trying each endpoint in turn from the
// one that last answered; the one that answers becomes current.
func (c *Client) readControl(ctx context.Context, p *arcPoller, ct arcControl) (off bool, err error) {
	r := c.opts.Regions[ct.i]
	var errs []error
	for k := range p.clients {
		j := (p.current + k) % len(p.clients)
		off, err := c.readControlAt(ctx, p.clients[j], ct.arn)
		if err == nil {
			p.current = j
			return off, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		ep := p.endpoints[j]
		c.opts.Logger.Debug("multiregion: routing control read failed; trying the next endpoint",
			"region", string(r), "endpoint", ep.URL, "error", err)
		errs = append(errs, fmt.Errorf("endpoint %s (%s): %w", ep.URL, ep.Region, err))
	}
	return false, &RoutingControlError{Region: r, ARN: ct.arn, Op: "GetRoutingControlState", Err: errors.Join(errs...)}
}

func (c *Client) readControlAt(ctx context.Context, api RoutingControlClient, arn string) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	out, err := api.GetRoutingControlState(cctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(arn)})
	if err != nil {
		return false, err
	}
	switch out.RoutingControlState {
	case types.RoutingControlStateOff:
		return true, nil
	case types.RoutingControlStateOn:
		return false, nil
	}
	return false, fmt.Errorf("unknown routing control state %q", out.RoutingControlState)
}

// routingControlStatus returns the poller's status, or nil without one.
func (c *Client) routingControlStatus() *RoutingControlStatus {
	if c.arc == nil {
		return nil
	}
	c.arc.stMu.Lock()
	defer c.arc.stMu.Unlock()
	st := c.arc.status
	return &st
}

package multiregion

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
)

// DefaultRoutingControlInterval is the default of Options.RoutingControlInterval.
const DefaultRoutingControlInterval = 5 * time.Second

// DrainRoutingControl is the drain source of the routing-control poller
// (Options.RoutingControls): a region whose routing control is Off.
const DrainRoutingControl = "arc"

// RoutingControlEndpoint is one regional endpoint of a Route 53 Application
// Recovery Controller cluster, as DescribeClusters lists it
// (ClusterEndpoints: Endpoint and Region). A cluster has five; requests to
// one are signed for its own region.
type RoutingControlEndpoint struct {
	// Region is the endpoint's AWS region, which requests to it are signed for.
	Region string
	// URL is the endpoint, e.g. https://abcd1234.route53-recovery-cluster.us-west-2.amazonaws.com/.
	URL string
}

// RoutingControlClient is the part of the Route 53 ARC data-plane client
// (route53recoverycluster.Client) the poller uses. Tests can give a fake
// through Options.RoutingControlAPI.
type RoutingControlClient interface {
	GetRoutingControlState(ctx context.Context, in *route53recoverycluster.GetRoutingControlStateInput,
		optFns ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error)
}

// newRoutingControlAPI builds the default client for endpoint ep from the
// Client's base aws.Config. The SDK's own retries are off: the poller
// retries on the next cluster endpoint instead, as AWS advises, rather than
// waiting out backoffs on an endpoint that is down.
func newRoutingControlAPI(cfg aws.Config) func(RoutingControlEndpoint) RoutingControlClient {
	return func(ep RoutingControlEndpoint) RoutingControlClient {
		cfg := cfg.Copy()
		cfg.Region = ep.Region
		return route53recoverycluster.NewFromConfig(cfg, func(o *route53recoverycluster.Options) {
			o.BaseEndpoint = aws.String(ep.URL)
			o.RetryMaxAttempts = 1
		})
	}
}

func copyRoutingControls(o *Options) {
	if o.RoutingControls != nil {
		m := make(map[Region]string, len(o.RoutingControls))
		for r, a := range o.RoutingControls {
			m[r] = a
		}
		o.RoutingControls = m
	}
	o.RoutingControlEndpoints = append([]RoutingControlEndpoint(nil), o.RoutingControlEndpoints...)
}

func resolveRoutingControls(o *Options) {
	if o.RoutingControlInterval == 0 {
		o.RoutingControlInterval = DefaultRoutingControlInterval
	}
}

// validateRoutingControls checks the routing-control fields; seen holds
// the Client's regions.
func (o *Options) validateRoutingControls(seen map[Region]bool) error {
	if o.RoutingControlInterval < 0 || (o.RoutingControlInterval > 0 && o.RoutingControlInterval < MinProbeInterval) {
		return &OptionError{Field: "RoutingControlInterval", Value: o.RoutingControlInterval.String(), Reason: "must be at least " + MinProbeInterval.String()}
	}
	for _, r := range slices.Sorted(maps.Keys(o.RoutingControls)) { // the same error on every run
		a := o.RoutingControls[r]
		switch {
		case !seen[r]:
			return &OptionError{Field: "RoutingControls", Value: string(r), Reason: "routing control for a region not in Regions", Err: &UnknownRegionError{Region: r}}
		case a == "":
			return &OptionError{Field: "RoutingControls", Value: string(r), Reason: "empty routing control ARN"}
		case !arn.IsARN(a):
			return &OptionError{Field: "RoutingControls", Value: fmt.Sprintf("%s=%q", r, a), Reason: "not an ARN (want arn:aws:route53-recovery-control::<account>:controlpanel/<id>/routingcontrol/<id>)"}
		}
	}
	if len(o.RoutingControls) > 0 && len(o.RoutingControlEndpoints) == 0 {
		return &OptionError{Field: "RoutingControlEndpoints", Value: "[]",
			Reason: "routing controls need their cluster's endpoints (DescribeClusters lists them)"}
	}
	for _, ep := range o.RoutingControlEndpoints {
		if err := Region(ep.Region).Validate(); err != nil {
			return &OptionError{Field: "RoutingControlEndpoints", Value: fmt.Sprintf("%q", ep.Region), Reason: "malformed endpoint region", Err: err}
		}
		u, err := url.Parse(ep.URL)
		if err != nil {
			return &OptionError{Field: "RoutingControlEndpoints", Value: fmt.Sprintf("%q", ep.URL), Reason: "malformed endpoint URL", Err: err}
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return &OptionError{Field: "RoutingControlEndpoints", Value: fmt.Sprintf("%q", u.Redacted()),
				Reason: "malformed endpoint URL: want https://host[:port]/ without user info"}
		}
	}
	return nil
}

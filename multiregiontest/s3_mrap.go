package multiregiontest

import (
	"context"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/regionkit/multiregion/multiregiontest/s3replica"
)

// S3AccountID is the account of the lab's Multi-Region Access Points.
const S3AccountID = s3replica.AccountID

// S3Route is one route of a Multi-Region Access Point.
type S3Route = s3replica.Route

// CreateMultiRegionAccessPoint makes a Multi-Region Access Point alias
// (lowercase letters and digits ending in ".mrap") over buckets (region to
// bucket), every route at 100 %, and returns its ARN
// (arn:aws:s3::S3AccountID:accesspoint/<alias>). A request to it through
// any region's endpoint is served by the bucket of the reachable route
// with the highest TrafficDialPercentage, then the lowest latency: MRAP's
// nearest active route, with failover. Clients address it with
// MRAPEndpointResolver; its routes change with the real s3control
// client's SubmitMultiRegionAccessPointRoutes (see
// S3ControlEndpointResolver).
func (s *S3) CreateMultiRegionAccessPoint(alias string, buckets map[string]string) (string, error) {
	return s.w.CreateMRAP(alias, buckets)
}

// MRAPRoutes returns the routes of a Multi-Region Access Point (ARN or
// alias) now in effect.
func (s *S3) MRAPRoutes(mrapARN string) ([]S3Route, error) { return s.w.Routes(mrapARN) }

// MRAPEndpointResolver returns an s3.EndpointResolverV2 for clients built
// from a lab Client's Config(region): requests whose Bucket is an MRAP ARN
// go to the region's lab endpoint (the SDK would send them to the global
// MRAP host, ignoring the endpoint override), still signed with SigV4A
// as the SDK signs MRAP requests; other buckets resolve as usual. Set it
// with func(o *s3.Options) { o.EndpointResolverV2 = lab.S3().MRAPEndpointResolver() }.
func (s *S3) MRAPEndpointResolver() s3.EndpointResolverV2 { return mrapResolver{} }

type mrapResolver struct{}

func (mrapResolver) ResolveEndpoint(ctx context.Context, p s3.EndpointParameters) (smithyendpoints.Endpoint, error) {
	ep, err := s3.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, p)
	if err != nil || p.Endpoint == nil || p.Bucket == nil || !strings.Contains(*p.Bucket, ":accesspoint/") {
		return ep, err
	}
	alias := (*p.Bucket)[strings.LastIndex(*p.Bucket, "/")+1:]
	if !strings.HasSuffix(alias, ".mrap") {
		return ep, nil
	}
	u, err := url.Parse(strings.TrimSuffix(*p.Endpoint, "/") + "/" + alias)
	if err != nil {
		return ep, err
	}
	ep.URI = *u // the SigV4A auth scheme of ep.Properties stays
	return ep, nil
}

// S3ControlEndpointResolver returns an s3control.EndpointResolverV2 for
// clients built from a lab Client's Config(region): the SDK prefixes the
// account id to the endpoint's host ("123456789012.127.0.0.1"), which is
// no address; this resolver keeps the lab endpoint's host. Set it with
// func(o *s3control.Options) { o.EndpointResolverV2 = lab.S3().S3ControlEndpointResolver() }.
func (s *S3) S3ControlEndpointResolver() s3control.EndpointResolverV2 { return controlResolver{} }

type controlResolver struct{}

func (controlResolver) ResolveEndpoint(ctx context.Context, p s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	ep, err := s3control.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, p)
	if err != nil || p.Endpoint == nil {
		return ep, err
	}
	u, err := url.Parse(*p.Endpoint)
	if err != nil {
		return ep, err
	}
	ep.URI.Scheme, ep.URI.Host = u.Scheme, u.Host
	return ep, nil
}

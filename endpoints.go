package multiregion

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Service SDK IDs for Options.Endpoints, as the AWS SDK for Go v2 names them.
const (
	ServiceDynamoDB        = "DynamoDB"
	ServiceDynamoDBStreams = "DynamoDB Streams"
	ServiceS3              = "S3"
	ServiceRDS             = "RDS"
	ServiceElastiCache     = "ElastiCache"
	ServiceDocDB           = "DocDB"
)

// regionEndpoints is a config source the AWS SDK consults when a service
// client is built from an aws.Config: every service's resolveBaseEndpoint
// asks each entry of cfg.ConfigSources for GetServiceBaseEndpoint(sdkID),
// the same hook that serves AWS_ENDPOINT_URL_<SERVICE> and the shared
// config's "services" section. Putting one first in ConfigSources gives
// per-service, per-region overrides without wrapping any client.
type regionEndpoints map[string]string

// GetServiceBaseEndpoint implements the SDK's serviceBaseEndpointProvider.
func (e regionEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[sdkID]
	return v, ok, nil
}

// regionConfig returns cfg for region r with the overrides applied.
// cfg.BaseEndpoint, when set, wins over per-service overrides in the SDK, so
// it is cleared here when r has overrides of its own.
func regionConfig(cfg aws.Config, r Region, overrides map[string]string) aws.Config {
	c := cfg.Copy()
	c.Region = string(r)
	if len(overrides) == 0 {
		return c
	}
	c.BaseEndpoint = nil
	sources := make([]interface{}, 0, len(cfg.ConfigSources)+1)
	sources = append(sources, regionEndpoints(overrides))
	c.ConfigSources = append(sources, cfg.ConfigSources...)
	return c
}

// endpointFor returns the override of service in r, if any.
func endpointFor(eps map[Region]map[string]string, r Region, service string) (string, bool) {
	v, ok := eps[r][service]
	return v, ok
}

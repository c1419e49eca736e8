package multiregion

import (
	"context"
	"strings"

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

// regionConfig returns cfg for region r with the overrides applied. The SDK
// consults config sources after cfg.BaseEndpoint, so an override wins over
// it for its service, and services without an override keep BaseEndpoint.
func regionConfig(cfg aws.Config, r Region, overrides map[string]string) aws.Config {
	c := cfg.Copy()
	c.Region = string(r)
	if len(overrides) == 0 {
		return c
	}
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

// endpointEnvConflict reports the first overridden service that the SDK
// would send elsewhere: when AWS_ENDPOINT_URL is set and the service's own
// AWS_ENDPOINT_URL_<SERVICE> is not, every service client's
// resolveBaseEndpoint returns before it reads any config source. New
// refuses such options instead of letting traffic reach the wrong endpoint.
func endpointEnvConflict(eps map[Region]map[string]string, lookup func(string) (string, bool)) (string, bool) {
	if _, global := lookup("AWS_ENDPOINT_URL"); !global {
		return "", false
	}
	for _, m := range eps {
		for service := range m {
			env := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, " ", "_"))
			if _, own := lookup(env); !own {
				return service, true
			}
		}
	}
	return "", false
}

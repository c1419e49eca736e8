package main

import (
	"net/url"
	"slices"
	"strings"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/lab"
)

// service is an AWS service whose regional endpoint root mrprobe can probe.
type service struct {
	// Name is the -services name.
	Name string
	// SDKID is the service's ID in the AWS SDK and multiregion.Options.Endpoints.
	SDKID string
	// Host is the first labels of the endpoint: Host.<region>.<dns suffix>.
	Host string
	// Lab is the lab service serving its API over HTTP, "" if none does.
	Lab lab.Service
}

// services are the probeable services, in the order -h lists them. Each
// root answers an unauthenticated GET (a health page, or a 4xx the
// prober counts as reachable), so no credentials are needed.
var services = []service{
	{Name: "dynamodb", SDKID: multiregion.ServiceDynamoDB, Host: "dynamodb", Lab: lab.DynamoDB},
	{Name: "dynamodb-streams", SDKID: multiregion.ServiceDynamoDBStreams, Host: "streams.dynamodb"},
	{Name: "s3", SDKID: multiregion.ServiceS3, Host: "s3", Lab: lab.S3},
	{Name: "rds", SDKID: multiregion.ServiceRDS, Host: "rds"},
	{Name: "elasticache", SDKID: multiregion.ServiceElastiCache, Host: "elasticache"},
}

func serviceNames() []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.Name
	}
	return out
}

// lookupService finds a service by its -services name, or by its SDK ID
// ("DynamoDB"), case-insensitively.
func lookupService(name string) (service, bool) {
	for _, s := range services {
		if strings.EqualFold(name, s.Name) || strings.EqualFold(name, s.SDKID) {
			return s, true
		}
	}
	return service{}, false
}

// dnsSuffixes are the dnsSuffix of each partition in the AWS SDK's
// partitions.json (multiregion's partition table has the region names
// only). A partition missing here is assumed to use amazonaws.com.
var dnsSuffixes = map[string]string{
	"aws":        "amazonaws.com",
	"aws-cn":     "amazonaws.com.cn",
	"aws-us-gov": "amazonaws.com",
	"aws-eusc":   "amazonaws.eu",
	"aws-iso":    "c2s.ic.gov",
	"aws-iso-b":  "sc2s.sgov.gov",
	"aws-iso-e":  "cloud.adc-e.uk",
	"aws-iso-f":  "csp.hci.ic.gov",
}

// awsURL is the public endpoint root of s in r.
func awsURL(s service, r multiregion.Region) string {
	suffix := "amazonaws.com"
	if p, ok := multiregion.KnownRegion(r); ok && dnsSuffixes[p] != "" {
		suffix = dnsSuffixes[p]
	}
	return "https://" + s.Host + "." + string(r) + "." + suffix + "/"
}

// overrides are endpoint URLs by service name, then region.
type overrides map[string]map[multiregion.Region]string

func (o overrides) set(s string, r multiregion.Region, u string) {
	if o[s] == nil {
		o[s] = map[multiregion.Region]string{}
	}
	o[s][r] = u
}

// url returns where to probe s in r: its override, else its AWS endpoint.
func (o overrides) url(s service, r multiregion.Region) string {
	if u, ok := o[s.Name][r]; ok {
		return u
	}
	return awsURL(s, r)
}

// parseEndpoints parses -endpoints (see endpointsHelp). Region-wide
// entries apply to every probed service and service entries win over
// them, whatever their order; among entries for the same key, the last
// wins. Overrides of regions or services not probed are refused: they are
// most likely a typo that would send the probes to AWS instead.
func parseEndpoints(s string, regions []multiregion.Region, svcs []service) (overrides, error) {
	wide, specific := overrides{}, overrides{}
	const all = "" // the service key of region-wide entries in wide
	for _, entry := range splitList(s) {
		if entry == "lab" {
			if err := labEndpoints(specific, regions, svcs); err != nil {
				return nil, err
			}
			continue
		}
		key, u, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, usageErrorf("-endpoints: %q: want REGION=URL, SERVICE@REGION=URL or lab", entry)
		}
		svcName, regionName, hasService := strings.Cut(key, "@")
		if !hasService {
			svcName, regionName = "", key
		}
		r := multiregion.Region(strings.TrimSpace(regionName))
		if !slices.Contains(regions, r) {
			return nil, usageErrorf("-endpoints: %q: region %s is not one of -regions", entry, r)
		}
		if err := checkURL(entry, u); err != nil {
			return nil, err
		}
		if !hasService {
			wide.set(all, r, u)
			continue
		}
		svc, ok := lookupService(strings.TrimSpace(svcName))
		if !ok {
			return nil, usageErrorf("-endpoints: %q: unknown service %q; known services: %s", entry, svcName, strings.Join(serviceNames(), ", "))
		}
		if !slices.ContainsFunc(svcs, func(p service) bool { return p.Name == svc.Name }) {
			return nil, usageErrorf("-endpoints: %q: service %s is not one of -services", entry, svc.Name)
		}
		specific.set(svc.Name, r, u)
	}
	out := overrides{}
	for _, svc := range svcs {
		for r, u := range wide[all] {
			out.set(svc.Name, r, u)
		}
		for r, u := range specific[svc.Name] {
			out.set(svc.Name, r, u)
		}
	}
	return out, nil
}

// checkURL accepts absolute http and https URLs only: anything else would
// fail at every probe and be reported as the region being down.
func checkURL(entry, u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return usageErrorf("-endpoints: %q: %q is not an http:// or https:// URL", entry, u)
	}
	return nil
}

// labEndpoints adds the endpoints of the running lab (internal/lab's env
// file) for every probed region and service.
func labEndpoints(o overrides, regions []multiregion.Region, svcs []service) error {
	env, err := lab.Load()
	if err != nil {
		return usageErrorf("-endpoints lab: %v", err)
	}
	for _, svc := range svcs {
		if svc.Lab == "" {
			return usageErrorf("-endpoints lab: the lab serves no HTTP endpoint for %s (it does for dynamodb and s3)", svc.Name)
		}
		for _, r := range regions {
			u, err := env.Endpoint(string(r), svc.Lab)
			if err != nil {
				return usageErrorf("-endpoints lab: %v", err)
			}
			o.set(svc.Name, r, u)
		}
	}
	return nil
}

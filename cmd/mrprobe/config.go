package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/regionkit/multiregion"
)

// config is what the flags ask for, validated.
type config struct {
	Regions  []multiregion.Region
	Services []service
	N        int
	Interval time.Duration
	Timeout  time.Duration
	JSON     bool
	// Progress is nil when -progress was not given: the progress line is
	// then shown only if stderr is a terminal.
	Progress *bool
	// Endpoints holds the -endpoints overrides, by service name then region.
	Endpoints overrides
	// EndpointsFlag is -endpoints as given, for the JSON report.
	EndpointsFlag string
}

// usageError is flag misuse: run prints it with a pointer to -h and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const usageText = `Usage: mrprobe -regions R1,R2,... [flags]

mrprobe measures the latency from this machine to each region's public AWS
endpoints, N probes per region and service, and prints the regions ranked by
median latency (p50), with p90, p99, min and max. Run it where your service
will run, before choosing its regions. It needs no AWS credentials: the
probed endpoint roots answer unauthenticated, and any answer below HTTP 500
counts as reachable.

Each probe is an HTTP GET of the endpoint's root, such as
https://dynamodb.us-east-1.amazonaws.com/, timed from the request written to
the first response byte, so DNS, TCP and TLS set-up are not counted;
connections are kept alive.
The regions of a round are probed at once. Percentiles are by nearest rank
over the probes that answered: always a measured sample (p99 of 10 probes
is the slowest). Regions that never answered rank last, with their error.
The progress line goes to stderr, the results alone to stdout.

Flags:
`

const endpointsHelp = `-endpoints: comma-separated entries, each one of
  REGION=URL           every probed service of REGION at URL
  SERVICE@REGION=URL   one service of REGION
  lab                  the lab of scripts/lab up (.lab/env.json, or
                       $MULTIREGION_LAB_ENV): its dynamodb and s3 endpoints
  SERVICE@REGION and lab win over REGION=URL; of two entries for the same
  key the later wins. A multiregiontest lab serves every service of a region
  on one URL: REGION=lab.Endpoint(REGION).URL. A region without an override
  is probed at its real AWS endpoint.

Exit status: 0 results printed; 1 no probe answered, or output failed;
2 flag misuse; 130 interrupted (what was measured is printed).

Examples:
  mrprobe -regions us-east-1,us-west-2,eu-west-1
  mrprobe -regions us-east-1,eu-west-1 -services dynamodb,s3 -n 20 -json | jq .
  mrprobe -regions us-east-1,eu-west-1 -endpoints us-east-1=http://127.0.0.1:4566,eu-west-1=http://127.0.0.1:4567
  mrprobe -regions us-east-1,us-west-2,eu-west-1 -services dynamodb,s3 -endpoints lab
`

// parseArgs parses and validates the command line. Flag misuse is a
// *usageError; -h is flag.ErrHelp (the usage was printed to stderr).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("mrprobe", flag.ContinueOnError)
	var (
		regions   = fs.String("regions", "", "comma-separated AWS regions to probe (required), e.g. us-east-1,eu-west-1")
		services  = fs.String("services", "dynamodb", "comma-separated services whose endpoints to probe: "+strings.Join(serviceNames(), ", "))
		endpoints = fs.String("endpoints", "", "endpoint overrides (the lab, multiregiontest): see below")
		n         = fs.Int("n", 10, "probes per region and service (rounds), >= 1")
		interval  = fs.Duration("interval", 200*time.Millisecond, "pause between rounds, >= 0")
		timeout   = fs.Duration("timeout", 5*time.Second, "timeout of one probe, > 0")
		asJSON    = fs.Bool("json", false, "print one JSON document instead of the table")
		progress  = fs.Bool("progress", false, "show the progress line on stderr (default: only when stderr is a terminal)")
	)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), "\n"+endpointsHelp)
	}
	// The flag package prints its own message and the usage for a bad
	// flag; keep it to its one-line message and a pointer to -h.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, err
		}
		return nil, &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, usageErrorf("unexpected argument %q (flags only; lists are comma-separated)", fs.Arg(0))
	}
	c := &config{N: *n, Interval: *interval, Timeout: *timeout, JSON: *asJSON, EndpointsFlag: *endpoints}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "progress" {
			c.Progress = progress
		}
	})
	var err error
	if c.Regions, err = parseRegions(*regions); err != nil {
		return nil, err
	}
	if c.Services, err = parseServices(*services); err != nil {
		return nil, err
	}
	switch {
	case c.N < 1:
		return nil, usageErrorf("-n %d: want at least 1 probe", c.N)
	case c.Interval < 0:
		return nil, usageErrorf("-interval %v: want 0 or more", c.Interval)
	case c.Timeout <= 0:
		return nil, usageErrorf("-timeout %v: want more than 0", c.Timeout)
	}
	if c.Endpoints, err = parseEndpoints(*endpoints, c.Regions, c.Services); err != nil {
		return nil, err
	}
	return c, nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseRegions checks each region against the SDK's partition data, so a
// typo is caught before any probe with the nearest real name.
func parseRegions(s string) ([]multiregion.Region, error) {
	names := splitList(s)
	if len(names) == 0 {
		return nil, usageErrorf("-regions is required, e.g. -regions us-east-1,us-west-2,eu-west-1")
	}
	seen := map[multiregion.Region]bool{}
	out := make([]multiregion.Region, 0, len(names))
	for _, name := range names {
		r := multiregion.Region(name)
		if err := checkRegion(r); err != nil {
			return nil, err
		}
		if seen[r] {
			return nil, usageErrorf("-regions: %s is listed twice", r)
		}
		seen[r] = true
		out = append(out, r)
	}
	return out, nil
}

// checkRegion words multiregion.CheckRegion's errors for a command line
// (the SDK's own messages point at Options fields).
func checkRegion(r multiregion.Region) error {
	err := multiregion.CheckRegion(r)
	var ue *multiregion.UnknownAWSRegionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue) && ue.Suggestion != "":
		return usageErrorf("-regions: unknown region %q: did you mean %s?", string(r), ue.Suggestion)
	case errors.As(err, &ue):
		return usageErrorf("-regions: unknown region %q: not a region of any AWS partition this release knows", string(r))
	default:
		return usageErrorf("-regions: %q is not an AWS region name (want the shape us-east-1)", string(r))
	}
}

// parseServices resolves service names, in the order given.
func parseServices(s string) ([]service, error) {
	names := splitList(s)
	if len(names) == 0 {
		return nil, usageErrorf("-services is empty; known services: %s", strings.Join(serviceNames(), ", "))
	}
	var out []service
	seen := map[string]bool{}
	for _, name := range names {
		svc, ok := lookupService(name)
		if !ok {
			return nil, usageErrorf("-services: unknown service %q; known services: %s", name, strings.Join(serviceNames(), ", "))
		}
		if !seen[svc.Name] {
			seen[svc.Name] = true
			out = append(out, svc)
		}
	}
	return out, nil
}

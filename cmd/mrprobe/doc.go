// Command mrprobe measures the latency from where it runs to each AWS
// region's public service endpoints and prints the regions ranked by median
// latency, with percentiles over N probes. Run it on the machines that will
// call AWS, before choosing a service's regions.
//
//	go run ./cmd/mrprobe -regions us-east-1,us-west-2,eu-west-1
//	go run ./cmd/mrprobe -regions us-east-1,eu-west-1,ap-southeast-2 -services dynamodb,s3,rds -n 20
//	go run ./cmd/mrprobe -regions us-east-1,eu-west-1 -json | jq '.results[] | {region, p50_ms}'
//
// # What it measures
//
// Each probe is the SDK's own prober, multiregion.HTTPProber: an HTTP GET
// of the root of the service's regional endpoint
// (https://dynamodb.us-east-1.amazonaws.com/, https://s3.<region>.amazonaws.com/,
// https://rds.<region>.amazonaws.com/, with the DNS suffix of the region's
// partition, e.g. amazonaws.com.cn for cn-north-1), timed with httptrace
// from the request written to the first response byte, so DNS, TCP and TLS
// set-up are not counted and connections are kept alive between probes.
// Any answer below HTTP 500 counts: a 4xx from an AWS front end proves the
// region answers. The roots answer unauthenticated, so mrprobe needs no AWS
// credentials and sends none. Against real AWS it measures the network
// from this machine: the numbers are only meaningful where your service
// will run.
//
// One round probes every region and service at once; -n rounds are run,
// -interval apart, each probe bounded by -timeout. Regions are checked
// against the AWS SDK's partition data first, so a typo is refused with
// the nearest real name ("did you mean us-west-2?").
//
// # Output
//
// The table has one row per region and service, ranked within each service
// (in -services order) by p50, then p90: rank, region, service, p50, p90,
// p99, min, max, ok/N and the last error. Percentiles are by nearest rank
// over the probes that answered (the sample of rank ceil(p/100 × n), never
// an interpolation: with 10 probes p99 is the slowest). Regions that never
// answered rank last of their service with 0/N and their error. -json
// prints one JSON document instead: the configuration used, the rounds run,
// and per row the same figures in milliseconds (floats; null when nothing
// answered), every sample, and the full last error.
//
// While probing, a progress line ("probing 3 regions × 2 services: round
// 4/10") is redrawn on stderr when stderr is a terminal, or whenever
// -progress is given (-progress=false hides it). Stdout carries the results
// only, so `mrprobe -json | jq` works. Ctrl-C stops early: the round in
// flight is dropped and the rounds completed are printed (exit status 130).
//
// # Pointing it at a lab
//
// -endpoints overrides where the probes go, as comma-separated entries:
// REGION=URL (every probed service of the region), SERVICE@REGION=URL (one
// service; wins over REGION=URL) or lab (the dynamodb and s3 endpoints of
// the lab that scripts/lab up runs, read from .lab/env.json or
// $MULTIREGION_LAB_ENV, behind its latency proxies):
//
//	scripts/lab up
//	go run ./cmd/mrprobe -regions us-east-1,us-west-2,eu-west-1 -services dynamodb,s3 -endpoints lab
//
// A multiregiontest.Lab serves every service of a region on one URL,
// Endpoint(region).URL, with the latency, outages and errors a test
// injects; a program can start one and point mrprobe at it:
//
//	l, _ := multiregiontest.New([]string{"us-east-1", "eu-west-1"},
//		multiregiontest.WithLatency("eu-west-1", 80*time.Millisecond))
//	defer l.Close()
//	// mrprobe -regions us-east-1,eu-west-1 -endpoints us-east-1=<l.Endpoint("us-east-1").URL>,eu-west-1=<...>
//
// A region without an override is probed at its real AWS endpoint.
//
// Exit status: 0 when the results are printed; 1 when no probe got an
// answer or the output could not be written; 2 on flag misuse (the message
// says which flag and why); 130 when interrupted.
package main

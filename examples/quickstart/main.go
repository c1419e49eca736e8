// Command quickstart shows multiregion end to end with no AWS account and no
// network: it starts an in-process lab of three regions on 127.0.0.1, each
// answering like DynamoDB's regional front end and each with its own latency,
// builds a multiregion.Client on it, prints the regions ranked nearest
// first, takes the nearest region down, shows the reroute, and brings the
// region back. Two stores on the Client show that one datastore's failures
// eject a region for it only. Then the dynamo adapter works on a global table in the same
// lab: nearest-replica writes, a read failing over, and a write that last
// writer wins discarded, surfaced as a conflict. Last, the cache adapter on
// an ElastiCache Global Datastore (the lab's control-plane mock, in-process
// Valkey servers): writes on the primary only, reads from the nearest
// region, a failover the writes follow. Then the docdb and aurora adapters
// on their control planes: the topology, a write refused before the
// network, a switchover followed. And the S3 mesh: a bucket per region
// replicating to every other, a read falling back while an object
// replicates.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// 1. The lab (the public test kit, multiregiontest): one endpoint per
	// region, with a round trip each, serving a DynamoDB global table
	// (asynchronous replication, streams).
	regions := []string{"eu-west-1", "us-west-2", "us-east-1"}
	// In-process Valkey servers for the ElastiCache Global Datastore of the
	// last part (the lab mocks ElastiCache's control plane only).
	cacheServers, err := startCacheRegions(regions, "eu-west-1")
	if err != nil {
		return err
	}
	defer cacheServers.close()
	lab, err := multiregiontest.New(regions,
		cacheServers.option(),
		docdbOption("us-east-1"),
		auroraOption("us-east-1"),
		s3Option(),
		multiregiontest.WithDynamoDB(func(o *multiregiontest.DynamoDBOptions) { o.ReplicationDelay = 100 * time.Millisecond }),
		multiregiontest.WithLatency("us-east-1", 10*time.Millisecond),
		multiregiontest.WithLatency("us-west-2", 70*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 160*time.Millisecond))
	if err != nil {
		return err
	}
	defer lab.Close()
	fmt.Fprintln(out, "lab:", lab)

	// 2. The client. Regions are listed in preference order, which only
	// breaks ties; lab.Options points the default prober (and any AWS
	// client built from mr.Config) at the lab, and lab.Config holds test
	// credentials and an HTTP client that reaches nothing but the lab.
	// Probes run every 100 ms here so the demo is quick; the default is 5 s.
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) {
		o.ProbeInterval = 100 * time.Millisecond
		o.ProbeTimeout = 500 * time.Millisecond
	})
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := mr.Refresh(ctx); err != nil {
		return err
	}
	printRanking(out, "ranked after the first probe round", lab, mr)
	nearest, err := mr.Nearest(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "nearest region: %s\n\n", nearest)

	// 3. An outage: the nearest region refuses connections. Probes (and, in
	// a real service, the calls adapters report with Observe) eject it
	// after FailureThreshold consecutive failures.
	fmt.Fprintf(out, "taking %s down...\n", nearest)
	down := time.Now()
	lab.Endpoint(string(nearest)).Down()
	next, err := waitForNearest(ctx, mr, func(r multiregion.Region) bool { return r != nearest })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rerouted to %s after %v (first failed probe: %s is ranked last)\n", next, time.Since(down).Round(10*time.Millisecond), nearest)
	if err := waitFor(ctx, func() bool { return !mr.Healthy(nearest) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s ejected after %v (FailureThreshold consecutive failures)\n", nearest, time.Since(down).Round(10*time.Millisecond))
	printRanking(out, "ranked during the outage", lab, mr)

	// 4. Only one allowed region, and it is down: a typed error, never a
	// silent wrong region. This is what a single-writer store's write gets.
	only, _ := mr.Set(nearest)
	if _, err := mr.Pick(only); errors.Is(err, multiregion.ErrNoHealthyRegion) {
		fmt.Fprintf(out, "a call allowed only in %s: %v\n\n", nearest, err)
	}

	// 5. The region comes back; the next successful probe readmits it and,
	// being faster by more than SwitchMargin, it is nearest again.
	fmt.Fprintf(out, "bringing %s back...\n", nearest)
	up := time.Now()
	if err := lab.Endpoint(string(nearest)).Up(); err != nil {
		return err
	}
	back, err := waitForNearest(ctx, mr, func(r multiregion.Region) bool { return r == nearest })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is nearest again after %v\n", back, time.Since(up).Round(10*time.Millisecond))
	printRanking(out, "ranked after recovery", lab, mr)

	// 5b. An operator drains the nearest region (a deployment, an incident
	// elsewhere): no store sends it new calls, though it is healthy, until
	// Undrain. Route 53 ARC routing controls drain the same way
	// (Options.RoutingControls).
	if err := mr.Drain(back); err != nil {
		return err
	}
	drainedTo, err := mr.Nearest(ctx)
	if err != nil {
		return err
	}
	st, _ := mr.Status().Region(back)
	fmt.Fprintf(out, "drained %s (by %v): calls go to %s; its measured health stays: healthy=%v drained=%v\n",
		back, mr.Status().Drained[0].By, drainedTo, st.Healthy, st.Drained)
	if err := mr.Undrain(back); err != nil {
		return err
	}
	undrained, err := mr.Nearest(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "undrained: nearest is %s again\n\n", undrained)

	// 6. Routing per store: one store's failures are its own.
	if err := storesDemo(ctx, out, mr); err != nil {
		return err
	}

	// 7. Datastore adapters on the same client.
	if err := tableDemo(ctx, out, lab, mr); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := cacheDemo(ctx, out, cacheServers, mr); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := docdbDemo(ctx, out, mr); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := auroraDemo(ctx, out, mr); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return s3Demo(ctx, out, lab, mr)
}

// waitForNearest polls Nearest until ok accepts it.
func waitForNearest(ctx context.Context, mr *multiregion.Client, ok func(multiregion.Region) bool) (multiregion.Region, error) {
	var got multiregion.Region
	err := waitFor(ctx, func() bool {
		r, err := mr.Nearest(ctx)
		got = r
		return err == nil && ok(r)
	})
	return got, err
}

// waitFor polls cond every 10 ms until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the router: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// printRanking prints the regions in pick order with their health and the
// round trip the lab gives each.
func printRanking(out io.Writer, title string, lab *multiregiontest.Lab, mr *multiregion.Client) {
	fmt.Fprintln(out, title+":")
	all, _ := mr.Set()
	for i, r := range mr.Rank(all, nil) {
		state := "healthy"
		if !mr.Healthy(r) {
			state = "EJECTED"
		}
		ep := lab.Endpoint(string(r))
		line := fmt.Sprintf("  %d. %-10s %-8s lab round trip %v", i+1, r, state, ep.Latency())
		if !ep.IsUp() {
			line += " (down)"
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintln(out)
}

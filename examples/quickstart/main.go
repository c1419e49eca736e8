// Command quickstart shows multiregion end to end with no AWS account and no
// network: it starts an in-process lab of three regions on 127.0.0.1, each
// answering like DynamoDB's regional front end and each with its own latency,
// builds a multiregion.Client on it, prints the regions ranked nearest
// first, takes the nearest region down, shows the reroute, and brings the
// region back. Then the dynamo adapter works on a global table in the same
// lab: nearest-replica writes, a read failing over, and a write that last
// writer wins discarded, surfaced as a conflict.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/internal/testutil/globaltable"
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
	// 1. The lab: one endpoint per region, with a round trip each, serving
	// a DynamoDB global-table emulator (asynchronous replication, streams).
	regions := []string{"eu-west-1", "us-west-2", "us-east-1"}
	emu, err := globaltable.New(globaltable.Options{Regions: regions, ReplicationDelay: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	defer emu.Close()
	lab, err := testutil.StartRegions(regions, testutil.WithHandler(emu.Handler),
		testutil.WithLatency("us-east-1", 10*time.Millisecond),
		testutil.WithLatency("us-west-2", 70*time.Millisecond),
		testutil.WithLatency("eu-west-1", 160*time.Millisecond))
	if err != nil {
		return err
	}
	defer lab.Close()
	fmt.Fprintln(out, "lab:", lab)

	// 2. The client. Regions are listed in preference order, which only
	// breaks ties; the endpoint overrides point the default prober (and any
	// AWS client built from mr.Config) at the lab. Probes run every 100 ms
	// here so the demo is quick; the default is 5 s.
	tr := &http.Transport{} // ours, so that its connections close with the demo
	defer tr.CloseIdleConnections()
	cfg := aws.Config{
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLAB", "lab-secret", ""),
		HTTPClient:  &http.Client{Transport: tr},
	}
	mr, err := multiregion.New(ctx, cfg, lab.Options(multiregion.ServiceDynamoDB, multiregion.ServiceDynamoDBStreams), func(o *multiregion.Options) {
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
	printStatus(out, "ranked after the first probe round", mr)
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
	fmt.Fprintf(out, "rerouted to %s after %v (first failed probe: %s is suspect, ranked last)\n", next, time.Since(down).Round(10*time.Millisecond), nearest)
	if err := waitFor(ctx, func() bool { return !mr.Healthy(nearest) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s ejected after %v (FailureThreshold consecutive failures)\n", nearest, time.Since(down).Round(10*time.Millisecond))
	printStatus(out, "ranked during the outage", mr)

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
	printStatus(out, "ranked after recovery", mr)

	// 6. A datastore adapter on the same client.
	return tableDemo(ctx, out, lab, emu, mr)
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

func printStatus(out io.Writer, title string, mr *multiregion.Client) {
	fmt.Fprintln(out, title+":")
	for i, st := range mr.Status() {
		state := "healthy"
		if !st.Healthy {
			state = "EJECTED"
		} else if st.ConsecutiveFailures > 0 {
			state = "suspect"
		}
		line := fmt.Sprintf("  %d. %-10s %-8s latency %-8v", i+1, st.Region, state, st.Latency.Round(time.Millisecond))
		if st.LastError != nil && state != "healthy" {
			line += fmt.Sprintf(" last error: %v", st.LastError)
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintln(out)
}

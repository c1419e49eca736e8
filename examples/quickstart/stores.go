package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/regionkit/multiregion"
)

// storesDemo shows routing per store: two datastores on one Client, each
// with a routing state of its own. The sessions store fails in us-east-1
// (say its Redis is down there while DynamoDB is fine): it is ejected for
// sessions only, orders keeps using us-east-1, and neither the network
// probes nor orders' successes readmit it; sessions' own successful call
// does.
func storesDemo(ctx context.Context, out io.Writer, mr *multiregion.Client) error {
	fmt.Fprintln(out, "--- routing per store: one Client, two datastores ---")
	orders, err := mr.NewStore("orders", nil)
	if err != nil {
		return err
	}
	defer orders.Close()
	sessions, err := mr.NewStore("sessions", nil)
	if err != nil {
		return err
	}
	defer sessions.Close()
	all, _ := mr.Set()

	home, err := sessions.Pick(all)
	if err != nil {
		return err
	}
	refused := errors.New("dial tcp: connection refused")
	for range mr.Options().FailureThreshold {
		sessions.Observe(home, 0, &multiregion.RegionError{Region: home, Op: "cache.Get", Err: refused})
	}
	moved, _ := sessions.Pick(all)
	kept, _ := orders.Pick(all)
	fmt.Fprintf(out, "sessions failed 3 times in %s: sessions now picks %s, orders still picks %s\n", home, moved, kept)

	orders.Observe(home, 2*time.Millisecond, nil) // orders' success there
	if err := mr.Refresh(ctx); err != nil {       // and a network probe round
		return err
	}
	fmt.Fprintf(out, "after orders' success and a probe round: %s healthy for sessions: %v\n", home, sessions.Healthy(home))

	sessions.Observe(home, 0, nil) // sessions' own call there succeeds (a read that fell through, a pinned call)
	fmt.Fprintf(out, "after sessions' own success there: %s healthy for sessions: %v\n", home, sessions.Healthy(home))

	for _, st := range mr.Status().Stores {
		fmt.Fprintf(out, "  store %-8s ranks by %s:", st.Name, rankedBy(st))
		for _, rs := range st.Regions {
			fmt.Fprintf(out, " %s(healthy=%v)", rs.Region, rs.Healthy)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out)
	return nil
}

func rankedBy(st multiregion.StoreStatus) string {
	if st.OwnLatency {
		return "its own samples"
	}
	return "the network view"
}

// Command routersim runs the multiregion router against baseline routing
// policies in a deterministic, seeded simulation in virtual time, and prints
// one table: per scenario and policy, mean and p99 latency as ratios to an
// oracle that always knows the fastest healthy region, failed calls, region
// switches, the time to reroute after an outage and the extra requests of
// hedging. Each scenario ends with its targets (the foundation issue's,
// tightened by issue 14, and the gray-failure and hedging ones), each
// marked PASS or FAIL; it exits 1 on a FAIL.
//
//	go run ./bench/routersim [-seed 1] [-minutes 10] [-rate 50] [-trace]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	seed := flag.Uint64("seed", 1, "random seed")
	minutes := flag.Int("minutes", 10, "simulated minutes per scenario")
	rate := flag.Int("rate", 50, "calls per second")
	flag.BoolVar(&traceSwitches, "trace", false, "print every switch of the router with the region status")
	flag.Parse()
	if *minutes < 6 || *rate < 1 || *rate > 1000 {
		fmt.Fprintln(os.Stderr, "routersim: -minutes must be ≥ 6 and -rate in [1, 1000]")
		os.Exit(2)
	}
	cfg := simConfig{
		duration: time.Duration(*minutes) * time.Minute,
		every:    time.Second / time.Duration(*rate),
		timeout:  2 * time.Second,
	}
	fmt.Printf("routersim: seed %d, %d simulated minutes per scenario, %d calls/s, failed call = %v\n", *seed, *minutes, *rate, cfg.timeout)
	fmt.Printf("latency samples: region mean × log-normal jitter (σ 10 %%), 0.5 %% of samples delayed 3-6×; down = connection refused after one round trip\n")
	fmt.Printf("gray failure: the nearest region fails 20 %% of requests from 2m to 8m, half after one round trip, half at the timeout; heavy tail: 2 %% of samples 10-30× slower, no 3-6× spikes\n")
	fmt.Printf("router+hedge: a hedge to the next-ranked region when the first attempt has not answered after the p95 of recent attempts, within a budget of 5 %% of calls\n\n")
	ok := true
	for _, sc := range scenarios(*seed) {
		rows, err := runScenario(sc, cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "routersim:", err)
			os.Exit(1)
		}
		printScenario(sc, cfg, rows)
		ok = checkScenario(sc, cfg, rows) && ok
		fmt.Println()
	}
	if !ok {
		fmt.Println("routersim: some targets FAILED")
		os.Exit(1)
	}
	fmt.Println("routersim: all targets PASS")
}

// runScenario runs every policy; the oracle comes first.
func runScenario(sc scenario, cfg simConfig) ([]*result, error) {
	router, err := newRouterPolicy(sc.world, false)
	if err != nil {
		return nil, err
	}
	defer router.close()
	probesOnly, err := newRouterPolicy(sc.world, true)
	if err != nil {
		return nil, err
	}
	defer probesOnly.close()
	hedged, err := newHedgePolicy(sc.world)
	if err != nil {
		return nil, err
	}
	defer hedged.close()
	policies := []policy{
		oraclePolicy{w: sc.world},
		router,
		probesOnly,
		hedged,
		staticPolicy{},
		newStrictMin(sc.world, router.interval),
		newDNS(sc.world),
	}
	rows := make([]*result, 0, len(policies))
	for _, p := range policies {
		rows = append(rows, simulate(sc, p, cfg))
	}
	if sc.grayIdx >= 0 {
		rows[1].detected = router.ejected[sc.grayIdx]
		rows[2].detected = probesOnly.ejected[sc.grayIdx]
		rows[3].detected = hedged.ejected[sc.grayIdx]
	}
	return rows, nil
}

func printScenario(sc scenario, cfg simConfig, rows []*result) {
	oracle := rows[0]
	fmt.Printf("scenario %s (oracle: mean %.1f ms, p99 %.1f ms)\n", sc.name, oracle.mean(), oracle.percentile(0.99))
	fmt.Printf("  %-33s %9s %9s %8s %9s %10s %10s %9s\n", "policy", "mean/orc", "p99/orc", "failed", "switches", "switch/min", "reroute", "extra req")
	for _, r := range rows {
		reroute := "-"
		if sc.outageStart > 0 {
			reroute = rerouteString(sc, cfg, r)
		}
		fmt.Printf("  %-33s %9.3f %9.3f %8d %9d %10.2f %10s %8.2f%%\n", r.policy,
			r.mean()/oracle.mean(), r.percentile(0.99)/oracle.percentile(0.99),
			r.failed, r.switches, float64(r.switches)/cfg.duration.Minutes(), reroute,
			100*float64(r.extra)/float64(len(r.latencies)))
	}
}

// rerouteTime is how long after the outage began calls still went to the
// down region; the whole outage if they never stopped.
func rerouteTime(sc scenario, cfg simConfig, r *result) (time.Duration, bool) {
	if r.lastBadCall < 0 {
		return 0, true
	}
	d := r.lastBadCall + cfg.every - sc.outageStart
	return d, r.lastBadCall+cfg.every < sc.outageEnd
}

func rerouteString(sc scenario, cfg simConfig, r *result) string {
	d, ok := rerouteTime(sc, cfg, r)
	if !ok {
		return "never"
	}
	return d.Round(10 * time.Millisecond).String()
}

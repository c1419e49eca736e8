package main

import (
	"fmt"
	"strings"
	"time"
)

// The foundation issue's targets.
const (
	maxMeanRatio      = 1.05
	maxP99Ratio       = 1.15
	maxSwitchesPerMin = 2.0
)

// checkScenario prints each target for the scenario and reports whether all hold.
func checkScenario(sc scenario, cfg simConfig, rows []*result) bool {
	oracle, router, probesOnly := rows[0], rows[1], rows[2]
	ok := true
	check := func(pass bool, format string, args ...any) {
		mark := "PASS"
		if !pass {
			mark, ok = "FAIL", false
		}
		fmt.Printf("  [%s] %s\n", mark, fmt.Sprintf(format, args...))
	}
	inform := func(pass bool, format string, args ...any) {
		mark := "info: holds"
		if !pass {
			mark = "info: does not hold"
		}
		fmt.Printf("  [%s] %s\n", mark, fmt.Sprintf(format, args...))
	}
	mean := router.mean() / oracle.mean()
	p99 := router.percentile(0.99) / oracle.percentile(0.99)
	check(mean <= maxMeanRatio, "mean %.3f × oracle ≤ %.2f", mean, maxMeanRatio)
	check(p99 <= maxP99Ratio, "p99 %.3f × oracle ≤ %.2f", p99, maxP99Ratio)
	compare := check
	if sc.extra {
		compare = inform
	}
	for _, b := range rows[3:] {
		compare(b.mean() >= router.mean(), "no baseline has a lower mean: %s %.2f ms vs router %.2f ms", b.policy, b.mean(), router.mean())
	}
	if sc.outageStart > 0 {
		interval := 5 * time.Second
		d, rerouted := rerouteTime(sc, cfg, probesOnly)
		check(rerouted && d <= 3*interval, "probes alone reroute in %v ≤ ProbeInterval × FailureThreshold = %v", d.Round(time.Millisecond), 3*interval)
		check(router.failedInOutage <= 3, "with Observe: %d failed calls ≤ FailureThreshold = 3", router.failedInOutage)
	}
	if strings.HasPrefix(sc.name, "flapping") {
		perMin := float64(router.switches) / cfg.duration.Minutes()
		check(perMin <= maxSwitchesPerMin, "%.2f switches per simulated minute ≤ %.0f", perMin, maxSwitchesPerMin)
	}
	return ok
}

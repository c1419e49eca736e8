package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
)

// target is one region and service to probe, and what was measured there.
type target struct {
	Region  multiregion.Region
	Service service
	URL     string

	prober   *multiregion.HTTPProber
	samples  []time.Duration // round trips of the probes that answered
	attempts int             // probes that ran to an answer or an error
	lastErr  error           // the error of the latest failed probe
}

// newClient is the probes' HTTP client: the settings of
// multiregion.NewHTTPProber's default (keep-alive, no redirects), with a
// transport of our own so run can close its idle connections at the end.
func newClient(cfg *config) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: cfg.Timeout,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, tr
}

// newTargets lists every region × service of cfg, regions first in the
// order given, each with the SDK's HTTPProber aimed at its URL.
func newTargets(cfg *config, client *http.Client) []*target {
	var out []*target
	for _, svc := range cfg.Services {
		for _, r := range cfg.Regions {
			u := cfg.Endpoints.url(svc, r)
			out = append(out, &target{
				Region: r, Service: svc, URL: u,
				prober: &multiregion.HTTPProber{Client: client, URL: func(multiregion.Region) string { return u }},
			})
		}
	}
	return out
}

// probeRounds runs cfg.N rounds, each probing every target at once, with
// cfg.Interval between rounds. It stops early when ctx is done, dropping
// the round in flight. It returns how many rounds ran to the end.
func probeRounds(ctx context.Context, cfg *config, targets []*target, progress *progressLine) int {
	done := 0
	defer func() { progress.finish(done < cfg.N) }()
	for round := 1; round <= cfg.N; round++ {
		if round > 1 && !sleep(ctx, cfg.Interval) {
			return done
		}
		if ctx.Err() != nil {
			return done
		}
		progress.round(round)
		results := make([]probeResult, len(targets))
		var wg sync.WaitGroup
		for i, t := range targets {
			wg.Go(func() { results[i] = t.probe(ctx, cfg.Timeout) })
		}
		wg.Wait()
		if ctx.Err() != nil {
			// The round in flight is dropped whole, so every target keeps
			// the same number of probes and none is charged a probe that
			// was cut short.
			return done
		}
		for i, t := range targets {
			t.record(results[i])
		}
		done++
	}
	return done
}

// probeResult is the outcome of one probe.
type probeResult struct {
	rtt time.Duration
	err error
}

// probe runs one probe of t with its own timeout.
func (t *target) probe(ctx context.Context, timeout time.Duration) probeResult {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rtt, err := t.prober.Probe(pctx, t.Region)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("no answer within -timeout %v: %w", timeout, err)
	}
	return probeResult{rtt: rtt, err: err}
}

// record adds the outcome of a probe to t.
func (t *target) record(p probeResult) {
	t.attempts++
	if p.err != nil {
		t.lastErr = p.err
		return
	}
	t.samples = append(t.samples, p.rtt)
}

// sleep waits d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// stats summarizes the samples of a target. The zero value (OK == 0) is a
// target that never answered.
type stats struct {
	OK, Attempts            int
	P50, P90, P99, Min, Max time.Duration
}

func (t *target) stats() stats {
	s := stats{OK: len(t.samples), Attempts: t.attempts}
	if s.OK == 0 {
		return s
	}
	sorted := slices.Clone(t.samples)
	slices.Sort(sorted)
	s.P50, s.P90, s.P99 = percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99)
	s.Min, s.Max = sorted[0], sorted[len(sorted)-1]
	return s
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted,
// which is not empty: the smallest sample such that at least p% of the
// samples are at or below it, the sample of rank ceil(p/100 × n). It is
// always a measured value, never an interpolation; with few samples the
// high percentiles are the maximum (p99 of 10 samples is the 10th).
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// ranked is a target's row in the ranking.
type ranked struct {
	*target
	Rank  int // 1 is the fastest of its service
	Stats stats
}

// rank orders the targets service by service (in -services order), each by
// p50, then p90, then region name; regions that never answered come last
// of their service, in -regions order. Ranks restart at 1 per service.
func rank(cfg *config, targets []*target) []ranked {
	svcIndex := func(s service) int {
		return slices.IndexFunc(cfg.Services, func(x service) bool { return x.Name == s.Name })
	}
	out := make([]ranked, len(targets))
	for i, t := range targets {
		out[i] = ranked{target: t, Stats: t.stats()}
	}
	slices.SortStableFunc(out, func(a, b ranked) int {
		if c := svcIndex(a.Service) - svcIndex(b.Service); c != 0 {
			return c
		}
		aDown, bDown := a.Stats.OK == 0, b.Stats.OK == 0
		switch {
		case aDown && bDown:
			return 0 // stable: -regions order
		case aDown:
			return 1
		case bDown:
			return -1
		}
		if a.Stats.P50 != b.Stats.P50 {
			return cmp.Compare(a.Stats.P50, b.Stats.P50)
		}
		if a.Stats.P90 != b.Stats.P90 {
			return cmp.Compare(a.Stats.P90, b.Stats.P90)
		}
		return cmp.Compare(a.Region, b.Region)
	})
	for i := range out {
		out[i].Rank = 1
		if i > 0 && out[i-1].Service.Name == out[i].Service.Name {
			out[i].Rank = out[i-1].Rank + 1
		}
	}
	return out
}

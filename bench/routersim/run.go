package main

import (
	"container/heap"
	"fmt"
	"slices"
	"time"
)

// simConfig is the load of one run.
type simConfig struct {
	duration time.Duration
	every    time.Duration // one call every this long
	timeout  time.Duration // what a failed call costs the caller
}

// completion is a call's outcome, known to the policy at time at.
type completion struct {
	at  time.Duration
	r   int
	rtt time.Duration
	ok  bool
	seq int
}

type completions []completion

func (c completions) Len() int { return len(c) }
func (c completions) Less(i, j int) bool {
	if c[i].at != c[j].at {
		return c[i].at < c[j].at
	}
	return c[i].seq < c[j].seq
}
func (c completions) Swap(i, j int) { c[i], c[j] = c[j], c[i] }
func (c *completions) Push(x any)   { *c = append(*c, x.(completion)) }
func (c *completions) Pop() any {
	old := *c
	x := old[len(old)-1]
	*c = old[:len(old)-1]
	return x
}

// traceSwitches prints every switch of the router with its status (-trace).
var traceSwitches bool

// result is what one policy did in one scenario.
type result struct {
	policy    string
	latencies []float64 // ms per call; a failed call costs the timeout
	failed    int
	switches  int
	// lastBadCall is the time of the last call sent to the down region
	// during the outage (-1: none).
	lastBadCall time.Duration
	// failedInOutage counts failed calls that started during the outage.
	failedInOutage int
	extra          int             // hedges sent
	detected       time.Duration   // first ejection of the gray region; -1: never
	failedAt       []time.Duration // start of every failed call
}

// failedSince counts failed calls that started at or after t.
func (r *result) failedSince(t time.Duration) int {
	n := 0
	for _, at := range r.failedAt {
		if at >= t {
			n++
		}
	}
	return n
}

func (r *result) mean() float64 {
	s := 0.0
	for _, x := range r.latencies {
		s += x
	}
	return s / float64(len(r.latencies))
}

func (r *result) percentile(p float64) float64 {
	s := slices.Clone(r.latencies)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return s[i]
}

// simulate runs one policy through one scenario. Calls start at a steady
// rate and run concurrently: a call's outcome reaches the policy only when
// it completes (a refused connection is known after one round trip), so
// calls already in flight when a region fails still go there.
func simulate(sc scenario, p policy, cfg simConfig) *result {
	w := sc.world
	res := &result{policy: p.name(), lastBadCall: -1, detected: -1}
	var pending completions
	prev, seq := -1, 0
	for k := 0; ; k++ {
		t := time.Duration(k) * cfg.every
		if t >= cfg.duration {
			break
		}
		// Deliver, in time order, every probe and completion due by t.
		for {
			next := p.nextProbe()
			if len(pending) > 0 && pending[0].at <= t && pending[0].at <= next {
				c := heap.Pop(&pending).(completion)
				p.result(c.at, c.r, c.rtt, c.ok)
				continue
			}
			if next <= t {
				p.probe(next)
				continue
			}
			break
		}
		r := p.choose(t)
		if prev >= 0 && r != prev {
			res.switches++
			if rp, ok := p.(*routerPolicy); ok && traceSwitches {
				fmt.Printf("  trace: %s: %s switched %s -> %s at %v\n", sc.name, rp.name(), w.regions[prev].name, w.regions[r].name, t)
				for _, st := range rp.status() {
					fmt.Printf("    %-10s healthy=%v latency=%v samples=%d failures=%d\n", st.Region, st.Healthy, st.Latency.Round(time.Microsecond), st.Samples, st.ConsecutiveFailures)
				}
			}
		}
		prev = r
		var c completion
		var lat time.Duration
		ok := true
		if hp, isHedge := p.(*hedgePolicy); isHedge {
			c, lat, ok = hp.call(t, r, k, cfg, res)
		} else {
			c, lat, ok = attempt(w, r, t, k, cfg)
		}
		c.seq = seq
		heap.Push(&pending, c)
		res.latencies = append(res.latencies, ms(lat))
		if !ok {
			res.failed++
			res.failedAt = append(res.failedAt, t)
		}
		seq++
		if sc.outageStart > 0 && t >= sc.outageStart && t < sc.outageEnd && r == sc.outageIdx {
			res.lastBadCall = t
			if !ok {
				res.failedInOutage++
			}
		}
	}
	return res
}

// attempt sends call k to region r at t: its completion (when the policy
// learns the outcome), what it cost the caller and whether it succeeded.
// A failed call costs the timeout: the caller waited for it or gets an
// error it must handle; a fast error is known to the router after one
// round trip, a timeout only at the timeout.
func attempt(w *world, r int, t time.Duration, k int, cfg simConfig) (completion, time.Duration, bool) {
	rtt, o := w.request(r, t, kindCall, uint64(k))
	switch o {
	case okay:
		return completion{at: t + rtt, r: r, rtt: rtt, ok: true}, rtt, true
	case refused:
		return completion{at: t + w.regions[r].base(t), r: r}, cfg.timeout, false // SYN, RST: one round trip
	}
	return completion{at: t + cfg.timeout, r: r}, cfg.timeout, false
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

package main

import (
	"math"
	"time"
)

// region is one simulated region: its true mean round trip over time and
// its outages. Latency samples are drawn from it deterministically.
type region struct {
	name string
	base func(t time.Duration) time.Duration
	down func(t time.Duration) bool
}

// world is one scenario's ground truth. All policies see the same samples
// for the same call (common random numbers), so their figures compare.
type world struct {
	seed    uint64
	jitter  float64 // σ of the log-normal jitter, relative
	spikes  float64 // fraction of samples delayed 3-6× (a retransmit, a pause)
	regions []region
}

// splitmix64 is a stateless hash: a sample depends only on its coordinates,
// never on the order in which policies ask for it.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// normal returns a standard normal draw for the key (Box-Muller).
func (w *world) normal(key uint64) float64 {
	a := splitmix64(w.seed ^ key)
	b := splitmix64(a)
	u1 := (float64(a>>11) + 0.5) / (1 << 53)
	u2 := (float64(b>>11) + 0.5) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Sample kinds, so a probe and a call at the same instant draw apart.
const (
	kindCall  = 1
	kindProbe = 2
)

// sample is the round trip of a request of the given kind to region r at t.
// The second result is false when the region is down (connection refused).
func (w *world) sample(r int, t time.Duration, kind uint64, idx uint64) (time.Duration, bool) {
	reg := w.regions[r]
	if reg.down != nil && reg.down(t) {
		return 0, false
	}
	key := uint64(r+1)<<56 ^ kind<<48 ^ idx
	f := math.Exp(w.jitter*w.normal(key) - w.jitter*w.jitter/2) // mean 1
	if u := float64(splitmix64(w.seed^key^0x5a5a)>>11) / (1 << 53); u < w.spikes {
		f *= 3 + 3*u/w.spikes // 3× to 6×
	}
	return time.Duration(float64(reg.base(t)) * f), true
}

// up reports whether region r serves at t.
func (w *world) up(r int, t time.Duration) bool {
	d := w.regions[r].down
	return d == nil || !d(t)
}

// fastest is the oracle's choice: the up region with the lowest true mean.
func (w *world) fastest(t time.Duration) int {
	best := -1
	for r := range w.regions {
		if !w.up(r, t) {
			continue
		}
		if best < 0 || w.regions[r].base(t) < w.regions[best].base(t) {
			best = r
		}
	}
	return best
}

func constant(d time.Duration) func(time.Duration) time.Duration {
	return func(time.Duration) time.Duration { return d }
}

// between is true in [from, to).
func between(from, to time.Duration) func(time.Duration) bool {
	return func(t time.Duration) bool { return t >= from && t < to }
}

// scenario is a named world with the window that matters for reroute figures.
type scenario struct {
	name        string
	world       *world
	outageStart time.Duration // 0: no outage
	outageEnd   time.Duration
	outageIdx   int
	// extra marks a scenario beyond the four: its baseline
	// comparison is printed as information, not as a target.
	extra bool
}

func scenarios(seed uint64) []scenario {
	ms := time.Millisecond
	steady := func() []region {
		return []region{
			{name: "us-east-1", base: constant(20 * ms)},
			{name: "us-west-2", base: constant(70 * ms)},
			{name: "eu-west-1", base: constant(140 * ms)},
		}
	}
	// Every change starts 10 ms after a probe round: the worst case for
	// probes, which learn of it 5 s late.
	off := 10 * ms
	degraded := steady()
	degraded[0].base = func(t time.Duration) time.Duration {
		if t >= 2*time.Minute+off && t < 5*time.Minute+off {
			return 300 * ms
		}
		return 20 * ms
	}
	outStart, outEnd := 2*time.Minute+off, 4*time.Minute+off
	outage := steady()
	outage[0].down = between(outStart, outEnd)
	flapping := []region{
		{name: "us-east-1", base: constant(40 * ms)},
		{name: "us-east-2", base: constant(43 * ms)},
		{name: "eu-west-1", base: constant(140 * ms)},
	}
	// The same pair, but the slower one listed first: the router must find
	// the faster region on its own, and stay there.
	reversed := []region{flapping[1], flapping[0], flapping[2]}
	const jitter, spikes = 0.10, 0.005
	return []scenario{
		{name: "steady", world: &world{seed: seed, jitter: jitter, spikes: spikes, regions: steady()}},
		{name: "degraded", world: &world{seed: seed + 1, jitter: jitter, spikes: spikes, regions: degraded}},
		{name: "outage", world: &world{seed: seed + 2, jitter: jitter, spikes: spikes, regions: outage}, outageStart: outStart, outageEnd: outEnd},
		{name: "flapping", world: &world{seed: seed + 3, jitter: jitter, spikes: spikes, regions: flapping}},
		{name: "flapping, slower one preferred", extra: true, world: &world{seed: seed + 4, jitter: jitter, spikes: spikes, regions: reversed}},
	}
}

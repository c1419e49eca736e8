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
	// gray is the fraction of requests the region fails at t (a gray
	// failure), half fast (an error after one round trip), half by
	// timeout; nil: none.
	gray func(t time.Duration) float64
}

// outcome is how a simulated request ends.
type outcome int

const (
	okay    outcome = iota
	refused         // known after one round trip (down, or a fast gray error)
	timeout         // known at the timeout
)

// world is one scenario's ground truth. All policies see the same samples
// for the same call (common random numbers), so their figures compare.
type world struct {
	seed    uint64
	jitter  float64 // σ of the log-normal jitter, relative
	spikes  float64 // fraction of samples delayed 3-6× (a retransmit, a pause)
	tail    float64 // fraction of samples 10-30× slower (heavy tail), per call and region
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
	a := splitmix64(w.salt() ^ key)
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
// The second result is false when the request fails.
func (w *world) sample(r int, t time.Duration, kind uint64, idx uint64) (time.Duration, bool) {
	rtt, o := w.request(r, t, kind, idx)
	return rtt, o == okay
}

// uniform returns a uniform draw in [0, 1) for the key and a salt.
func (w *world) uniform(key, salt uint64) float64 {
	return float64(splitmix64(w.salt()^key^salt)>>11) / (1 << 53)
}

// salt is the seed hashed: XORing the raw seed into a key would only flip
// the low bits of the call index, which relabels the calls and leaves
// every statistic of the run (mean, p99) the same for every seed.
func (w *world) salt() uint64 { return splitmix64(w.seed + 0x9e3779b97f4a7c15) }

// request is a request's round trip and how it ended.
func (w *world) request(r int, t time.Duration, kind uint64, idx uint64) (time.Duration, outcome) {
	reg := w.regions[r]
	if reg.down != nil && reg.down(t) {
		return 0, refused
	}
	key := uint64(r+1)<<56 ^ kind<<48 ^ idx
	if reg.gray != nil {
		if u := w.uniform(key, 0x6a6a); u < reg.gray(t) {
			if u < reg.gray(t)/2 {
				return 0, refused
			}
			return 0, timeout
		}
	}
	f := math.Exp(w.jitter*w.normal(key) - w.jitter*w.jitter/2) // mean 1
	if u := w.uniform(key, 0x5a5a); u < w.spikes {
		f *= 3 + 3*u/w.spikes // 3× to 6×
	}
	if u := w.uniform(key, 0x7b7b); u < w.tail {
		f *= 10 + 20*u/w.tail // 10× to 30×
	}
	return time.Duration(float64(reg.base(t)) * f), okay
}

// up reports whether region r serves at t.
func (w *world) up(r int, t time.Duration) bool {
	d := w.regions[r].down
	return d == nil || !d(t)
}

// sound reports whether region r serves every request at t.
func (w *world) sound(r int, t time.Duration) bool {
	g := w.regions[r].gray
	return w.up(r, t) && (g == nil || g(t) == 0)
}

// fastest is the oracle's choice: the region with the lowest true mean of
// those that serve every request.
func (w *world) fastest(t time.Duration) int {
	best := -1
	for r := range w.regions {
		if !w.sound(r, t) {
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
	grayIdx     int  // the gray region, -1: none
	hedge       bool // judge p99 by the hedging target (see checks.go)
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
	gray := steady()
	grayStart, grayEnd := 2*time.Minute+off, 8*time.Minute+off
	gray[0].gray = func(t time.Duration) float64 {
		if t >= grayStart && t < grayEnd {
			return 0.20
		}
		return 0
	}
	sc := []scenario{
		{name: "steady", world: &world{seed: seed, jitter: jitter, spikes: spikes, regions: steady()}},
		{name: "degraded", world: &world{seed: seed + 1, jitter: jitter, spikes: spikes, regions: degraded}},
		{name: "outage", world: &world{seed: seed + 2, jitter: jitter, spikes: spikes, regions: outage}, outageStart: outStart, outageEnd: outEnd},
		{name: "flapping", world: &world{seed: seed + 3, jitter: jitter, spikes: spikes, regions: flapping}},
		{name: "flapping, slower one preferred", extra: true, world: &world{seed: seed + 4, jitter: jitter, spikes: spikes, regions: reversed}},
		{name: "gray failure", extra: true, world: &world{seed: seed + 5, jitter: jitter, spikes: spikes, regions: gray}, grayIdx: 0},
		{name: "heavy tail", extra: true, hedge: true, world: &world{seed: seed + 6, jitter: jitter, tail: 0.02, regions: steady()}},
	}
	for i := range sc {
		if sc[i].name != "gray failure" {
			sc[i].grayIdx = -1
		}
	}
	return sc
}

package route

import (
	"math"

	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion"
)

// Hedge configures hedged reads; see multiregion.Hedge.
type Hedge = multiregion.Hedge

// Hedge defaults (multiregion.Hedge documents them).
const (
	DefaultHedgePercentile = 0.95
	DefaultHedgeBudget     = 0.05
	DefaultHedgeBurst      = 10
	// MinHedgeSamples is how many latencies the window needs before a
	// percentile delay is trusted.
	MinHedgeSamples = 20
	// hedgeWindow is how many recent latencies the percentile is over.
	hedgeWindow = 256
)

// hedgeDefaults fills the zero fields of h.
func hedgeDefaults(h Hedge) Hedge {
	if h.After == 0 && h.Percentile == 0 {
		h.Percentile = DefaultHedgePercentile
	}
	if h.Budget == 0 {
		h.Budget = DefaultHedgeBudget
	}
	if h.Burst == 0 {
		h.Burst = DefaultHedgeBurst
	}
	return h
}

// LatencyWindow keeps the last latencies of a store's successful attempts
// and answers percentiles of them. Safe for concurrent use; Add is a few
// atomic operations, Quantile sorts a copy (it is called once per hedged
// call, not per attempt, and cached for a while by Hedger).
type LatencyWindow struct {
	buf  [hedgeWindow]atomic.Int64
	next atomic.Uint64
}

// Add records one latency.
func (w *LatencyWindow) Add(d time.Duration) {
	i := w.next.Add(1) - 1
	w.buf[i%hedgeWindow].Store(int64(d))
}

// Quantile returns the q-quantile (nearest rank) of the recorded
// latencies and how many there are (at most the window).
func (w *LatencyWindow) Quantile(q float64) (time.Duration, int) {
	n := int(min(w.next.Load(), hedgeWindow))
	if n == 0 {
		return 0, 0
	}
	var tmp [hedgeWindow]int64
	s := tmp[:n]
	for i := range s {
		s[i] = w.buf[i].Load()
	}
	slices.Sort(s)
	k := int(math.Ceil(q*float64(n))) - 1
	k = max(0, min(k, n-1))
	return time.Duration(s[k]), n
}

// HedgeBudget is a token bucket counted in calls, not time, so that it
// behaves the same in virtual time: every call earns ratio tokens (up to
// burst), every hedge spends one. Safe for concurrent use.
type HedgeBudget struct {
	mu     sync.Mutex
	ratio  float64
	burst  float64
	tokens float64
}

// NewHedgeBudget returns a budget that starts full.
func NewHedgeBudget(ratio, burst float64) *HedgeBudget {
	return &HedgeBudget{ratio: ratio, burst: burst, tokens: burst}
}

// Earn credits one call.
func (b *HedgeBudget) Earn() {
	b.mu.Lock()
	b.tokens = min(b.burst, b.tokens+b.ratio)
	b.mu.Unlock()
}

// Take spends a token for one hedge, or reports there is none.
func (b *HedgeBudget) Take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Hedger decides the hedge delay of one store's calls: a fixed delay, or
// the percentile of the store's recent latencies. Safe for concurrent use.
type Hedger struct {
	cfg    Hedge
	window LatencyWindow
	budget *HedgeBudget
	calls  atomic.Uint64
	cached atomic.Int64 // the percentile delay, recomputed every recomputeEvery calls; <=0: none yet
}

// recomputeEvery is how many calls share one percentile computation (a
// sort of the window).
const recomputeEvery = 16

// NewHedger returns a Hedger for cfg (validated by the caller).
func NewHedger(cfg Hedge) *Hedger {
	cfg = hedgeDefaults(cfg)
	return &Hedger{cfg: cfg, budget: NewHedgeBudget(cfg.Budget, cfg.Burst)}
}

// Observe records a successful attempt's latency.
func (h *Hedger) Observe(d time.Duration) { h.window.Add(d) }

// Delay returns how long to wait before hedging a new call, and false when
// no hedge may be sent (too few samples for a percentile). It also earns
// the call's share of the budget.
func (h *Hedger) Delay() (time.Duration, bool) {
	h.budget.Earn()
	if h.cfg.After > 0 {
		return h.cfg.After, true
	}
	if h.calls.Add(1)%recomputeEvery == 1 || h.cached.Load() <= 0 {
		d, n := h.window.Quantile(h.cfg.Percentile)
		if n < MinHedgeSamples {
			d = 0
		}
		h.cached.Store(int64(d))
	}
	d := time.Duration(h.cached.Load())
	return d, d > 0
}

// Spend takes a budget token for a hedge about to be sent.
func (h *Hedger) Spend() bool { return h.budget.Take() }

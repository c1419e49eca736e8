package multiregion

import (
	"math"
	"time"
)

// healthPolicy is the part of Options that health tracking needs.
type healthPolicy struct {
	weight      float64
	threshold   int
	interval    time.Duration
	maxEjection time.Duration
	// Failure-rate ejection (see outcomeWindow); rateWindow 0: off.
	rateWindow    int
	rateMinCalls  int
	rateThreshold float64
	// callsReadmit: a successful call readmits an ejected region, as a
	// probe does. True for a store's state, whose calls reach an ejected
	// region only as a last resort (a read every other region failed, a
	// pinned call) and prove it serves that store; the network view has no
	// calls.
	callsReadmit bool
}

// regionState is the mutable record of one region. It is only touched by
// the router with its mutex held; readers see it through snapshots and Status.
type regionState struct {
	ewma float64 // nanoseconds; valid when measured
	dev  float64 // mean absolute deviation of samples from ewma, nanoseconds
	// vf is the variance of ewma as a fraction of one sample's variance:
	// 1 after one sample, tending to w/(2-w) as samples are folded in with
	// weight w (the sum of the squared weights).
	vf          float64
	measured    bool
	samples     uint64
	slowRun     int       // consecutive samples above levelShiftFactor × ewma
	lastPassive time.Time // when the last passive sample was folded in
	lastSample  time.Time // when the last latency sample (probe or passive) was taken
	failures    int       // consecutive failures
	outcomes    outcomeWindow
	// raisedAt is when the latency average last restarted upwards (a level
	// shift up, see probeWait); zero when it has not since it restarted
	// downwards.
	raisedAt  time.Time
	nextProbe time.Time // when the probe loop probes next (see probeWait)
	contender bool      // the runner-up, close to the pick (see contenderGap)
	healthy   bool
	lastErr   error
	lastProbe time.Time

	ejections     int       // ejections in the current streak
	readmitAfter  time.Time // an ejected region is not readmitted before this
	lastRecovered time.Time
}

// levelShiftFactor and levelShiftSamples define a level shift: samples in
// a row all above factor × the average, or one sample below it ÷ factor. A
// route change or a recovery is such a shift, and the average then starts
// over from the latest sample instead of creeping towards it: with weight 0.2
// and a probe every 5 s, a region that recovers from 300 ms to 20 ms would
// otherwise look slow for about 45 s. The rule is asymmetric because network
// latency has a floor and a long upper tail: a single slow sample is often
// noise (a retransmit, a pause) and must not move the pick, but a sample
// far below the average cannot happen by chance, so it is believed at once.
const (
	levelShiftFactor  = 2.0
	levelShiftSamples = 3
)

// initialJitter is the assumed mean deviation of a region's first sample,
// relative to it. One sample says nothing of a region's jitter: assume 10 %
// until samples tell (TCP starts its RTTVAR at half the first RTT for the
// same reason), so that the first probe round does not rank two near-equal
// regions on the luck of one draw.
const initialJitter = 0.10

// sample folds a latency sample into the moving average: the first sample
// is taken whole, later ones with weight p.weight, except far-off ones: a
// single sample above levelShiftFactor × the average is held back, a run of
// them, or one sample far below, restarts the average (a level shift).
func (s *regionState) sample(rtt time.Duration, now time.Time, p healthPolicy) {
	if rtt <= 0 {
		return
	}
	x := float64(rtt)
	switch {
	case !s.measured:
		s.restart(x)
		s.measured = true
		return
	case x*levelShiftFactor < s.ewma:
		s.restart(x)
		s.raisedAt = time.Time{}
		return
	case x > s.ewma*levelShiftFactor:
		// Held back: folded into the average it would move it by a fifth of
		// a spike, enough to flip two close regions. The next sample tells
		// a spike (dropped) from a shift (taken).
		s.slowRun++
		if s.slowRun >= levelShiftSamples {
			s.restart(x)
			s.raisedAt = now
			s.probeSoon(now, p)
		}
		return
	default:
		s.slowRun = 0
	}
	// Mean deviation with RFC 6298's weight 1/4 (TCP's RTTVAR): how noisy
	// the region is, so that ranking can tell a real gap from jitter.
	s.dev += (math.Abs(x-s.ewma) - s.dev) / 4
	s.ewma += p.weight * (x - s.ewma)
	s.vf = (1-p.weight)*(1-p.weight)*s.vf + p.weight*p.weight
	s.samples++
}

// restart starts the average over from sample x: after the first sample and
// after a level shift, when the old noise level says nothing of the new one.
func (s *regionState) restart(x float64) {
	s.ewma, s.dev, s.vf, s.slowRun = x, x*initialJitter, 1, 0
	s.samples++
}

// stdErr estimates the standard error of the average: σ ≈ 1.25 × mean
// deviation for normal noise, times the square root of the average's
// variance factor.
func (s *regionState) stdErr() float64 { return 1.25 * s.dev * math.Sqrt(s.vf) }

// passiveSpacing is the least time between two ordinary passive samples of
// one region, as a fraction of ProbeInterval. A busy region sees thousands of
// calls a second; folding every one into a weight-0.2 average would make its
// average a window of a few milliseconds, far noisier over time than the
// average of an idle region fed by probes every 5 s, and the two are
// compared. One passive sample every ProbeInterval/10 keeps the windows
// comparable while still learning ten times faster than probes alone.
// Far-off samples (a possible level shift) are never skipped.
const passiveSpacingDivisor = 10

// takePassive reports whether a passive latency sample should be folded in.
func (s *regionState) takePassive(rtt time.Duration, now time.Time, p healthPolicy) bool {
	x := float64(rtt)
	farOff := s.measured && (x > s.ewma*levelShiftFactor || x*levelShiftFactor < s.ewma)
	if !farOff && s.measured && now.Sub(s.lastPassive) < p.interval/passiveSpacingDivisor {
		s.slowRun = 0 // an ordinary sample, skipped or not, ends a run of slow ones
		return false
	}
	s.lastPassive = now
	return true
}

// succeed records a success. A probe readmits an ejected region, and so
// does a call when the policy says so (a store's state, see callsReadmit).
// It reports whether the region's health changed, and whether anything the
// ranking reads changed (when not, the snapshot need not be recomputed).
func (s *regionState) succeed(rtt time.Duration, probe bool, now time.Time, p healthPolicy) (healthChanged, rankInputsChanged bool) {
	sampled := rtt > 0 && (probe || s.takePassive(rtt, now, p))
	if sampled {
		s.sample(rtt, now, p)
		s.lastSample = now
	}
	s.outcomes.add(false, p.rateWindow)
	wasSuspect := s.failures > 0
	s.failures = 0
	if s.healthy || (!probe && !p.callsReadmit) || now.Before(s.readmitAfter) {
		return false, sampled || wasSuspect
	}
	s.healthy = true
	s.lastRecovered = now
	return true, true
}

// fail records a failure and ejects the region at the threshold of
// consecutive failures, or when the failure rate over the outcome window
// reaches rateThreshold (a gray failure: a region failing one call in five
// rarely fails three in a row). Repeated ejections back off: the first ends
// at the next successful probe, each further one in the same streak waits
// ProbeInterval, then twice that, ..., up to maxEjection. A region that
// stayed healthy for maxEjection starts a new streak. It reports whether
// the region's health changed, and the failure rate when that ejected it
// (0 for an ejection by the count).
func (s *regionState) fail(err error, now time.Time, p healthPolicy) (changed bool, rate float64) {
	s.failures++
	s.lastErr = err
	s.outcomes.add(true, p.rateWindow)
	if !s.healthy {
		return false, 0
	}
	if s.failures < p.threshold {
		rate = s.outcomes.rate()
		if p.rateWindow == 0 || int(s.outcomes.n) < p.rateMinCalls || rate < p.rateThreshold {
			return false, 0
		}
	}
	s.healthy = false
	if s.ejections > 0 && now.Sub(s.lastRecovered) > p.maxEjection {
		s.ejections = 0
	}
	s.ejections++
	s.readmitAfter = now.Add(ejectionWait(s.ejections, p))
	s.probeSoon(now, p)
	return true, rate
}

// ejectionWait is how long the n-th ejection of a streak lasts at least.
func ejectionWait(n int, p healthPolicy) time.Duration {
	if n <= 1 {
		return 0
	}
	d := p.interval
	for i := 2; i < n && d < p.maxEjection; i++ {
		d *= 2
	}
	if d > p.maxEjection {
		d = p.maxEjection
	}
	return d
}

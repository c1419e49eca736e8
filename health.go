package multiregion

import (
	"time"
)

// healthPolicy is the part of Options that health tracking needs.
type healthPolicy struct {
	weight      float64
	threshold   int
	interval    time.Duration
	maxEjection time.Duration
}

// regionState is the mutable record of one region. It is only touched by
// the router with its mutex held; readers see it through snapshots and Status.
type regionState struct {
	ewma      float64 // nanoseconds; valid when measured
	measured  bool
	samples   uint64
	failures  int // consecutive failures
	healthy   bool
	lastErr   error
	lastProbe time.Time

	ejections     int       // ejections in the current streak
	readmitAfter  time.Time // an ejected region is not readmitted before this
	lastRecovered time.Time
}

// sample folds a latency sample into the moving average: the first sample
// is taken whole, later ones with weight p.weight.
func (s *regionState) sample(rtt time.Duration, p healthPolicy) {
	if rtt <= 0 {
		return
	}
	x := float64(rtt)
	if !s.measured {
		s.ewma, s.measured = x, true
	} else {
		s.ewma += p.weight * (x - s.ewma)
	}
	s.samples++
}

// succeed records a success. Only a probe may readmit an ejected region:
// calls are not routed to it, and one lucky call proves little.
// It reports whether the region's health changed.
func (s *regionState) succeed(rtt time.Duration, probe bool, now time.Time, p healthPolicy) bool {
	s.sample(rtt, p)
	s.failures = 0
	if s.healthy || !probe || now.Before(s.readmitAfter) {
		return false
	}
	s.healthy = true
	s.lastRecovered = now
	return true
}

// fail records a failure and ejects the region at the threshold. Repeated
// ejections back off: the first ends at the next successful probe, each
// further one in the same streak waits ProbeInterval, then twice that, ...,
// up to maxEjection. A region that stayed healthy for maxEjection starts a
// new streak. It reports whether the region's health changed.
func (s *regionState) fail(err error, now time.Time, p healthPolicy) bool {
	s.failures++
	s.lastErr = err
	if !s.healthy || s.failures < p.threshold {
		return false
	}
	s.healthy = false
	if s.ejections > 0 && now.Sub(s.lastRecovered) > p.maxEjection {
		s.ejections = 0
	}
	s.ejections++
	s.readmitAfter = now.Add(ejectionWait(s.ejections, p))
	return true
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

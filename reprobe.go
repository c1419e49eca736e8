package multiregion

import "time"

// reprobeDivisor: a region whose recovery is awaited is probed every
// ProbeInterval/reprobeDivisor instead of every ProbeInterval, as Envoy's
// health checks have an unhealthy_interval. Such a region is one that is
// ejected and past its backoff wait, or whose latency average jumped up (a
// level shift) within the last reprobeSpan probe intervals; a region with
// fewer than youngSamples latency samples, whose average is the luck of a
// draw or two (a first probe that hit a 10× tail would rank the nearest
// region last for a whole interval); and the runner-up when it is close to
// the pick (see contenderGap).
// The store then
// learns of a recovery within a second instead of five: at 50 calls/s a
// 5 s delay sends 250 calls to a region 50 ms slower than the one that
// recovered. It costs one probe a second per such region, and nothing for
// regions that are fine.
const (
	reprobeDivisor = 5
	reprobeSpan    = 120
	youngSamples   = 5
)

// probeWait is how long after a probe at now the region is probed next.
func (s *regionState) probeWait(now time.Time, p healthPolicy) time.Duration {
	fast := p.interval / reprobeDivisor
	switch {
	case !s.healthy:
		// No sooner than the backoff allows a readmission (a probe before
		// it cannot readmit), no later than the usual interval.
		return min(p.interval, max(fast, s.readmitAfter.Sub(now)))
	case !s.raisedAt.IsZero() && now.Sub(s.raisedAt) < reprobeSpan*p.interval, s.samples < youngSamples, s.contender:
		return fast
	}
	return p.interval
}

// probeSoon brings the next probe forward to the wait probeWait gives now,
// after an ejection or a latency jump between two probes.
func (s *regionState) probeSoon(now time.Time, p healthPolicy) {
	// Zero: never probed, so due already.
	if at := now.Add(s.probeWait(now, p)); !s.nextProbe.IsZero() && at.Before(s.nextProbe) {
		s.nextProbe = at
	}
}

// untilProbe is how long the probe loop of region i sleeps: until its
// next probe is due, at most ProbeInterval/reprobeDivisor, and as long when
// it is already due but was not recorded (a closing router), so that the
// loop never spins.
func (rt *router) untilProbe(i int) time.Duration {
	now := rt.clock.Now()
	fast := rt.policy.interval / reprobeDivisor
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d := rt.states[i].nextProbe.Sub(now)
	if d <= 0 || d > fast {
		return fast
	}
	return d
}

// probeDue reports whether region i's next probe is due at now, and when
// it is due otherwise: the schedule of the probe loops, for RefreshDue.
func (rt *router) probeDue(i int, now time.Time) (bool, time.Time) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	next := rt.states[i].nextProbe
	return !now.Before(next), next
}

// contenderGap: a runner-up whose average is within this fraction of the
// pick's is a contender, probed every ProbeInterval/reprobeDivisor (see
// probeWait). It gets no calls, so probes are all it is known by; two
// regions 7 % apart under 10 % jitter take minutes to tell apart at one
// probe every 5 s, and every minute on the slower one costs 7 %.
const contenderGap = 0.10

// markContender marks the runner-up of the new order in rt.states when it
// is a contender, and clears the mark everywhere else.
func (rt *router) markContender(states []regionState, now time.Time) {
	for i := range rt.states {
		rt.states[i].contender = false
	}
	if len(rt.scratch) < 2 {
		return
	}
	a, b := rt.scratch[0], rt.scratch[1]
	pa, pb := &states[a], &states[b]
	if pa.healthy && pb.healthy && pa.measured && pb.measured && pb.failures == 0 && pb.ewma <= pa.ewma*(1+contenderGap) {
		rt.states[b].contender = true
		rt.states[b].probeSoon(now, rt.policy)
	}
}

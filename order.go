package multiregion

import "math"

// rankRegions writes into dst the positions of all regions in pick order:
//
//  1. healthy regions with a latency measurement and no failure since their
//     last success, by EWMA latency, but with hysteresis: at each rank the
//     region that held it before keeps it unless another is faster by more
//     than margin (relative to the holder) and by more than noiseSigmas
//     standard errors of the difference of the two averages;
//  2. healthy regions whose last call or probe failed ("suspect": not yet
//     ejected, but no region is better tried first), by latency;
//  3. healthy regions not measured yet, in preference order;
//  4. ejected regions, measured first by latency, then by preference.
//
// Demoting a suspect region at its first failure means a region that goes
// down costs about one failed call, not FailureThreshold of them, while
// ejection, which makes a region unpickable, still needs FailureThreshold.
//
// Ties are broken by preference order (the position in Options.Regions).
// prev is the previous order (a permutation of all positions). This runs on
// the update path, never on the pick path; n is small (≤ MaxRegions), so the
// O(n²) selection is cheaper than sorting with allocations.
func rankRegions(dst []uint8, states []regionState, prev []uint8, margin float64) []uint8 {
	dst = dst[:0]
	var prevRank [MaxRegions]uint8
	for rank, i := range prev {
		prevRank[i] = uint8(rank)
	}
	var measured, suspect, unmeasured, ejected RegionSet
	for i := range states {
		switch {
		case !states[i].healthy:
			ejected = ejected.With(i)
		case states[i].failures > 0:
			suspect = suspect.With(i)
		case states[i].measured:
			measured = measured.With(i)
		default:
			unmeasured = unmeasured.With(i)
		}
	}
	for measured != 0 {
		holder, fastest := -1, -1
		for i := range states {
			if !measured.Has(i) {
				continue
			}
			if holder < 0 || prevRank[i] < prevRank[holder] {
				holder = i
			}
			if fastest < 0 || states[i].ewma < states[fastest].ewma {
				fastest = i
			}
		}
		pick := holder
		if beats(states[fastest], states[holder], margin) {
			pick = fastest
		}
		dst = append(dst, uint8(pick))
		measured = measured.Without(pick)
	}
	dst = appendByLatency(dst, states, suspect)
	for i := range states {
		if unmeasured.Has(i) {
			dst = append(dst, uint8(i))
		}
	}
	return appendByLatency(dst, states, ejected)
}

// appendByLatency appends the members of set, measured ones by latency
// first, then the others by preference.
func appendByLatency(dst []uint8, states []regionState, set RegionSet) []uint8 {
	for set != 0 {
		best := -1
		for i := range states {
			if !set.Has(i) {
				continue
			}
			if best < 0 || better(states[i], states[best]) {
				best = i
			}
		}
		dst = append(dst, uint8(best))
		set = set.Without(best)
	}
	return dst
}

// better reports whether a ranks strictly before b on latency alone
// (measured before unmeasured); equal ones keep preference order because
// callers scan in preference order and only replace on strictly better.
func better(a, b regionState) bool {
	if a.measured != b.measured {
		return a.measured
	}
	return a.measured && a.ewma < b.ewma
}

// noiseSigmas is how many standard errors apart two averages must be before
// the faster one takes a rank from the current holder.
const noiseSigmas = 3

// beats reports whether challenger c should take the rank of holder h: it
// must be faster by more than margin, relative, which keeps near-equal
// regions from flapping, and by more than the noise of the two averages,
// which keeps jitter from flipping regions whose gap is larger than the
// margin but within what their jitter and sample counts can tell apart.
func beats(c, h regionState, margin float64) bool {
	gap := h.ewma - c.ewma
	return c.ewma < h.ewma*(1-margin) && gap > noiseSigmas*math.Hypot(c.stdErr(), h.stdErr())
}

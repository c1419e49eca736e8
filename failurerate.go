package multiregion

import "fmt"

// maxFailureRateWindow bounds Options.FailureRateWindow: the window is a
// fixed bit ring inside each region's state, so that recording an outcome
// is a few bit operations and never allocates.
const maxFailureRateWindow = 256

// outcomeWindow holds the last outcomes (success or failure) of a region's
// calls and probes, for failure-rate ejection. It is a count window, not a
// time window: a busy store fills it in a second or two, so it reacts fast,
// and an idle store's window still holds enough outcomes to judge by. It is
// not cleared by an ejection or a readmission: a region readmitted after a
// gray failure is on probation, ejected again at its next failure while
// its recent record is still bad, instead of being trusted afresh and
// failing a window's worth of calls each time it comes back.
type outcomeWindow struct {
	bits  [maxFailureRateWindow / 64]uint64 // 1: failure; a ring of the last n outcomes
	next  uint16                            // the slot of the next outcome (the oldest one when full)
	n     uint16                            // outcomes held, ≤ the window
	fails uint16                            // failures among them
}

// add records one outcome in a window of size outcomes (0: off).
func (w *outcomeWindow) add(failed bool, size int) {
	if size <= 0 {
		return
	}
	i := int(w.next)
	word, bit := i/64, uint64(1)<<(i%64)
	if int(w.n) >= size {
		if w.bits[word]&bit != 0 {
			w.fails--
		}
	} else {
		w.n++
	}
	if failed {
		w.bits[word] |= bit
		w.fails++
	} else {
		w.bits[word] &^= bit
	}
	w.next = uint16((i + 1) % size)
}

// rate is the failed fraction of the outcomes held; 0 when there are none.
func (w *outcomeWindow) rate() float64 {
	if w.n == 0 {
		return 0
	}
	return float64(w.fails) / float64(w.n)
}

// FailureRateError is the error a HealthTracer and the log see when a
// region was ejected for its failure rate rather than for consecutive
// failures. It wraps the last failure.
type FailureRateError struct {
	Region   Region
	Rate     float64 // failed fraction of the last Outcomes calls and probes
	Outcomes int
	Err      error // the failure that tipped the rate over the threshold
}

func (e *FailureRateError) Error() string {
	return fmt.Sprintf("multiregion: %s failed %.0f %% of its last %d calls and probes: %v", e.Region, 100*e.Rate, e.Outcomes, e.Err)
}

// Unwrap returns the last failure.
func (e *FailureRateError) Unwrap() error { return e.Err }

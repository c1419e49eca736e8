package dynamo

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
)

// HLC is a hybrid logical clock timestamp (Kulkarni et al., 2014): wall
// time in Unix nanoseconds plus a logical counter that orders events within
// one wall-clock tick or under clock skew. The Table stamps one on every
// write and witnesses the ones it reads, so a write from this handle is
// stamped after every version it has seen, whatever the regions' clocks say.
//
// It is informational: DynamoDB's last writer wins uses its own internal
// timestamp, which the adapter cannot read. HLC is a plain value, safe to copy.
type HLC struct {
	Wall    int64  // Unix nanoseconds
	Logical uint32 // orders events with the same Wall
}

// String renders h fixed-width ("1700000000000000000.0000000003"), so
// string order is time order for any time between 1970 and 2262.
func (h HLC) String() string { return fmt.Sprintf("%019d.%010d", h.Wall, h.Logical) }

// ParseHLC parses HLC.String's format.
func ParseHLC(s string) (HLC, error) {
	wall, logical, ok := strings.Cut(s, ".")
	if !ok {
		return HLC{}, fmt.Errorf("dynamo: malformed HLC %q", s)
	}
	w, err := strconv.ParseInt(wall, 10, 64)
	if err != nil {
		return HLC{}, fmt.Errorf("dynamo: malformed HLC %q: %w", s, err)
	}
	l, err := strconv.ParseUint(logical, 10, 32)
	if err != nil {
		return HLC{}, fmt.Errorf("dynamo: malformed HLC %q: %w", s, err)
	}
	return HLC{Wall: w, Logical: uint32(l)}, nil
}

// Compare returns -1, 0 or +1 as h is before, equal to or after o.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall < o.Wall || (h.Wall == o.Wall && h.Logical < o.Logical):
		return -1
	case h == o:
		return 0
	default:
		return 1
	}
}

// Time returns the wall-clock part.
func (h HLC) Time() time.Time { return time.Unix(0, h.Wall) }

// IsZero reports whether h is unset.
func (h HLC) IsZero() bool { return h == HLC{} }

// hlcClock issues HLC timestamps. Safe for concurrent use.
type hlcClock struct {
	clock multiregion.Clock
	mu    sync.Mutex
	last  HLC
}

func newHLCClock(c multiregion.Clock) *hlcClock { return &hlcClock{clock: c} }

// Now returns a timestamp after every one issued or witnessed before: the
// wall clock when it has moved past them, else the last one plus one tick
// of the logical counter.
func (c *hlcClock) Now() HLC {
	pt := c.clock.Now().UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	if pt > c.last.Wall {
		c.last = HLC{Wall: pt}
	} else {
		c.last.Logical++
	}
	return c.last
}

// Witness records a timestamp read from an item, so the next Now is after
// it even if that item's region runs ahead of this host's clock.
func (c *hlcClock) Witness(h HLC) {
	c.mu.Lock()
	if h.Compare(c.last) > 0 {
		c.last = h
	}
	c.mu.Unlock()
}

package aurora

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// lsnHistory is how many writer WAL positions the tracker keeps for
// read-your-writes: at the default 1 s interval, about a minute.
const lsnHistory = 64

type lsnSample struct {
	at  int64 // unix ns, taken before the query that read lsn
	lsn uint64
}

// lagTracker holds the background measurements: each replica's lag (the
// kit's LagReadings), the writer's recent WAL positions and, per replica,
// the newest writer sample its replayed position has passed. Safe for
// concurrent use.
type lagTracker struct {
	*singlewriter.LagReadings
	mu     sync.Mutex
	hist   []lsnSample
	caught map[multiregion.Region]int64 // unix ns of the writer sample it passed
}

func newLagTracker(interval time.Duration) *lagTracker {
	return &lagTracker{LagReadings: singlewriter.NewLagReadings(interval), caught: map[multiregion.Region]int64{}}
}

// writerLSN records the writer's position, read by a query started at at.
func (t *lagTracker) writerLSN(at int64, lsn uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.hist); n > 0 && lsn < t.hist[n-1].lsn {
		t.hist = t.hist[:0] // a new writer: its positions are not comparable
		clear(t.caught)
	}
	t.hist = append(t.hist, lsnSample{at, lsn})
	if len(t.hist) > lsnHistory {
		t.hist = append(t.hist[:0], t.hist[len(t.hist)-lsnHistory:]...)
	}
}

// replicaLSN records that r has replayed up to lsn: it holds every write
// that ended before the newest writer sample at or below lsn was taken.
func (t *lagTracker) replicaLSN(r multiregion.Region, lsn uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.hist) - 1; i >= 0; i-- {
		if t.hist[i].lsn <= lsn {
			t.caught[r] = max(t.caught[r], t.hist[i].at)
			return
		}
	}
}

// caughtUp reports whether r holds every write that ended at writeEnd (unix ns).
func (t *lagTracker) caughtUp(r multiregion.Region, writeEnd int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.caught[r] > writeEnd
}

// parseLSN parses PostgreSQL's "X/Y" pg_lsn text.
func parseLSN(s string) (uint64, bool) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, false
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return h<<32 | l, true
}

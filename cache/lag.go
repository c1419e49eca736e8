package cache

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// lagHistory is how many primary offset samples the tracker keeps: with
// the default 1 s interval, lag is told apart up to about 5 minutes.
const lagHistory = 300

// offsetSample is the primary's replication offset at one time.
type offsetSample struct {
	at  time.Time
	off int64
}

// lagTracker turns INFO replication samples into a replication lag per
// replica: the primary's master_repl_offset is sampled each round and kept
// with the time; a replica whose offset is R lacks every write the primary
// made after its offset passed R, so its lag is the time since the first
// sample beyond R (0 when R has reached the primary's offset). A replica
// whose link is down or silent lags at least master_link_down_since_seconds
// / master_last_io_seconds_ago. The lags are the kit's LagReadings. Safe
// for concurrent use.
type lagTracker struct {
	*singlewriter.LagReadings
	mu      sync.Mutex
	hist    []offsetSample
	offsets map[multiregion.Region]offsetSample // each replica's last offset, for read-your-writes
}

func newLagTracker(interval time.Duration) *lagTracker {
	return &lagTracker{LagReadings: singlewriter.NewLagReadings(interval), offsets: map[multiregion.Region]offsetSample{}}
}

// primary records the primary's offset at now.
func (t *lagTracker) primary(now time.Time, off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.hist); n > 0 && off < t.hist[n-1].off {
		t.hist = t.hist[:0] // a new primary (failover) or a restart: start over
	}
	t.hist = append(t.hist, offsetSample{now, off})
	if len(t.hist) > lagHistory {
		t.hist = append(t.hist[:0], t.hist[len(t.hist)-lagHistory:]...)
	}
}

// replica computes and records the lag of r from its INFO replication.
func (t *lagTracker) replica(r multiregion.Region, now time.Time, info replInfo) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lag time.Duration
	if n := len(t.hist); n > 0 && info.offset < t.hist[n-1].off {
		i := 0
		for i < n && t.hist[i].off <= info.offset {
			i++
		}
		lag = now.Sub(t.hist[min(i, n-1)].at)
		if info.lastIO > lag {
			lag = info.lastIO
		}
	}
	if !info.linkUp && info.downSince > lag {
		lag = info.downSince
	}
	t.Set(r, lag, now)
	t.offsets[r] = offsetSample{at: now, off: info.offset}
	return lag
}

func (t *lagTracker) forget(r multiregion.Region) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.Forget(r)
	delete(t.offsets, r)
}

// replInfo is what INFO replication says.
type replInfo struct {
	role      string // "master" or "slave"
	offset    int64  // the server's replication offset
	linkUp    bool
	lastIO    time.Duration
	downSince time.Duration
}

// parseReplInfo parses the INFO replication section.
func parseReplInfo(s string) (replInfo, bool) {
	var ri replInfo
	var haveOff, haveSlaveOff bool
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		secs := func() time.Duration {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			return time.Duration(n) * time.Second
		}
		switch k {
		case "role":
			ri.role = v
		case "master_repl_offset":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && !haveSlaveOff {
				ri.offset, haveOff = n, true
			}
		case "slave_repl_offset":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				ri.offset, haveOff, haveSlaveOff = n, true, true
			}
		case "master_link_status":
			ri.linkUp = v == "up"
		case "master_last_io_seconds_ago":
			ri.lastIO = secs()
		case "master_link_down_since_seconds":
			ri.downSince = secs()
		}
	}
	return ri, ri.role != "" && haveOff
}

// lagLoop measures lag every LagInterval until the store closes.
func (s *Store) lagLoop(ctx context.Context) {
	defer s.wg.Done()
	singlewriter.RunEvery(ctx, s.mr.Done(), s.opts.LagInterval, nil, s.measureLag)
}

// measureLag runs one round: INFO replication on the primary, then on each
// replica; when a replica crossed MaxLag (or its lag became known or
// unknown) since the topology in use, the topology is refreshed so that
// reads follow at once.
func (s *Store) measureLag(ctx context.Context) {
	if s.src.cluster() {
		return // one INFO per shard would be needed; lag stays unknown
	}
	topo := s.kit.Topology()
	info := func(r multiregion.Region) (replInfo, bool) {
		c, err := s.kit.Client(ctx, r)
		if err != nil {
			return replInfo{}, false
		}
		ictx, cancel := context.WithTimeout(ctx, s.opts.ReadTimeout)
		defer cancel()
		txt, err := c.Info(ictx, "replication").Result()
		if err != nil {
			return replInfo{}, false
		}
		return parseReplInfo(txt)
	}
	sampled := time.Now() // before the INFO: the offset it returns covers every write that ended before
	p, ok := info(topo.Writer)
	if !ok {
		return
	}
	if p.role != "master" {
		s.refreshAsync() // the topology's primary is a replica: a failover happened
		return
	}
	s.lag.primary(sampled, p.offset)
	changed := false
	for _, m := range topo.Members {
		if m.Role == singlewriter.RoleWriter {
			continue
		}
		rsampled := time.Now()
		ri, ok := info(m.Region)
		if !ok {
			s.lag.forget(m.Region)
			changed = changed || m.LagKnown
			continue
		}
		lag := s.lag.replica(m.Region, rsampled, ri)
		if s.opts.MaxLag > 0 && (!m.LagKnown || (m.Lag > s.opts.MaxLag) != (lag > s.opts.MaxLag)) {
			changed = true
		}
	}
	if changed {
		_ = s.kit.Refresh(ctx)
	}
}

package multiregion

import "time"

// statusJSON is the document Client.Handler serves as status.json: a
// Status in a stable JSON shape for people, scripts and the status page.
// Fields are added, never renamed or removed. Every list is present ([]
// when empty); an absent value is "" (a time that never happened, no
// error) or null (no topology).
type statusJSON struct {
	// Closed is true once the Client was closed; the rest is then the
	// state at Close.
	Closed bool `json:"closed"`
	// GeneratedAt is when this document was made, by the Client's Clock.
	GeneratedAt string `json:"generatedAt"`
	// Network is every region in the network view's pick order.
	Network []regionJSON `json:"network"`
	// Stores is every registered store, each with its own view.
	Stores []storeJSON `json:"stores"`
	// Drained lists the drained regions (Client.Drain, routing controls)
	// with their sources, in the Client's region order.
	Drained []drainJSON `json:"drained"`
}

// drainJSON is a DrainStatus.
type drainJSON struct {
	Region string   `json:"region"`
	By     []string `json:"by"`
}

// regionJSON is a RegionStatus.
type regionJSON struct {
	Region  string `json:"region"`
	Healthy bool   `json:"healthy"`
	// Drained is true while the region is drained: no new call goes there.
	Drained bool `json:"drained"`
	// LatencyMs is the latency average in milliseconds, 0 if not measured;
	// Latency is the same as a Go duration string ("12.5ms").
	LatencyMs           float64 `json:"latencyMs"`
	Latency             string  `json:"latency"`
	Measured            bool    `json:"measured"`
	Samples             uint64  `json:"samples"`
	ConsecutiveFailures int     `json:"consecutiveFailures"`
	LastError           string  `json:"lastError"`
	LastProbe           string  `json:"lastProbe"`
	Ejections           int     `json:"ejections"`
}

// storeJSON is a StoreStatus.
type storeJSON struct {
	Name string `json:"name"`
	// Kind is the capability table's name of the store's kind
	// ("unknown store kind" when the adapter gave none).
	Kind       string   `json:"kind"`
	OwnLatency bool     `json:"ownLatency"`
	LeftOut    []string `json:"leftOut"`
	Closed     bool     `json:"closed"`
	// Regions is the store's regions in its pick order.
	Regions  []regionJSON  `json:"regions"`
	Topology *topologyJSON `json:"topology"`
}

// topologyJSON is a TopologyStatus.
type topologyJSON struct {
	Writer              string `json:"writer"`
	Generation          uint64 `json:"generation"`
	LoadedAt            string `json:"loadedAt"`
	LastAttempt         string `json:"lastAttempt"`
	LastError           string `json:"lastError"`
	ConsecutiveFailures int    `json:"consecutiveFailures"`
}

func newStatusJSON(s Status, now time.Time) statusJSON {
	out := statusJSON{
		Closed:      s.Closed,
		GeneratedAt: jsonTime(now),
		Network:     regionsJSON(s.Network),
		Stores:      make([]storeJSON, 0, len(s.Stores)),
		Drained:     make([]drainJSON, 0, len(s.Drained)),
	}
	for _, d := range s.Drained {
		out.Drained = append(out.Drained, drainJSON{Region: string(d.Region), By: d.By})
	}
	for _, st := range s.Stores {
		sj := storeJSON{
			Name:       st.Name,
			Kind:       st.Kind.String(),
			OwnLatency: st.OwnLatency,
			LeftOut:    make([]string, 0, len(st.LeftOut)),
			Closed:     st.Closed,
			Regions:    regionsJSON(st.Regions),
		}
		for _, r := range st.LeftOut {
			sj.LeftOut = append(sj.LeftOut, string(r))
		}
		if t := st.Topology; t != nil {
			sj.Topology = &topologyJSON{
				Writer:              string(t.Writer),
				Generation:          t.Generation,
				LoadedAt:            jsonTime(t.LoadedAt),
				LastAttempt:         jsonTime(t.LastAttempt),
				LastError:           errText(t.LastError),
				ConsecutiveFailures: t.ConsecutiveFailures,
			}
		}
		out.Stores = append(out.Stores, sj)
	}
	return out
}

func regionsJSON(list []RegionStatus) []regionJSON {
	out := make([]regionJSON, 0, len(list))
	for _, r := range list {
		out = append(out, regionJSON{
			Region:              string(r.Region),
			Healthy:             r.Healthy,
			Drained:             r.Drained,
			LatencyMs:           float64(r.Latency) / float64(time.Millisecond),
			Latency:             r.Latency.String(),
			Measured:            r.Measured,
			Samples:             r.Samples,
			ConsecutiveFailures: r.ConsecutiveFailures,
			LastError:           errText(r.LastError),
			LastProbe:           jsonTime(r.LastProbe),
			Ejections:           r.Ejections,
		})
	}
	return out
}

// jsonTime is t in RFC 3339 (UTC, with the fraction), "" for the zero time.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

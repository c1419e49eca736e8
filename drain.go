package multiregion

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// DrainOperator is the drain source of Client.Drain.
const DrainOperator = "operator"

// drains are the regions taken out of service on purpose, by source (the
// operator's Drain, a routing-control poller). A drained region gets no
// new call from any store and is not picked, but it is still probed, so
// that an undrain routes by fresh latencies at once. The set is shared by
// the network view and every store. Safe for concurrent use.
type drains struct {
	mu       sync.Mutex
	bySource map[string]RegionSet
	union    atomic.Uint64 // the RegionSet of all sources, read on the pick path
}

func (d *drains) load() RegionSet {
	if d == nil {
		return 0
	}
	return RegionSet(d.union.Load())
}

// set replaces source's drained regions, and reports which regions
// became drained and which undrained overall.
func (d *drains) set(source string, regions RegionSet) (added, removed RegionSet) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bySource == nil {
		d.bySource = map[string]RegionSet{}
	}
	before := d.load()
	if regions == 0 {
		delete(d.bySource, source)
	} else {
		d.bySource[source] = regions
	}
	var after RegionSet
	for _, s := range d.bySource {
		after |= s
	}
	d.union.Store(uint64(after))
	return after &^ before, before &^ after
}

func (d *drains) of(source string) RegionSet {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bySource[source]
}

// sources returns, per drained region, the sources that drain it, sorted.
func (d *drains) sources(regions []Region) []DrainStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []DrainStatus
	for i, r := range regions {
		var by []string
		for _, src := range slices.Sorted(maps.Keys(d.bySource)) {
			if d.bySource[src].Has(i) {
				by = append(by, src)
			}
		}
		if by != nil {
			out = append(out, DrainStatus{Region: r, By: by})
		}
	}
	return out
}

// DrainStatus names a drained region and who drained it: DrainOperator
// (Client.Drain) and/or a routing-control source.
type DrainStatus struct {
	Region Region
	By     []string
}

// Drain takes region r out of service for every store of the Client: no
// new call is routed to it, reads included (an ejected region is still
// tried as a last resort for reads; a drained one never is), until
// Undrain. Calls already running there finish. Unlike an ejection, a drain
// is an operator's decision: no probe or call readmits the region, and
// its health and latency keep being measured (Status shows both). A call
// whose allowed regions are all drained fails with *NoHealthyRegionError.
// It returns ErrClosed after Close and an *UnknownRegionError for a region
// the Client does not have.
func (c *Client) Drain(r Region) error { return c.drainOne(DrainOperator, r, true) }

// Undrain lifts Drain's drain of r. A drain by another source (a routing
// control that is Off) stays until that source lifts it.
func (c *Client) Undrain(r Region) error { return c.drainOne(DrainOperator, r, false) }

// Drained returns the drained regions, in the Client's order, with their
// sources.
func (c *Client) Drained() []DrainStatus { return c.drains.sources(c.opts.Regions) }

func (c *Client) drainOne(source string, r Region, on bool) error {
	i, err := c.Index(r)
	if err != nil {
		return err
	}
	c.drainMu.Lock()
	defer c.drainMu.Unlock()
	set := c.drains.of(source)
	if on {
		set = set.With(i)
	} else {
		set &^= 1 << i
	}
	c.setDrains(source, set)
	return nil
}

// setDrains replaces the regions source drains, logs each region that
// became drained or undrained once, and re-ranks every router.
func (c *Client) setDrains(source string, set RegionSet) {
	added, removed := c.drains.set(source, set&c.all)
	if added|removed == 0 {
		return
	}
	c.rt.recompute()
	c.networkChanged()
	for i, r := range c.opts.Regions {
		switch {
		case added.Has(i):
			c.opts.Logger.Warn("multiregion: region drained: no new calls go there", "region", string(r), "source", source)
		case removed.Has(i):
			c.opts.Logger.Info("multiregion: region undrained", "region", string(r), "source", source)
		}
	}
}

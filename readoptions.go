package multiregion

import (
	"fmt"
	"time"
)

// ReadOptions bound and steer the reads of one handle of a single-writer
// store (cache.Store.WithRead, docdb.Cluster.WithRead), in the style of
// the Cosmos SDKs' request options. It is a plain value.
type ReadOptions struct {
	// MaxLag skips replicas whose measured replication lag is over it for
	// these reads, on top of the store's own MaxLag; the writer always
	// qualifies, so a read never fails for lag alone. A replica whose lag
	// is unknown qualifies (as with the store's MaxLag).
	// default: 0 (the store's bound only)
	MaxLag time.Duration
	// Exclude leaves regions out of these reads (say, one an operator is
	// about to drain). Excluding every region of the store is an error.
	// default: none
	Exclude []Region
	// Prefer is tried first while it is allowed, healthy and not drained.
	// default: "" (the nearest)
	Prefer Region
	// Hedge turns hedging of these reads on or off over the store's Hedge
	// (the point reads: cache Get, docdb FindOne).
	// default: HedgeDefault
	Hedge HedgeMode
}

// ResolvedRead is ReadOptions checked against a store's regions: the
// exclusions as a RegionSet. Adapters build it with ReadOptions.Resolve.
type ResolvedRead struct {
	MaxLag  time.Duration
	Exclude RegionSet
	Prefer  Region
	Hedge   HedgeMode
}

// Resolve checks o against the regions of store st: every excluded or
// preferred region must be one of the store's, not all may be excluded,
// MaxLag must not be negative. Errors are *OptionError.
func (o ReadOptions) Resolve(st *Store) (ResolvedRead, error) {
	bad := func(field, value, reason string) error {
		return &OptionError{Field: "ReadOptions." + field, Value: value, Reason: reason}
	}
	if o.MaxLag < 0 {
		return ResolvedRead{}, bad("MaxLag", o.MaxLag.String(), "must not be negative")
	}
	if o.Hedge > HedgeOff {
		return ResolvedRead{}, bad("Hedge", fmt.Sprint(o.Hedge), "unknown mode")
	}
	set := st.Set()
	rr := ResolvedRead{MaxLag: o.MaxLag, Prefer: o.Prefer, Hedge: o.Hedge}
	for _, r := range o.Exclude {
		i, err := st.Client().Index(r)
		if err != nil || !set.Has(i) {
			return ResolvedRead{}, bad("Exclude", string(r), "not a region of store "+st.Name())
		}
		rr.Exclude = rr.Exclude.With(i)
	}
	if rr.Exclude != 0 && rr.Exclude&set == set {
		return ResolvedRead{}, bad("Exclude", fmt.Sprint(o.Exclude), "every region of store "+st.Name()+" is excluded: nowhere to read")
	}
	if o.Prefer != "" {
		if i, err := st.Client().Index(o.Prefer); err != nil || !set.Has(i) {
			return ResolvedRead{}, bad("Prefer", string(o.Prefer), "not a region of store "+st.Name())
		}
	}
	return rr, nil
}

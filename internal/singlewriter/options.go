package singlewriter

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/regionkit/multiregion"
)

// Defaults and limits of Options.
const (
	DefaultRefreshInterval = 30 * time.Second
	// MinRefreshInterval keeps a typo from turning the refresh loop into a
	// stream of control-plane calls, which AWS throttles.
	MinRefreshInterval    = time.Second
	DefaultRefreshTimeout = 10 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultRetireDelay    = 30 * time.Second
)

// Options configures a Kit. The zero value of every field but Kind is its
// default; New copies Options, so changing them afterwards has no effect.
type Options struct {
	// Kind is the store's family in the capability table; it must be a
	// single-writer kind (AuroraGlobal, RDSReadReplica, ElastiCacheGlobal,
	// DocumentDBGlobal). Topologies are checked against its region limits.
	// default: none (required)
	Kind multiregion.StoreKind

	// Store names the store in errors and logs, e.g. "aurora orders-global".
	// Never put a secret in it.
	// default: Kind.String()
	Store string

	// RefreshInterval is the time between the end of one periodic load of
	// the topology and the start of the next. A negative value disables the
	// periodic refresh (Refresh and WriterMoved still load on demand).
	// Otherwise at least MinRefreshInterval.
	// default: 30s
	RefreshInterval time.Duration

	// RefreshTimeout bounds one load of the topology. The load is shared by
	// every caller waiting for it, so it runs with this timeout instead of
	// any caller's context. It bounds real I/O, so it runs on the wall
	// clock even when Clock is a fake one. Must not be negative.
	// default: 10s
	RefreshTimeout time.Duration

	// ConnectTimeout bounds one call of the connect func, which is shared
	// by the callers waiting for that region's client. Wall clock, as
	// RefreshTimeout. Must not be negative.
	// default: 10s
	ConnectTimeout time.Duration

	// MaxLag is the most replication lag a replica may have and still be a
	// read candidate (Readers). Replicas whose lag is unknown stay
	// candidates; the writer always is. Must not be negative.
	// default: 0 (no bound: every member serves reads)
	MaxLag time.Duration

	// AllowPartial accepts topologies with members outside the Client's
	// regions: such members are left out of the kit's Topology and listed
	// in Status().LeftOut. The writer is never left out.
	// default: false (such a topology is invalid)
	AllowPartial bool

	// RetireDelay is how long a client replaced by a topology change (new
	// endpoint, role or ID, or a member gone) stays open before the kit
	// closes it, so that calls already running on it can finish. Close
	// closes retired clients at once. Must not be negative; use a tiny
	// value such as 1ns to close replaced clients right away.
	// default: 30s
	RetireDelay time.Duration

	// Clock times the periodic refresh and RetireDelay and stamps LoadedAt
	// and Status.
	// default: the Client's Clock (multiregion.SystemClock{} unless set there)
	Clock multiregion.Clock

	// Logger receives refresh failures at Warn, writer changes at Info and
	// other topology changes at Debug. Endpoints are never logged.
	// default: the Client's Logger (which discards everything unless set there)
	Logger *slog.Logger

	// Done, when it closes, closes the kit as Close does. Adapters pass the
	// Client's done channel here so that a kit stops with its Client.
	// default: nil (never)
	Done <-chan struct{}
}

// resolveOptions fills the zero fields; validate has run before.
func resolveOptions(o *Options, mr *multiregion.Client) {
	if o.Store == "" {
		o.Store = o.Kind.String()
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.RefreshInterval, DefaultRefreshInterval)
	def(&o.RefreshTimeout, DefaultRefreshTimeout)
	def(&o.ConnectTimeout, DefaultConnectTimeout)
	def(&o.RetireDelay, DefaultRetireDelay)
	mo := mr.Options()
	if o.Clock == nil {
		o.Clock = mo.Clock
	}
	if o.Clock == nil {
		o.Clock = multiregion.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = mo.Logger
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// validate checks every field that is set; zero means default and is valid.
func (o *Options) validate() error {
	bad := func(field, value, reason string) error {
		return &multiregion.OptionError{Field: field, Value: value, Reason: reason}
	}
	if err := checkKind(o.Kind); err != nil {
		return bad("Kind", fmt.Sprint(int(o.Kind)), "required, a single-writer store kind: "+err.Error())
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"RefreshTimeout", o.RefreshTimeout}, {"ConnectTimeout", o.ConnectTimeout}, {"MaxLag", o.MaxLag}, {"RetireDelay", o.RetireDelay}} {
		if d.v < 0 {
			return bad(d.field, d.v.String(), "must not be negative")
		}
	}
	if o.RefreshInterval > 0 && o.RefreshInterval < MinRefreshInterval {
		return bad("RefreshInterval", o.RefreshInterval.String(), "must be at least "+MinRefreshInterval.String()+" (or negative: no periodic refresh)")
	}
	return nil
}

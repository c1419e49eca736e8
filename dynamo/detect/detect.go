package detect

import (
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Event names of stream records, as DynamoDB Streams spells them.
const (
	Insert = "INSERT"
	Modify = "MODIFY"
	Remove = "REMOVE"
)

// DefaultCapacity is Config.Capacity's default.
const DefaultCapacity = 1 << 16

// Record is one stream record of one replica's stream, however it was
// read (GetRecords, a Lambda event). A plain value.
type Record struct {
	// Region is the replica region whose stream holds the record.
	Region string
	// Shard and Seq name the record in that stream.
	Shard, Seq string
	// Event is Insert, Modify or Remove.
	Event string
	// At is the record's ApproximateCreationDateTime.
	At time.Time
	// Keys, Old and New are the key attributes and the images.
	Keys, Old, New map[string]types.AttributeValue
}

// Loss is a version that a record showed overwritten by a writer that
// never saw it, and that no carrier saved during the settle window.
// A plain value; Resolve is safe for concurrent use.
type Loss struct {
	// Lost and Winner are the version ids of the old and new images.
	Lost, Winner string
	// LostAncestors are ancestors of Lost the winner never saw, lost
	// along with it.
	LostAncestors []string
	// Record is the record that showed the loss.
	Record Record
	// DetectedAt is when the record was observed.
	DetectedAt time.Time

	tk *Ticket
}

// Resolve marks the loss delivered: the ticket Observe returned for its
// record is done.
func (l Loss) Resolve() {
	if l.tk != nil {
		l.tk.done.Store(true)
	}
}

// Ticket follows the claim one record made until it is delivered
// (Loss.Resolve) or dropped by the settle step. A stream position may
// pass the record only once its ticket is done. Safe for concurrent use.
type Ticket struct{ done atomic.Bool }

// Done reports whether the claim is resolved.
func (t *Ticket) Done() bool { return t.done.Load() }

// Gap is a stretch of one shard whose records were not read: they were
// trimmed (older than the stream's retention, 24 h on AWS) before the
// reader got to them, or the stream was removed. Losses between From and
// To may be missed. A plain value.
type Gap struct {
	Region, Shard string
	// From is the time of the last record read before the gap (zero when
	// none was), To the time the reader resumed.
	From, To time.Time
	// Reason says what happened, e.g. "trimmed data" or "stream removed".
	Reason string
}

func (g Gap) String() string {
	return "losses between " + stamp(g.From) + " and " + stamp(g.To) + " may be missed (" + g.Reason + ", region " + g.Region + ", shard " + g.Shard + ")"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "the stream's start"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// Config configures a Detector.
type Config struct {
	// Versions reads the version id and the lineage (ancestor ids, newest
	// first) an image carries; id "" for an image without them.
	// Required.
	Versions func(item map[string]types.AttributeValue) (id string, lineage []string)
	// Settle is how long a claim is held for evidence that saves it.
	// default: 0 (settled on the next Due)
	Settle time.Duration
	// Capacity bounds the versions remembered as carriers and claims.
	// default: DefaultCapacity
	Capacity int
}

// Detector judges records and settles claims. Safe for concurrent use:
// the readers of several regions may feed one Detector, which is how a
// loss seen in two regions is claimed once.
type Detector struct {
	versions func(map[string]types.AttributeValue) (string, []string)
	settle   *settler
}

// New returns a Detector. A nil Config.Versions reads no version: every
// record is ignored.
func New(cfg Config) *Detector {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity
	}
	if cfg.Versions == nil {
		cfg.Versions = func(map[string]types.AttributeValue) (string, []string) { return "", nil }
	}
	return &Detector{versions: cfg.Versions, settle: newSettler(cfg.Settle, cfg.Capacity)}
}

// Observe judges one record at now and returns the ticket of the loss it
// claimed, or nil. Only MODIFY has both images; INSERT (no old version)
// and REMOVE (no new one) cannot show a lost write, but every new image is
// evidence that its ancestors live on.
func (d *Detector) Observe(rec Record, now time.Time) *Ticket {
	if rec.Event == Remove || rec.New == nil {
		return nil
	}
	winner, winLin := d.versions(rec.New)
	d.settle.witness(winner, winLin)
	if rec.Event == Insert || rec.Old == nil {
		return nil
	}
	lost, lostLin := d.versions(rec.Old)
	anc, ok := Judge(lost, lostLin, winner, winLin)
	if !ok {
		return nil
	}
	tk := &Ticket{}
	if !d.settle.claim(Loss{Lost: lost, Winner: winner, LostAncestors: anc, Record: rec, DetectedAt: now, tk: tk}, now) {
		return nil
	}
	return tk
}

// Due returns the claims whose window ended at now (all of them with
// force) that still stand, oldest first; the tickets of dropped claims
// are resolved. Call Resolve on each once it is delivered.
func (d *Detector) Due(now time.Time, force bool) []Loss { return d.settle.settle(now, force) }

// Judge decides whether the change of an item from version lost (with
// its lineage) to version winner discarded a write: lost is neither
// winner nor in winner's lineage. ancestors are lost's ancestors that
// winner never saw, newest first, up to the common one.
func Judge(lost string, lostLineage []string, winner string, winnerLineage []string) (ancestors []string, ok bool) {
	if lost == "" || winner == "" || descends(winner, winnerLineage, lost) {
		return nil, false // not ours, or a successor: no loss
	}
	for _, a := range lostLineage {
		if descends(winner, winnerLineage, a) {
			break // the common ancestor: the winner saw it
		}
		ancestors = append(ancestors, a)
	}
	return ancestors, true
}

// Descends reports whether the version v (with its lineage) is id or was
// written after id was seen.
func Descends(v string, lineage []string, id string) bool { return descends(v, lineage, id) }

func descends(v string, lineage []string, id string) bool {
	if v == id {
		return true
	}
	for _, a := range lineage {
		if a == id {
			return true
		}
	}
	return false
}

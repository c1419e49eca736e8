package dynamo

import (
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Conflict is a write that last writer wins discarded (MREC). DynamoDB
// logs nothing when it resolves concurrent writes to one item in two
// regions; the Table finds them in the replicas' streams: a MODIFY record
// whose new image does not descend from its old image (the old version is
// neither the new one's Prev nor in its Lineage) shows a version
// overwritten by a writer that never saw it. A plain value, safe to copy.
type Conflict struct {
	Table string
	// Key holds the key attributes of the item.
	Key map[string]types.AttributeValue
	// Lost is the discarded version, Winner the one that overwrote it
	// where it was seen (which may itself lose later: reported separately).
	// Either may be a delete: a tombstone, with Meta.Deleted set and an
	// Item holding only the key and metadata (tombstone.go).
	Lost, Winner Version
	// LostAncestors are versions lost along with Lost: its ancestors the
	// winner never saw (a local update of a version that then lost). Each
	// id is reported once, here or as some Conflict's Lost.
	LostAncestors []string
	// SeenIn is the region whose stream showed the overwrite. The same
	// loss seen in other regions later is not reported again.
	SeenIn multiregion.Region
	// SequenceNumber is the stream record's, in SeenIn's stream.
	SequenceNumber string
	// DetectedAt is when the detector read the record.
	DetectedAt time.Time
}

// LostWrites is how many writes this conflict reports: Lost and its ancestors.
func (c Conflict) LostWrites() int { return 1 + len(c.LostAncestors) }

// Version is one version of an item: its metadata and full image.
type Version struct {
	Meta
	// Item is the item's image, metadata attributes included.
	Item map[string]types.AttributeValue
}

// Decode unmarshals the image into out (a pointer, e.g. *T).
func (v Version) Decode(out any) error {
	if err := attributevalue.UnmarshalMap(v.Item, out); err != nil {
		return &MarshalError{Op: "dynamo.Version.Decode", Type: typeName(out), Err: err}
	}
	return nil
}

// DecodeVersion returns the image of v as a T.
func DecodeVersion[T any](v Version) (T, error) {
	var out T
	err := v.Decode(&out)
	return out, err
}

// dedupSet remembers the last capacity ids, first in first out: bounded
// memory (about 100 bytes per id), exact as long as the sightings of one
// loss in several regions are less than capacity losses apart. Not
// synchronized: the detector guards it.
type dedupSet struct {
	ids  map[string]struct{}
	ring []string
	next int
}

func newDedupSet(capacity int) *dedupSet {
	return &dedupSet{ids: make(map[string]struct{}, min(capacity, 1024)), ring: make([]string, capacity)}
}

// has reports whether id is remembered.
func (d *dedupSet) has(id string) bool {
	_, ok := d.ids[id]
	return ok
}

// remove forgets id (its ring slot is reused in turn).
func (d *dedupSet) remove(id string) { delete(d.ids, id) }

// add reports whether id is new, and remembers it.
func (d *dedupSet) add(id string) bool {
	if _, ok := d.ids[id]; ok {
		return false
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.ids, old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	d.ids[id] = struct{}{}
	return true
}

// judge decides whether a change old -> new of one item in one region
// discarded a write, and builds the Conflict if so.
func judge(names metaNames, old, new map[string]types.AttributeValue) (lost, winner Meta, ancestors []string, ok bool) {
	lost, winner = names.parse(old), names.parse(new)
	if lost.Version == "" || winner.Version == "" || winner.descendsFrom(lost.Version) {
		return lost, winner, nil, false // not ours, or a successor: no loss
	}
	for _, a := range lost.Lineage {
		if winner.descendsFrom(a) {
			break // the common ancestor: the winner saw it
		}
		ancestors = append(ancestors, a)
	}
	return lost, winner, ancestors, true
}

// delivery hands conflicts to the handler or the channel, once each.
// Safe for concurrent use by the stream readers.
type delivery struct {
	// sendMu lets close wait for senders (Flush delivers from the caller's
	// goroutine, which Close does not own).
	sendMu  sync.RWMutex
	closed  bool
	mu      sync.Mutex
	seen    *dedupSet
	handler func(Conflict)
	out     chan Conflict
	done    <-chan struct{}
	// surfaced is told of every conflict about to be delivered (a log
	// line and a metric); nil in tests of the delivery alone.
	surfaced func(Conflict)
}

// deliver reports c unless its lost version was reported already; its
// ancestors are filtered the same way. It returns false if the detector
// stopped before a channel receiver took c.
func (d *delivery) deliver(c Conflict) bool {
	d.mu.Lock()
	if !d.seen.add(c.Lost.Version) {
		d.mu.Unlock()
		return true
	}
	kept := c.LostAncestors[:0]
	for _, a := range c.LostAncestors {
		if d.seen.add(a) {
			kept = append(kept, a)
		}
	}
	c.LostAncestors = kept
	if d.surfaced != nil {
		d.surfaced(c)
	}
	if d.handler != nil {
		defer d.mu.Unlock()
		d.handler(c) // under the lock: one call at a time, in detection order
		return true
	}
	d.mu.Unlock()
	d.sendMu.RLock()
	defer d.sendMu.RUnlock()
	if d.closed {
		return false
	}
	select {
	case d.out <- c:
		return true
	case <-d.done:
		return false
	}
}

// close closes the channel once no sender can be in deliver; done must
// already be closed so that blocked senders give up.
func (d *delivery) close() {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	if !d.closed && d.out != nil {
		close(d.out)
	}
	d.closed = true
}

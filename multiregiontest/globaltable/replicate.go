package globaltable

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/truora/minidyn/server"
)

// event is one write travelling to another region: the full new image (nil
// for a delete) and the timestamp last writer wins compares.
type event struct {
	table       string
	incarnation uint64
	key         string
	keyItem     item
	image       item
	ts          int64
	id          string

	due time.Time // MREC: when the destination may apply it
	seq uint64    // FIFO among events due at the same instant
}

// applyRemote applies a replicated write in dst as AWS does: conditionally
// on the internal timestamp. An incoming write older than the version dst
// holds (a tombstone included) is discarded silently; otherwise it replaces
// the item and appears in dst's stream. It is applied straight to storage,
// so it is never replicated again.
func (e *Emulator) applyRemote(ctx context.Context, dst *region, ev event) {
	dst.mu.Lock()
	defer dst.mu.Unlock()
	meta := dst.tables[ev.table]
	if meta == nil || meta.incarnation != ev.incarnation {
		return // the table was deleted (and maybe recreated) meanwhile
	}
	if cur, ok := dst.versions[ev.table][ev.key]; ok && cur.ts >= ev.ts {
		return
	}
	old, err := dst.readItem(ctx, ev.table, ev.keyItem)
	if err != nil {
		return
	}
	if ev.image == nil {
		_, err = dst.db.DeleteItem(ctx, &server.DeleteItemInput{TableName: aws.String(ev.table), Key: ev.keyItem})
	} else {
		_, err = dst.db.PutItem(ctx, &server.PutItemInput{TableName: aws.String(ev.table), Item: cloneItem(ev.image)})
	}
	if err != nil {
		return // cannot happen for an image the origin accepted; keep the old version
	}
	dst.versions[ev.table][ev.key] = version{id: ev.id, ts: ev.ts, deleted: ev.image == nil}
	dst.appendStream(ev.table, ev.keyItem, old, ev.image)
}

// ErrReplicationPaused is returned (wrapped) by Quiesce when a paused region
// still holds writes it has not applied.
var ErrReplicationPaused = errors.New("globaltable: replication paused")

// replicator is one region's queue of incoming MREC writes. Safe for
// concurrent use; mu is a leaf lock.
type replicator struct {
	mu       sync.Mutex
	queue    eventHeap
	seq      uint64
	paused   bool
	inflight int           // popped but not yet applied
	flush    int           // Quiesce calls in progress: apply now, ignore due times
	wake     chan struct{} // nudges the worker (capacity 1, never closed)
	changed  chan struct{} // closed and replaced whenever progress is made
}

func newReplicator() *replicator {
	return &replicator{wake: make(chan struct{}, 1), changed: make(chan struct{})}
}

func (rp *replicator) enqueue(ev event, due time.Time) {
	rp.mu.Lock()
	rp.seq++
	ev.due, ev.seq = due, rp.seq
	heap.Push(&rp.queue, ev)
	rp.mu.Unlock()
	rp.nudge()
}

func (rp *replicator) nudge() {
	select {
	case rp.wake <- struct{}{}:
	default:
	}
}

// broadcast wakes every Quiesce waiting on this queue. Callers hold rp.mu.
func (rp *replicator) broadcast() {
	close(rp.changed)
	rp.changed = make(chan struct{})
}

// next pops the event to apply now, or says how long to wait (0: until nudged).
func (rp *replicator) next(now time.Time) (ev event, wait time.Duration, ok bool) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.paused || rp.queue.Len() == 0 {
		return event{}, 0, false
	}
	if head := rp.queue[0]; rp.flush == 0 && now.Before(head.due) {
		return event{}, head.due.Sub(now), false
	}
	rp.inflight++
	return heap.Pop(&rp.queue).(event), 0, true
}

func (rp *replicator) applied() {
	rp.mu.Lock()
	rp.inflight--
	rp.broadcast()
	rp.mu.Unlock()
}

// runReplicator applies dst's incoming writes as they fall due, until Close.
func (e *Emulator) runReplicator(dst *region) {
	defer e.wg.Done()
	rp := dst.repl
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		ev, wait, ok := rp.next(time.Now())
		if ok {
			e.applyRemote(context.Background(), dst, ev)
			rp.applied()
			continue
		}
		if wait > 0 {
			timer.Reset(wait) // Go ≥1.23 timers: Reset/Stop need no draining
		}
		select {
		case <-e.done:
			return
		case <-rp.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// PauseReplication holds incoming MREC replication to region: writes from
// other regions queue up until ResumeReplication, so tests can build
// divergence deliberately. Unknown regions and MRSC (whose replication is
// synchronous) are ignored.
func (e *Emulator) PauseReplication(region string) { e.setPaused(region, true) }

// ResumeReplication releases what PauseReplication held; held writes then
// apply as they fall due.
func (e *Emulator) ResumeReplication(region string) { e.setPaused(region, false) }

func (e *Emulator) setPaused(region string, paused bool) {
	r, ok := e.byName[region]
	if !ok {
		return
	}
	r.repl.mu.Lock()
	r.repl.paused = paused
	r.repl.broadcast()
	r.repl.mu.Unlock()
	r.repl.nudge()
}

// Quiesce applies all pending MREC replication everywhere now, without
// waiting for ReplicationDelay, and returns when nothing is pending. If a
// paused region still has writes held, Quiesce applies everything else and
// returns an error wrapping ErrReplicationPaused that names it. It returns
// ctx's error if ctx ends first.
func (e *Emulator) Quiesce(ctx context.Context) error {
	for _, r := range e.regions {
		r.repl.mu.Lock()
		r.repl.flush++
		r.repl.mu.Unlock()
		r.repl.nudge()
	}
	defer func() {
		for _, r := range e.regions {
			r.repl.mu.Lock()
			r.repl.flush--
			r.repl.mu.Unlock()
		}
	}()
	for {
		var wait <-chan struct{}
		var held []string
		for _, r := range e.regions {
			rp := r.repl
			rp.mu.Lock()
			switch pending := rp.queue.Len() + rp.inflight; {
			case pending == 0:
			case rp.paused && rp.inflight == 0:
				held = append(held, r.name)
			default:
				wait = rp.changed
			}
			rp.mu.Unlock()
		}
		if wait == nil {
			if len(held) > 0 {
				return fmt.Errorf("%w: writes to %v are held", ErrReplicationPaused, held)
			}
			return nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		case <-e.done:
			return ErrClosed
		}
	}
}

// eventHeap orders events by due time, then arrival.
type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	*h = old[:len(old)-1]
	return ev
}

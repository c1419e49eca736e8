package s3replica

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"sort"
	"time"
)

// job is the copy of one source version to one destination bucket.
type job struct {
	seq   uint64
	due   time.Time
	first time.Time // first attempt; zero before
	v     *version
	dst   string
	class string // the destination's storage class, "" to keep the source's
	pair  Pair
}

// jobQueue is a min-heap by due time, then by enqueue order.
type jobQueue []*job

func (q jobQueue) Len() int { return len(q) }
func (q jobQueue) Less(i, j int) bool {
	if !q[i].due.Equal(q[j].due) {
		return q[i].due.Before(q[j].due)
	}
	return q[i].seq < q[j].seq
}
func (q jobQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *jobQueue) Push(x any)   { *q = append(*q, x.(*job)) }
func (q *jobQueue) Pop() any {
	old := *q
	j := old[len(old)-1]
	*q = old[:len(old)-1]
	return j
}

// engine is the World's replication state; every field is guarded by w.mu.
type engine struct {
	delay     time.Duration
	pairDelay map[Pair]time.Duration
	failPairs map[Pair]bool
	paused    map[string]bool
	held      map[string][]*job // by destination region, while paused
	queue     jobQueue
	seq       uint64
	wake      chan struct{} // wakes the scheduler; capacity 1
	completed int
	failed    int
}

func (e *engine) init(o Options) {
	e.delay = o.ReplicationDelay
	e.pairDelay = map[Pair]time.Duration{}
	for p, d := range o.PairDelays {
		e.pairDelay[p] = d
	}
	e.failPairs = map[Pair]bool{}
	e.paused = map[string]bool{}
	e.held = map[string][]*job{}
	e.wake = make(chan struct{}, 1)
}

func (e *engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// enqueue schedules v's copies to every destination its bucket's rules
// give it. Under w.mu.
func (e *engine) enqueue(w *World, b *bucket, v *version, now time.Time) {
	for _, rule := range b.config.destinations(v) {
		dst, _ := DestinationBucket(rule.Destination.Bucket)
		to := b.region
		if d := w.buckets[dst]; d != nil {
			to = d.region
		}
		p := Pair{From: b.region, To: to}
		delay, ok := e.pairDelay[p]
		if !ok {
			delay = e.delay
		}
		if j := w.opts.ReorderJitter; j > 0 {
			delay += time.Duration(w.rnd.Int64N(int64(j)))
		}
		e.seq++
		heap.Push(&e.queue, &job{seq: e.seq, due: now.Add(delay), v: v, dst: dst, class: rule.Destination.StorageClass, pair: p})
		v.pending++
		if !v.deleteMarker {
			v.status = StatusPending
		}
	}
	e.signal()
}

// schedule runs due copies until Close.
func (w *World) schedule() {
	defer close(w.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		w.mu.Lock()
		next := w.runDue(time.Now(), false)
		w.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		t.Reset(wait)
		select {
		case <-w.stop:
			return
		case <-w.eng.wake:
		case <-t.C:
		}
	}
}

// runDue attempts the copies due by now (every queued one with all) in
// due order, holds those into paused regions and requeues those whose
// destination is down. It returns when the next copy is due (zero: none).
// Under w.mu.
func (w *World) runDue(now time.Time, all bool) time.Time {
	e := &w.eng
	var retry []*job
	for e.queue.Len() > 0 {
		j := e.queue[0]
		if !all && j.due.After(now) {
			break
		}
		heap.Pop(&e.queue)
		if e.paused[j.pair.To] {
			e.held[j.pair.To] = append(e.held[j.pair.To], j)
			continue
		}
		if w.attempt(j, now) {
			j.due = now.Add(w.opts.RetryInterval)
			retry = append(retry, j)
		}
	}
	for _, j := range retry {
		heap.Push(&e.queue, j)
	}
	if e.queue.Len() == 0 {
		return time.Time{}
	}
	return e.queue[0].due
}

// attempt copies j's version into its destination; it reports whether the
// copy must be retried (the destination region is down, within FailAfter).
// Under w.mu.
func (w *World) attempt(j *job, now time.Time) (retry bool) {
	if j.first.IsZero() {
		j.first = now
	}
	if w.eng.failPairs[j.pair] {
		w.finish(j, false)
		return false
	}
	if !w.opts.IsUp(j.pair.To) {
		if now.Sub(j.first) < w.opts.FailAfter {
			return true
		}
		w.finish(j, false)
		return false
	}
	dst := w.buckets[j.dst]
	if dst == nil || dst.region != j.pair.To || !dst.versioned() {
		w.finish(j, false)
		return false
	}
	if o := dst.objects[j.v.key]; o != nil {
		for _, v := range o.versions {
			if v.id == j.v.id {
				w.finish(j, true) // already there: a copy is idempotent
				return false
			}
		}
	}
	rep := &version{id: j.v.id, key: j.v.key, body: j.v.body, md5: j.v.md5, meta: j.v.meta,
		lastModified: j.v.lastModified, deleteMarker: j.v.deleteMarker, replica: true}
	if !rep.deleteMarker {
		rep.status = StatusReplica
	}
	if j.class != "" && !rep.deleteMarker {
		rep.meta = maps.Clone(rep.meta) // non-nil: a version always has meta
		rep.meta["X-Amz-Storage-Class"] = j.class
	}
	w.store(dst, rep, now)
	w.finish(j, true)
	return false
}

// finish records the outcome of j; the source's status settles when its
// last copy has. Under w.mu.
func (w *World) finish(j *job, ok bool) {
	v := j.v
	v.pending--
	if ok {
		w.eng.completed++
	} else {
		w.eng.failed++
		v.failed = true
	}
	if v.pending == 0 && !v.deleteMarker {
		v.status = StatusCompleted
		if v.failed {
			v.status = StatusFailed
		}
	}
}

// Quiesce applies every queued copy now, in the order they were due, and
// returns when none is left. A copy into a down region is retried until
// the region is up or FailAfter has passed (or ctx ends). With a region
// paused it applies the rest and returns an error that matches
// ErrReplicationPaused.
func (w *World) Quiesce(ctx context.Context) error {
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return ErrClosed
		}
		w.runDue(time.Now(), true)
		left := w.eng.queue.Len()
		var paused []string
		for r, js := range w.eng.held {
			if len(js) > 0 {
				paused = append(paused, r)
			}
		}
		w.mu.Unlock()
		if left == 0 {
			if len(paused) > 0 {
				sort.Strings(paused)
				return fmt.Errorf("s3replica: copies held for %v: %w", paused, ErrReplicationPaused)
			}
			return nil
		}
		t := time.NewTimer(w.opts.RetryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

package s3replica

import (
	"container/heap"
	"sort"
	"time"

	"github.com/johannesboyne/gofakes3"
)

func (b *bucket) versioned() bool { return b.versioning == gofakes3.VersioningEnabled }

// SetReplicationDelay sets the delay of copies enqueued from now on (pairs
// with their own delay keep it).
func (w *World) SetReplicationDelay(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.eng.delay = max(d, 0)
}

// SetPairDelay sets the delay of copies from p.From to p.To enqueued from
// now on; a negative d removes the override.
func (w *World) SetPairDelay(p Pair, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d < 0 {
		delete(w.eng.pairDelay, p)
		return
	}
	w.eng.pairDelay[p] = d
}

// SetReplicationFailure makes every copy from p.From to p.To attempted
// while on fail at once (the source version becomes FAILED), as S3 fails
// a copy it is denied.
func (w *World) SetReplicationFailure(p Pair, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.eng.failPairs[p] = true
	} else {
		delete(w.eng.failPairs, p)
	}
}

// PauseReplication holds the copies into region until ResumeReplication.
func (w *World) PauseReplication(region string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.eng.paused[region] = true
}

// ResumeReplication releases the copies PauseReplication held, in the
// order they were due.
func (w *World) ResumeReplication(region string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.eng.paused, region)
	for _, j := range w.eng.held[region] {
		heap.Push(&w.eng.queue, j)
	}
	delete(w.eng.held, region)
	w.eng.signal()
}

// Counts are how many copies completed, failed and are still pending
// (queued, retrying or held by a pause).
type Counts struct {
	Completed, Failed, Pending int
}

// Counts returns the replication counters.
func (w *World) Counts() Counts {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := Counts{Completed: w.eng.completed, Failed: w.eng.failed, Pending: w.eng.queue.Len()}
	for _, js := range w.eng.held {
		c.Pending += len(js)
	}
	return c
}

// VersionInfo is the ground truth about one version in one bucket.
type VersionInfo struct {
	VersionID         string // "" for the null version
	LastModified      time.Time
	IsDeleteMarker    bool
	ETag              string // quoted MD5, "" for a delete marker
	ReplicationStatus string // PENDING, COMPLETED, FAILED, REPLICA or ""
	Replica           bool   // written by replication
}

func (v *version) info() VersionInfo {
	vi := VersionInfo{VersionID: v.id, LastModified: v.lastModified, IsDeleteMarker: v.deleteMarker,
		ReplicationStatus: v.status, Replica: v.replica}
	if !v.deleteMarker {
		vi.ETag = gofakes3.FormatETag(v.md5)
	}
	return vi
}

// Latest returns the current version of key in bucket (which must live in
// region): what a GET without versionId would serve, or the delete marker
// that hides it. ok is false when the bucket or key has none.
func (w *World) Latest(region, bucketName, key string) (VersionInfo, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, bucketName)
	if err != nil || b.objects[key] == nil || b.objects[key].latest() == nil {
		return VersionInfo{}, false
	}
	return b.objects[key].latest().info(), true
}

// Versions returns key's versions in bucket, newest (current) first.
func (w *World) Versions(region, bucketName, key string) []VersionInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, bucketName)
	if err != nil || b.objects[key] == nil {
		return nil
	}
	vs := b.objects[key].versions
	out := make([]VersionInfo, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, vs[i].info())
	}
	return out
}

// Diverged reports whether the buckets (region to bucket) disagree on
// key's current version: different version ids, or a key some lack.
func (w *World) Diverged(buckets map[string]string, key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.diverged(buckets, key)
}

func (w *World) diverged(buckets map[string]string, key string) bool {
	first, seen := "", false
	for region, name := range buckets {
		id := "\x00none"
		if b, err := w.bucketIn(region, name); err == nil {
			if o := b.objects[key]; o != nil && o.latest() != nil {
				id = o.latest().id
			}
		}
		if seen && id != first {
			return true
		}
		first, seen = id, true
	}
	return false
}

// DivergedKeys lists, sorted, the keys under prefix on which the buckets
// disagree (see Diverged).
func (w *World) DivergedKeys(buckets map[string]string, prefix string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := map[string]bool{}
	for region, name := range buckets {
		if b, err := w.bucketIn(region, name); err == nil {
			for k := range b.objects {
				if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
					keys[k] = true
				}
			}
		}
	}
	var out []string
	for k := range keys {
		if w.diverged(buckets, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

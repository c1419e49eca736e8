package s3replica

import (
	"crypto/md5"
	"errors"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// Replication statuses, as S3 reports them in x-amz-replication-status.
const (
	StatusPending   = "PENDING"
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
	StatusReplica   = "REPLICA"
)

// ErrReplicationPaused is matched by Quiesce's error while replication into
// a region is paused (the same sentinel as the DynamoDB emulator's).
var ErrReplicationPaused = globaltable.ErrReplicationPaused

// ErrClosed is returned by calls on a closed World.
var ErrClosed = errors.New("s3replica: world closed")

// version is one version of an object (or a delete marker) in one bucket.
// A version is immutable once stored except for its replication state,
// which only the World changes under its lock.
type version struct {
	id           string // "" for the null version of an unversioned bucket
	key          string
	body         []byte
	md5          []byte
	meta         map[string]string // Content-Type, x-amz-meta-*, ...; never the replication status
	lastModified time.Time
	deleteMarker bool
	replica      bool // written by replication: never replicated again

	status  string // replication status ("" when no rule applies)
	pending int    // replications of this version still to do
	failed  bool   // a replication of this version failed
}

// object is a key's versions in arrival order: the last is the latest, as
// S3 makes the most recently stored version current (a replica that
// arrives late becomes current in its bucket, which is how regions diverge).
type object struct{ versions []*version }

func (o *object) latest() *version {
	if len(o.versions) == 0 {
		return nil
	}
	return o.versions[len(o.versions)-1]
}

type bucket struct {
	name       string
	region     string
	created    time.Time
	versioning gofakes3.VersioningStatus
	objects    map[string]*object
	config     *ReplicationConfiguration // nil: no replication
}

func (b *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// World is every region's S3 with the replication between them. Bucket
// names are global, as in S3: a bucket lives in one region. It is safe for
// concurrent use; one lock guards everything (the data is in memory and
// replication copies between regions under it).
type World struct {
	opts Options

	mu      sync.Mutex
	regions map[string]bool
	buckets map[string]*bucket      // by name, whatever the region
	mraps   map[string]*mrap        // by alias
	routers map[string]http.Handler // each region's handler, for MRAP requests
	rnd     *rand.Rand              // version ids, jitter
	eng     engine
	closed  bool

	stop chan struct{} // closed by Close
	done chan struct{} // closed when the scheduler has returned
}

// New starts a World for opts.Regions; Close stops its scheduler.
func New(opts Options) (*World, error) {
	o, err := resolveOptions(opts)
	if err != nil {
		return nil, err
	}
	w := &World{
		opts:    o,
		regions: map[string]bool{},
		buckets: map[string]*bucket{},
		mraps:   map[string]*mrap{},
		routers: map[string]http.Handler{},
		rnd:     rand.New(rand.NewPCG(o.Seed, 0x7333)),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	for _, r := range o.Regions {
		w.regions[r] = true
	}
	w.eng.init(o)
	go w.schedule()
	return w, nil
}

// Close stops replication; pending copies are dropped. Idempotent.
func (w *World) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.stop)
	w.mu.Unlock()
	<-w.done
}

// versionAlphabet is what S3 version ids are made of (URL-safe).
const versionAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// newVersionID returns a 32-character id unique across the World (seeded,
// so a run replays). Called under w.mu.
func (w *World) newVersionID() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = versionAlphabet[w.rnd.IntN(len(versionAlphabet))]
	}
	return string(b)
}

// bucketIn returns the bucket name if it lives in region. Under w.mu.
func (w *World) bucketIn(region, name string) (*bucket, error) {
	b := w.buckets[name]
	if b == nil || b.region != region {
		return nil, gofakes3.BucketNotFound(name)
	}
	return b, nil
}

// Owner returns the region a bucket lives in, or "".
func (w *World) Owner(name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b := w.buckets[name]; b != nil {
		return b.region
	}
	return ""
}

// store appends v to key in b (replacing the null version when b is not
// versioning-enabled), then schedules its replication unless it is a
// replica. Under w.mu.
func (w *World) store(b *bucket, v *version, now time.Time) {
	o := b.objects[v.key]
	if o == nil {
		o = &object{}
		b.objects[v.key] = o
	}
	if b.versioning != gofakes3.VersioningEnabled {
		// Unversioned or suspended: the new version is the null version.
		v.id = ""
		kept := o.versions[:0]
		for _, old := range o.versions {
			if old.id != "" {
				kept = append(kept, old)
			}
		}
		o.versions = kept
	}
	o.versions = append(o.versions, v)
	if !v.replica && b.versioning == gofakes3.VersioningEnabled && b.config != nil {
		w.eng.enqueue(w, b, v, now)
	}
}

// newVersion builds a version of key from body and the request's metadata.
func newVersion(key string, body []byte, meta map[string]string, at time.Time) *version {
	sum := md5.Sum(body)
	return &version{key: key, body: body, md5: sum[:], meta: keepMeta(meta), lastModified: at}
}

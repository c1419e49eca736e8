package globaltable

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/truora/minidyn/server"
)

// ErrClosed is returned by operations on a closed Emulator.
var ErrClosed = errors.New("globaltable: emulator closed")

// Emulator is a DynamoDB global table spread over several in-process
// regions. Each region has its own minidyn storage and its own stream; the
// Emulator replicates writes between them the way AWS does for the
// configured Mode.
//
// An Emulator is safe for concurrent use by multiple goroutines.
//
// Lock order (to rule out deadlock): tables.mu, then region.mu of at most one
// region at a time, then the leaf locks (ledger, conflicts, replicator).
type Emulator struct {
	opts    Options
	regions []*region // replica regions, in Options.Regions order
	byName  map[string]*region

	tables    tableRegistry
	ledger    ledger
	conflicts conflictTable
	delay     atomic.Int64 // current MREC ReplicationDelay, as a time.Duration
	readerCap atomic.Int32 // readers per stream shard beyond StreamReaderLimit (streams_limits.go)

	done      chan struct{} // closed by Close; stops every worker
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// region is one replica: its storage, the version each key holds there, and
// its stream.
type region struct {
	name string
	// mu serialises every call into db: it makes a write and the read-back of
	// its new image atomic with respect to other writes in this region, and
	// it covers minidyn's table-admin calls, which take no lock of their own.
	mu       sync.Mutex
	db       *server.Client
	tables   map[string]*tableMeta         // tables that exist in this replica
	versions map[string]map[string]version // table -> key -> current version
	streams  map[string]*stream            // table -> its stream here
	seq      int64                         // last stream sequence number issued here
	repl     *replicator                   // incoming MREC replication queue
	txFaults [][]string                    // queued transaction cancellations (CancelNextTransaction)
	state    atomic.Int32                  // replicaActive, replicaCreating or replicaRemoved (replicas.go)
}

// version is what a region holds for one key: the write that produced it and
// that write's timestamp. Deletes stay as tombstones so an older put arriving
// later cannot resurrect the item.
type version struct {
	id      string
	ts      int64
	deleted bool
}

// New validates opts and builds an Emulator. Bad options yield an
// *OptionsError (errors.Is(err, ErrInvalidOptions)). With MREC it starts one
// replication worker per region; Close stops them.
func New(opts Options) (*Emulator, error) {
	opts, err := opts.normalized()
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		opts:   opts,
		byName: map[string]*region{},
		done:   make(chan struct{}),
		tables: tableRegistry{byName: map[string]*tableMeta{}},
	}
	e.conflicts.holds = map[string]*hold{}
	e.delay.Store(int64(opts.ReplicationDelay))
	for _, name := range opts.Regions {
		r := &region{
			name:     name,
			db:       server.NewClient(),
			tables:   map[string]*tableMeta{},
			versions: map[string]map[string]version{},
			streams:  map[string]*stream{},
			repl:     newReplicator(),
		}
		e.regions = append(e.regions, r)
		e.byName[name] = r
	}
	if opts.Mode == MREC {
		for _, r := range e.regions {
			e.wg.Add(1)
			go e.runReplicator(r)
		}
	}
	return e, nil
}

// Mode reports the emulator's consistency mode.
func (e *Emulator) Mode() Mode { return e.opts.Mode }

// Regions lists the replica regions (the witness excluded).
func (e *Emulator) Regions() []string {
	out := make([]string, len(e.regions))
	for i, r := range e.regions {
		out[i] = r.name
	}
	return out
}

// Handler returns the HTTP endpoint of region. It serves both the DynamoDB
// API (X-Amz-Target DynamoDB_20120810.*) and the DynamoDB Streams API
// (DynamoDBStreams_20120810.*). For the witness or an unknown region the
// handler answers every request with an error, as nothing is served there.
func (e *Emulator) Handler(region string) http.Handler {
	if r, ok := e.byName[region]; ok {
		return &regionHandler{e: e, r: r}
	}
	msg := "region " + region + " is not a replica of this global table"
	if region != "" && region == e.opts.Witness {
		msg = "region " + region + " is an MRSC witness: it serves no reads or writes"
	}
	return unservedHandler(msg)
}

// SetReplicationDelay changes the MREC delay for writes accepted from now
// on; writes already waiting keep the delay they were given.
func (e *Emulator) SetReplicationDelay(d time.Duration) {
	e.delay.Store(int64(max(d, 0)))
}

// Writes returns every accepted client write so far, in timestamp order.
// Replicated applications are not client writes and are not listed.
func (e *Emulator) Writes() []WriteRecord { return e.ledger.all() }

// LostWrites returns the writes to table that last writer wins discarded:
// per key, every write not on the ancestor chain (by Replaced) of the final
// winning version. Deletes count as writes. Call it after Quiesce; before,
// the "final" version is only the one with the latest timestamp.
func (e *Emulator) LostWrites(table string) []WriteRecord { return e.ledger.lost(table) }

// Close stops every replication worker and timer. Pending replication is
// dropped. Requests arriving afterwards fail with InternalServerError.
// Close is idempotent and always returns nil.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	return nil
}

func (e *Emulator) closed() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// others lists the replica regions other than r, in Options order
// (removed replicas excluded: see replicas.go).
func (e *Emulator) others(r *region) []*region {
	out := make([]*region, 0, len(e.regions)-1)
	for _, o := range e.regions {
		if o != r && !o.removed() {
			out = append(out, o)
		}
	}
	return out
}

package dynamo

import (
	"context"
	"sync"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// Stream positions and checkpoints.
//
// Why: a loss is visible only in the stream records of the regions where
// it happened, and DynamoDB keeps them 24 hours. A Table that starts at
// the end of each stream misses every loss that happened while no Table
// watched (a deploy, a crash). With a Checkpointer a new Table resumes
// each shard after the last record whose conflicts were delivered; with
// StreamStartTrimHorizon a shard without a checkpoint is read from its
// oldest retained record.
//
// A checkpoint moves past a record only once the conflict that record
// claimed has been delivered (or dropped by the settle step): held claims
// (ConflictSettle) hold the checkpoint back. A crash in between replays
// the record, so delivery is at least once; the repeat carries the same
// Lost.Version, which is the id to deduplicate on. With the Conflicts
// channel a conflict counts as delivered once the channel took it; use a
// ConflictHandler that persists it for at-least-once end to end.

// StreamStart says where a shard without a checkpoint is read from.
type StreamStart int

const (
	// StreamStartLatest reads only records written after the Table
	// started (DynamoDB Streams LATEST).
	StreamStartLatest StreamStart = iota
	// StreamStartTrimHorizon reads every retained record (24 h on AWS),
	// parents before children, so losses of the last day are surfaced.
	StreamStartTrimHorizon
)

// ShardKey names one shard of one replica's stream.
type ShardKey struct {
	Table  string
	Region multiregion.Region
	// StreamARN names the stream (a new one after the stream is disabled
	// and re-enabled); ShardID is unique within it.
	StreamARN, ShardID string
}

// Checkpointer stores the position of each shard. Load returns ok false
// when the shard has none. Save is called from the stream readers, at most
// once per polling round per shard, with increasing sequence numbers;
// implementations must be safe for concurrent use. An error from Load
// fails New; an error from Save is logged and retried on the next round.
type Checkpointer interface {
	Load(ctx context.Context, shard ShardKey) (seq string, ok bool, err error)
	Save(ctx context.Context, shard ShardKey, seq string) error
}

// MemoryCheckpointer keeps checkpoints in memory: it outlives a Table
// (handing a restarted Table the same value resumes where the first
// stopped), not the process. Safe for concurrent use.
type MemoryCheckpointer struct {
	mu  sync.Mutex
	pos map[ShardKey]string
}

// NewMemoryCheckpointer returns an empty MemoryCheckpointer.
func NewMemoryCheckpointer() *MemoryCheckpointer {
	return &MemoryCheckpointer{pos: map[ShardKey]string{}}
}

// Load returns the saved position of shard.
func (m *MemoryCheckpointer) Load(_ context.Context, shard ShardKey) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq, ok := m.pos[shard]
	return seq, ok, nil
}

// Save records the position of shard.
func (m *MemoryCheckpointer) Save(_ context.Context, shard ShardKey, seq string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pos[shard] = seq
	return nil
}

// mark is a record of a shard whose claim is not resolved yet: the
// checkpoint may not pass before, the last record read ahead of it.
type mark struct {
	before string
	tk     *detect.Ticket // done once the claim is delivered or dropped
}

// safeSeq returns the furthest sequence number the shard's checkpoint may
// take: the last record read, or the record before the oldest pending
// claim. It forgets resolved marks.
func (sh *shardState) safeSeq() string {
	for len(sh.marks) > 0 && sh.marks[0].tk.Done() {
		sh.marks = sh.marks[1:]
	}
	if len(sh.marks) > 0 {
		return sh.marks[0].before
	}
	return sh.lastSeq
}

// checkpoint saves the safe position of every shard that moved. Called
// by the reader's goroutine after each round, and once more by stop.
func (sr *streamReader) checkpoint(ctx context.Context) {
	cp := sr.d.checkpointer
	if cp == nil {
		return
	}
	for id, sh := range sr.shards {
		if seq := sh.safeSeq(); seq != "" && seq != sh.saved {
			if err := cp.Save(ctx, sr.shardKey(id), seq); err != nil {
				sr.d.log.Warn("dynamo: checkpoint", "table", sr.d.table, "region", string(sr.region), "shard", id, "error", err)
				continue
			}
			sh.saved = seq
		}
		if sh.closed && len(sh.marks) == 0 && sh.saved == sh.lastSeq {
			delete(sr.shards, id) // read to its end and saved there
		}
	}
}

func (sr *streamReader) shardKey(id string) ShardKey {
	return ShardKey{Table: sr.d.table, Region: sr.region, StreamARN: sr.arn, ShardID: id}
}

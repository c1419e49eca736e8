package globaltable

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamReaderLimit is how many readers DynamoDB Streams serves on one
// shard at a time; a GetRecords from one more is throttled with
// LimitExceededException, as AWS does ("more than 2 processes are reading
// from the same streams shard at the same time").
const StreamReaderLimit = 2

// StreamReaderWindow is how recently a reader must have called GetRecords
// on a shard to count as reading it: a reader polls at least this often.
const StreamReaderWindow = time.Second

// readerCount tracks who read a shard recently. Guarded by the region's mu.
type readerCount struct {
	last   map[uint64]time.Time // reader -> its last GetRecords
	max    int                  // most readers at one time so far
	issued uint64               // reader ids handed out
}

// SetStreamReaderLimit changes how many readers a shard serves at one
// time (default StreamReaderLimit); n ≤ 0 serves any number. For a test
// that reads one shard from many positions one after another: each new
// iterator is a new reader here.
func (e *Emulator) SetStreamReaderLimit(n int) {
	if n <= 0 {
		n = -1
	}
	e.readerCap.Store(int32(n - StreamReaderLimit))
}

func (e *Emulator) streamReaderLimit() int {
	n := StreamReaderLimit + int(e.readerCap.Load())
	if n < 0 {
		return 1 << 30
	}
	return n
}

// admit counts reader's GetRecords at now, or refuses it when limit
// others read the shard within StreamReaderWindow.
func (c *readerCount) admit(reader uint64, now time.Time, limit int) bool {
	if c.last == nil {
		c.last = map[uint64]time.Time{}
	}
	active := 0
	for id, at := range c.last {
		switch {
		case now.Sub(at) > StreamReaderWindow:
			delete(c.last, id)
		case id != reader:
			active++
		}
	}
	if active >= limit {
		return false
	}
	c.last[reader] = now
	c.max = max(c.max, active+1)
	return true
}

// nextReader issues a reader id. Callers hold the region's mu.
func (c *readerCount) nextReader() uint64 {
	c.issued++
	return c.issued
}

func trimmedError(s *stream) error {
	return &sttypes.TrimmedDataAccessException{Message: aws.String(fmt.Sprintf(
		"the requested records of shard %s are beyond the trim horizon (records up to sequence number %s were trimmed)", s.shardID, formatSeq(s.trimmed)))}
}

// read serves one GetRecords on it, moving it past what it returns.
// Callers hold the region's mu.
func (s *stream) read(region string, it *iterator, limit, readers int, out *dynamodbstreams.GetRecordsOutput) error {
	if it.Next <= s.trimmed {
		return trimmedError(s)
	}
	if !s.readers.admit(it.Reader, time.Now(), readers) {
		return &sttypes.LimitExceededException{Message: aws.String(fmt.Sprintf(
			"more than %d processes are reading from shard %s at the same time", readers, s.shardID))}
	}
	start := s.position(it.Next)
	end := min(start+limit, len(s.records))
	for _, rec := range s.records[start:end] {
		out.Records = append(out.Records, s.sdkRecord(region, rec))
	}
	if end > start {
		it.Next = s.records[end-1].seq + 1
	}
	out.NextShardIterator = aws.String(it.String()) // the shard stays open: there is always a next iterator
	return nil
}

// TrimStream drops the records of table's stream in region created
// before before, as DynamoDB Streams does after 24 hours: a reader whose
// position lies in what was dropped gets TrimmedDataAccessException, and
// TRIM_HORIZON starts after it. It returns how many records it dropped.
func (e *Emulator) TrimStream(region, table string, before time.Time) (int, error) {
	r, ok := e.byName[region]
	if !ok {
		return 0, fmt.Errorf("globaltable: no replica region %q", region)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.streams[table]
	if s == nil {
		return 0, fmt.Errorf("globaltable: table %q has no stream in %s", table, region)
	}
	n := 0
	for n < len(s.records) && s.records[n].at.Before(before) {
		n++
	}
	if n > 0 {
		s.trimmed = s.records[n-1].seq
		s.records = append([]streamRecord(nil), s.records[n:]...)
	}
	return n, nil
}

// RenewStream replaces table's stream in every region by a new one (a new
// label and ARN, no records), as disabling and re-enabling the stream
// does: the old stream's ARN is ResourceNotFoundException from then on,
// and DescribeTable names the new one.
func (e *Emulator) RenewStream(table string) error {
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	meta, ok := e.tables.byName[table]
	if !ok {
		return fmt.Errorf("globaltable: no table %q", table)
	}
	next := *meta
	label := time.Now().UTC().Format("2006-01-02T15:04:05.000")
	if label <= meta.streamLabel {
		label = meta.streamLabel + "1" // two renewals in one millisecond still differ
	}
	next.streamLabel = label
	e.tables.byName[table] = &next
	for _, r := range e.regions {
		r.mu.Lock()
		if r.tables[table] == meta {
			r.tables[table] = &next
			r.streams[table] = newStream(r.name, &next)
		}
		r.mu.Unlock()
	}
	return nil
}

// StreamReaders returns the most readers that read table's stream shard
// in region at one time (within StreamReaderWindow), over the stream's
// life so far.
func (e *Emulator) StreamReaders(region, table string) int {
	r, ok := e.byName[region]
	if !ok {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.streams[table]; s != nil {
		return s.readers.max
	}
	return 0
}

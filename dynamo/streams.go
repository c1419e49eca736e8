package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// detector reads the stream of every replica (DynamoDB Streams with
// NEW_AND_OLD_IMAGES, which carries replicated writes too) in-process and
// feeds the records to one detect.Detector. One goroutine per region, one
// for delivery; stop ends them all.
//
// DynamoDB Streams serves at most 2 readers per shard at a time (more are
// throttled with LimitExceededException), and every Table with detection
// reads every shard: keep in-process detection to one or two instances of
// a service, and turn it off (Options.DisableConflictDetection) in the
// others; a fleet runs the detector on Lambda instead (lambdadetect).
type detector struct {
	table  string
	schema ConflictSchema
	poll   time.Duration
	clock  multiregion.Clock
	log    logger
	judge  *detect.Detector
	once   *detect.Once
	deliv  *delivery
	cancel context.CancelFunc
	wg     sync.WaitGroup

	startAt      StreamStart
	checkpointer Checkpointer
	// describe finds a region's current stream again (a removed stream).
	describe func(ctx context.Context, r multiregion.Region) (string, error)

	mu      sync.Mutex // guards readers (replicasChanged)
	readers []*streamReader
	limits  limitLog
	// newReader positions a reader on region r's stream (detector_replicas.go).
	newReader func(ctx context.Context, r multiregion.Region, fresh StreamStart) (*streamReader, error)
	runCtx    context.Context
}

type logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Debug(msg string, args ...any)
}

// startDetector finds each replica's stream and positions a reader on
// each shard (after its checkpoint, or at Options.StreamStart) before New
// returns: every write made after New is seen.
func startDetector[T any](ctx context.Context, t *Table[T]) (*detector, error) {
	o := t.opts
	d := &detector{table: t.name, poll: o.StreamPollInterval, clock: o.Clock, log: o.Logger,
		startAt: o.StreamStart, checkpointer: o.Checkpointer, describe: t.streamARN,
		schema: ConflictSchema{Table: t.name, MetadataPrefix: o.MetadataPrefix, PartitionKey: t.keys.pk, SortKey: t.keys.sk},
		once:   detect.NewOnce(o.DedupCapacity)}
	d.judge = detect.New(detect.Config{Versions: d.schema.Versions(), Settle: o.ConflictSettle, Capacity: o.DedupCapacity})
	d.newReader = func(ctx context.Context, r multiregion.Region, fresh StreamStart) (*streamReader, error) {
		arn, err := t.streamARN(ctx, r)
		if err != nil {
			return nil, err
		}
		sr := &streamReader{d: d, region: r, api: o.NewStreamsClient(r, t.mr.Config(r)), arn: arn, shards: map[string]*shardState{}}
		sr.status.st.Region, sr.status.st.StreamARN = r, arn
		if err := sr.start(ctx, fresh); err != nil {
			return nil, &multiregion.RegionError{Region: r, Op: "dynamo.New (stream)", Err: err}
		}
		return sr, nil
	}
	for _, r := range t.replicas {
		sr, err := d.newReader(ctx, r, d.startAt)
		if err != nil {
			return nil, err
		}
		d.readers = append(d.readers, sr)
	}
	d.deliv = newDelivery(o.ConflictHandler, o.GapHandler, o.ConflictBuffer, surfacedReporter(t.storeName(), o.Logger, t.mr))
	d.runCtx, d.cancel = context.WithCancel(context.Background())
	for _, sr := range d.readers {
		d.launch(sr)
	}
	return d, nil
}

// launch starts sr's goroutine, which its own stop (or the detector's) ends.
func (d *detector) launch(sr *streamReader) {
	ctx, cancel := context.WithCancel(d.runCtx)
	sr.stop, sr.done = cancel, make(chan struct{})
	d.wg.Add(1)
	go func() {
		defer close(sr.done)
		sr.run(ctx)
	}()
}

// current returns the readers running now.
func (d *detector) current() []*streamReader {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*streamReader(nil), d.readers...)
}

// stop ends every reader and the delivery goroutine, then saves the last
// checkpoints (claims not delivered yet hold them back: their records
// will be read again). Called from a handler (Table.Close in a
// ConflictHandler) it does not wait for the delivery goroutine it runs on.
func (d *detector) stop() {
	// Cancel first: a replicasChanged blocked on a region's DescribeTable
	// returns at once instead of holding mu (and Close) until its timeout.
	// Taking mu after it means a replicasChanged running now has finished
	// its launches (their wg.Add precede the Wait below), and any later one
	// sees runCtx done and launches nothing.
	d.cancel()
	d.mu.Lock()
	//lint:ignore SA2001 the empty critical section is the barrier described above
	d.mu.Unlock()
	d.wg.Wait()
	d.deliv.stop()
	if d.checkpointer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, sr := range d.current() {
			sr.checkpoint(ctx)
		}
		cancel()
	}
}

// streamARN asks region r for its stream of the table and checks it
// carries both images.
//
// Its outcome feeds the table's store as health only, with no latency
// sample: DescribeTable is a control-plane call, and its time must not be
// ranked against the data-plane calls and probes of the other regions.
func (t *Table[T]) streamARN(ctx context.Context, r multiregion.Region) (string, error) {
	api := t.client(r) // the current topology's client; a replica added later has one there
	if api == nil {
		api = t.opts.NewClient(r, t.mr.Config(r))
	}
	out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &t.name})
	if err = t.report(ctx, r, time.Time{}, err, false); err != nil {
		var rnf *types.ResourceNotFoundException
		if errors.As(err, &rnf) {
			return "", t.notFound(r, cause(err))
		}
		return "", &multiregion.RegionError{Region: r, Op: "dynamo.New (DescribeTable)", Err: cause(err)}
	}
	td := out.Table
	switch {
	case td == nil || td.LatestStreamArn == nil:
		return "", &StreamError{Table: t.name, Region: r, Reason: "the table has no stream"}
	case td.StreamSpecification != nil && td.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages:
		return "", &StreamError{Table: t.name, Region: r, Reason: "stream view type is " + string(td.StreamSpecification.StreamViewType)}
	}
	return *td.LatestStreamArn, nil
}

// run polls every shard until ctx ends, pausing StreamPollInterval after
// a round that returned nothing. A failing shard backs off on its own
// (shardState.retryAt); the others go on.
func (sr *streamReader) run(ctx context.Context) {
	defer sr.d.wg.Done()
	for ctx.Err() == nil {
		start := sr.d.clock.Now()
		got, clean := sr.round(ctx)
		if ctx.Err() != nil {
			return
		}
		sr.d.deliverDue(false)
		sr.checkpoint(ctx)
		sr.finishRound(start, got, clean)
		if got == 0 {
			_ = sr.d.sleep(ctx, sr.d.poll)
		}
	}
}

// sleep waits d on Options.Clock, or until ctx ends.
func (d *detector) sleep(ctx context.Context, wait time.Duration) error {
	tm := d.clock.NewTimer(wait)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C():
		return nil
	}
}

// deliverDue queues the claims whose settle window ended (all with
// force) and returns the queue count after them.
func (d *detector) deliverDue(force bool) uint64 {
	var items []deliverable
	for _, l := range d.judge.Due(d.clock.Now(), force) {
		if l, ok := d.once.Filter(l); ok {
			items = append(items, deliverable{c: d.schema.Conflict(l), loss: l})
		}
	}
	return d.deliv.push(items...)
}

// gap queues a gap for Options.GapHandler and keeps it for Status.
func (sr *streamReader) gap(g Gap) {
	sr.d.log.Warn("dynamo: stream gap: "+g.String(), "table", sr.d.table, "region", g.Region, "shard", g.Shard)
	sr.noteGap(g)
	sr.d.deliv.push(deliverable{gap: &g})
}

// record converts an SDK stream record for the detector.
func (sr *streamReader) record(shard string, rec *sttypes.Record) (detect.Record, bool) {
	out := detect.Record{Region: string(sr.region), Shard: shard, Event: string(rec.EventName)}
	if rec.Dynamodb == nil {
		return out, false
	}
	out.Seq = aws.ToString(rec.Dynamodb.SequenceNumber)
	out.At = aws.ToTime(rec.Dynamodb.ApproximateCreationDateTime)
	var errs [3]error
	out.Keys, errs[0] = attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.Keys)
	out.Old, errs[1] = attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.OldImage)
	out.New, errs[2] = attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.NewImage)
	if err := errors.Join(errs[:]...); err != nil {
		sr.d.log.Warn("dynamo: unreadable stream record", "region", string(sr.region), "error", err)
		return out, false
	}
	return out, true
}

// Flush waits until every stream reader has completed a clean polling
// round (no shard failed) that started after the call and returned
// nothing, then settles every pending claim at once and waits until the
// conflicts are delivered: every change applied in every replica before
// Flush was called has been judged. Call it once replication is quiet
// (tests, shutdown); before, a claim could be settled before the evidence
// that would drop it arrives. It waits on signals from the readers and
// the delivery goroutine, never by polling. Called from a ConflictHandler
// it does not wait for the delivery (which runs the handler). Without a
// detector it returns at once.
func (t *Table[T]) Flush(ctx context.Context) error {
	d := t.det
	if d == nil {
		return nil
	}
	readers := d.current()
	target := make([]uint64, len(readers))
	for i, sr := range readers {
		target[i] = sr.idle.Load() + 2
	}
	for i, sr := range readers {
		for {
			ch := sr.idled.wait()
			if sr.idle.Load() >= target[i] {
				break
			}
			if err := t.flushWait(ctx, ch); err != nil {
				return err
			}
		}
	}
	n := d.deliverDue(true)
	if d.deliv.onDelivery() {
		return nil
	}
	for {
		ch := d.deliv.moved.wait()
		if d.deliv.done.Load() >= n {
			return nil
		}
		if err := t.flushWait(ctx, ch); err != nil {
			return err
		}
	}
}

func (t *Table[T]) flushWait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.det.deliv.quit:
		return ErrClosed
	case <-t.det.runCtx.Done():
		return ErrClosed
	}
}

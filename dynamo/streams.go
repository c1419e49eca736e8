package dynamo

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/regionkit/multiregion"
)

// detector reads the stream of every replica (DynamoDB Streams with
// NEW_AND_OLD_IMAGES, which carries replicated writes too) and reports
// lost writes. One goroutine per region; stop ends them all.
type detector struct {
	table  string
	names  metaNames
	keys   keySchema
	poll   time.Duration
	log    logger
	out    chan Conflict
	deliv  *delivery
	settle *settler
	cancel context.CancelFunc
	wg     sync.WaitGroup

	startAt      StreamStart
	checkpointer Checkpointer

	readers []*streamReader
}

type logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Debug(msg string, args ...any)
}

// streamReader follows the shards of one region's stream.
type streamReader struct {
	d      *detector
	region multiregion.Region
	api    StreamsAPI
	arn    string
	shards map[string]*shardState
	// idle counts polling rounds that returned no record (for Flush).
	idle atomic.Uint64
}

// startDetector finds each replica's stream and positions a reader on
// each shard (after its checkpoint, or at Options.StreamStart) before New
// returns: every write made after New is seen.
func startDetector[T any](ctx context.Context, t *Table[T]) (*detector, error) {
	o := t.opts
	d := &detector{table: t.name, names: t.meta, keys: t.keys, poll: o.StreamPollInterval, log: o.Logger,
		startAt: o.StreamStart, checkpointer: o.Checkpointer}
	runCtx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.deliv = &delivery{seen: newDedupSet(o.DedupCapacity), handler: o.ConflictHandler, done: runCtx.Done(),
		surfaced: surfacedReporter(t.storeName(), o.Logger, t.mr)}
	d.settle = newSettler(o.ConflictSettle, o.DedupCapacity)
	if o.ConflictHandler == nil {
		d.out = make(chan Conflict, o.ConflictBuffer)
		d.deliv.out = d.out
	}
	for _, r := range t.replicas {
		arn, err := t.streamARN(ctx, r)
		if err != nil {
			cancel()
			return nil, err
		}
		sr := &streamReader{d: d, region: r, api: o.NewStreamsClient(r, t.mr.Config(r)), arn: arn, shards: map[string]*shardState{}}
		if err := sr.start(ctx); err != nil {
			cancel()
			return nil, &multiregion.RegionError{Region: r, Op: "dynamo.New (stream)", Err: err}
		}
		d.readers = append(d.readers, sr)
	}
	for _, sr := range d.readers {
		d.wg.Add(1)
		go sr.run(runCtx)
	}
	return d, nil
}

// stop ends every reader, waits for them, saves their last checkpoints
// (claims still held are not delivered: their records will be read
// again), and closes the channel.
func (d *detector) stop() {
	d.cancel()
	d.wg.Wait()
	if d.checkpointer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for _, sr := range d.readers {
			sr.checkpoint(ctx)
		}
		cancel()
	}
	d.deliv.close()
}

// streamARN asks region r for its stream of the table and checks it
// carries both images.
//
// Its outcome feeds the table's store as health only, with no latency
// sample: DescribeTable is a control-plane call, and its time must not be
// ranked against the data-plane calls and probes of the other regions.
func (t *Table[T]) streamARN(ctx context.Context, r multiregion.Region) (string, error) {
	out, err := t.clients[r].DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &t.name})
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

// run polls every shard until ctx ends, pausing StreamPollInterval after a
// round that returned nothing and backing off on errors.
func (sr *streamReader) run(ctx context.Context) {
	defer sr.d.wg.Done()
	backoff := sr.d.poll
	failing := 0 // polls failed in a row: the first is a Warn, the rest Debug
	for ctx.Err() == nil {
		got, err := sr.round(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failing++
			log := sr.d.log.Debug
			if failing == 1 {
				log = sr.d.log.Warn
			}
			log("dynamo: stream reader failing; conflicts in this region wait until it reads again",
				"table", sr.d.table, "region", string(sr.region), "failures", failing, "error", err)
			backoff = min(2*backoff, 30*time.Second)
			_ = sleep(ctx, backoff)
		case failing > 0:
			sr.d.log.Info("dynamo: stream reader recovered", "table", sr.d.table, "region", string(sr.region), "failures", failing)
			failing = 0
		}
		sr.d.deliverDue(false)
		sr.checkpoint(ctx)
		if got == 0 && err == nil {
			backoff = sr.d.poll
			sr.idle.Add(1)
			_ = sleep(ctx, sr.d.poll)
		}
	}
}

// deliverDue delivers the claims whose settle window ended (all with force).
func (d *detector) deliverDue(force bool) {
	for _, s := range d.settle.settle(time.Now(), force) {
		if !d.deliv.deliver(s.c) {
			return
		}
		if s.tk != nil {
			s.tk.done.Store(true)
		}
	}
}

// process judges one record and returns the ticket of the loss it
// claimed, if it claimed one. Only MODIFY has both images; INSERT (no old
// version) and REMOVE (no new one) cannot show a lost write, but every new
// image is evidence that its ancestors live on (see settler). A delete
// through the Table is a MODIFY to a tombstone (tombstone.go); a REMOVE
// is a delete that bypassed it, or DynamoDB TTL removing a tombstone.
func (sr *streamReader) process(rec *sttypes.Record) *ticket {
	if rec.Dynamodb == nil || rec.EventName == sttypes.OperationTypeRemove {
		return nil
	}
	if rec.EventName == sttypes.OperationTypeInsert {
		if newImg, err := attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.NewImage); err == nil {
			sr.d.settle.witness(sr.d.names.parse(newImg))
		}
		return nil
	}
	oldImg, err1 := attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.OldImage)
	newImg, err2 := attributevalue.FromDynamoDBStreamsMap(rec.Dynamodb.NewImage)
	if err1 != nil || err2 != nil {
		sr.d.log.Warn("dynamo: unreadable stream record", "region", string(sr.region), "error", errors.Join(err1, err2))
		return nil
	}
	lost, winner, anc, ok := judge(sr.d.names, oldImg, newImg)
	sr.d.settle.witness(winner)
	if !ok {
		return nil
	}
	key, _ := sr.d.keys.extract("dynamo.detector", newImg)
	tk := &ticket{}
	if !sr.d.settle.claim(Conflict{
		Table: sr.d.table, Key: key,
		Lost:          Version{Meta: lost, Item: oldImg},
		Winner:        Version{Meta: winner, Item: newImg},
		LostAncestors: anc, SeenIn: sr.region,
		SequenceNumber: aws.ToString(rec.Dynamodb.SequenceNumber),
		DetectedAt:     time.Now(),
	}, time.Now(), tk) {
		return nil
	}
	return tk
}

// Flush waits until every stream reader has completed a polling round
// that started after the call and returned nothing, then settles every
// pending claim at once (see settler) and delivers the conflicts: every
// change applied in every replica before Flush was called has been judged.
// Call it once replication is quiet (tests, shutdown); before, a claim
// could be settled before the evidence that would drop it arrives.
// Without a detector it returns at once.
func (t *Table[T]) Flush(ctx context.Context) error {
	if t.det == nil {
		return nil
	}
	target := make([]uint64, len(t.det.readers))
	for i, sr := range t.det.readers {
		target[i] = sr.idle.Load() + 2
	}
	for {
		done := true
		for i, sr := range t.det.readers {
			if sr.idle.Load() < target[i] {
				done = false
			}
		}
		if done {
			t.det.deliverDue(true)
			return nil
		}
		if t.closed.Load() {
			return ErrClosed
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
}

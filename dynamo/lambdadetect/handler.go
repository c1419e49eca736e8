package lambdadetect

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// Defaults of Options.
const (
	DefaultSettle    = time.Second
	DefaultLedgerTTL = 48 * time.Hour
)

// LedgerAPI is the part of the DynamoDB client the ledger uses.
// *dynamodb.Client satisfies it.
type LedgerAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// TableAPI reads the table's current item (the check of Options.Current).
// *dynamodb.Client satisfies it.
type TableAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// Options configures a Handler; New copies it.
type Options struct {
	// Table is the global table's name. Required.
	Table string
	// Region is the replica region whose stream the function's mapping
	// reads. Required.
	Region multiregion.Region
	// PartitionKey and SortKey name the table's key attributes.
	// default: none; PartitionKey is required, SortKey "" for no sort key
	PartitionKey, SortKey string
	// MetadataPrefix is the Tables' dynamo.Options.MetadataPrefix.
	// default: "_mr_"
	MetadataPrefix string
	// Handler receives each loss once (across the functions of every
	// region and their retries, through the ledger). An error fails the
	// record: Lambda retries it, and the loss is offered again. Required.
	Handler func(ctx context.Context, c dynamo.Conflict) error
	// Ledger and LedgerTable are the deduplication table: partition key
	// "id" (S), TTL on "exp". Required.
	Ledger      LedgerAPI
	LedgerTable string
	// LedgerTTL is how long a ledger entry lives; keep it above the
	// stream's retention (24 h) so that a late duplicate still finds it.
	// default: 48h
	LedgerTTL time.Duration
	// Current, when set, is a DynamoDB client of Region: before a loss is
	// delivered, the table's current item there is read (consistently),
	// and a claim whose version the current item descends from is dropped:
	// a successor carried it, as records of a later batch would have
	// shown. default: nil (records alone decide)
	Current TableAPI
	// Settle is how long after a record's creation its claim is judged:
	// it must cover the replication delay, so that a successor carrying
	// the version has reached Region. The handler waits for it.
	// default: 1s
	Settle time.Duration
	// Clock times the settle wait and the ledger TTL.
	// default: multiregion.SystemClock
	Clock multiregion.Clock
	// Logger receives each loss delivered (Info: versions and regions,
	// never keys or items) and record failures (Warn).
	// default: discard
	Logger *slog.Logger
}

// Handler judges the batches of one region's stream. Safe for concurrent
// use; keep one per function instance (its memory of versions seen spans
// invocations).
type Handler struct {
	o      Options
	schema dynamo.ConflictSchema
	det    *detect.Detector
	ledger ledger
}

// New checks o and returns a Handler. A missing required field is a
// *dynamo.OptionError.
func New(o Options) (*Handler, error) {
	bad := func(field, reason string) error { return &dynamo.OptionError{Field: field, Reason: reason} }
	switch {
	case o.Table == "":
		return nil, bad("Table", "required")
	case o.Region == "":
		return nil, bad("Region", "required")
	case o.PartitionKey == "":
		return nil, bad("PartitionKey", "required")
	case o.Handler == nil:
		return nil, bad("Handler", "required")
	case o.Ledger == nil || o.LedgerTable == "":
		return nil, bad("Ledger/LedgerTable", "required")
	case o.Settle < 0 || o.LedgerTTL < 0:
		return nil, bad("Settle/LedgerTTL", "must not be negative")
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.LedgerTTL == 0 {
		o.LedgerTTL = DefaultLedgerTTL
	}
	if o.Clock == nil {
		o.Clock = multiregion.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &Handler{o: o, schema: dynamo.ConflictSchema{Table: o.Table, MetadataPrefix: o.MetadataPrefix, PartitionKey: o.PartitionKey, SortKey: o.SortKey}}
	h.det = detect.New(detect.Config{Versions: h.schema.Versions()})
	h.ledger = ledger{api: o.Ledger, table: o.LedgerTable, ttl: o.LedgerTTL, clock: o.Clock}
	return h, nil
}

// Handle judges one batch and delivers its losses. The records whose
// processing failed are in BatchItemFailures (Lambda retries from the
// first of them); the error is non-nil only when ctx ended, and then
// Lambda retries the whole batch.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	fail := func(seq string, err error) {
		h.o.Logger.Warn("lambdadetect: record failed; Lambda retries it", "table", h.o.Table, "region", string(h.o.Region), "sequence_number", seq, "error", err)
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
	}
	var latest time.Time
	claimed := false
	for i := range ev.Records {
		rec, err := record(h.o.Region, &ev.Records[i])
		if err != nil {
			fail(ev.Records[i].Change.SequenceNumber, err)
			continue
		}
		if h.det.Observe(rec, h.o.Clock.Now()) != nil {
			claimed = true
			latest = maxTime(latest, rec.At)
		}
	}
	if claimed {
		if err := h.wait(ctx, latest.Add(h.o.Settle)); err != nil {
			return events.DynamoDBEventResponse{}, err
		}
	}
	for _, l := range h.det.Due(h.o.Clock.Now(), true) {
		if err := h.deliver(ctx, l); err != nil {
			if ctx.Err() != nil {
				return events.DynamoDBEventResponse{}, ctx.Err()
			}
			fail(l.Record.Seq, err)
			continue
		}
		l.Resolve()
	}
	return resp, nil
}

// wait sleeps on the Clock until t, so that a claim's settle window has
// passed since its record was written.
func (h *Handler) wait(ctx context.Context, t time.Time) error {
	d := t.Sub(h.o.Clock.Now())
	if d <= 0 {
		return nil
	}
	tm := h.o.Clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C():
		return nil
	}
}

// deliver confirms l against the current item, claims its versions in
// the ledger and hands the conflict to the handler.
func (h *Handler) deliver(ctx context.Context, l detect.Loss) error {
	if h.o.Current != nil {
		keep, err := h.confirm(ctx, &l)
		if err != nil || !keep {
			return err
		}
	}
	claimer := string(h.o.Region) + "/" + l.Record.Seq
	ids, err := h.ledger.claim(ctx, claimer, l)
	if err != nil || len(ids) == 0 {
		return err // nothing left: delivered already, or by another region
	}
	c := h.schema.Conflict(l)
	c.LostAncestors = ids[1:]
	if err := h.o.Handler(ctx, c); err != nil {
		return &HandlerError{Table: h.o.Table, Region: h.o.Region, Version: l.Lost, Err: err}
	}
	h.o.Logger.Info("lambdadetect: conflict surfaced: a last-writer-wins loss", "table", h.o.Table, "region", string(h.o.Region),
		"lost_version", l.Lost, "winner_version", l.Winner, "lost_ancestors", len(c.LostAncestors))
	return h.ledger.delivered(ctx, claimer, ids)
}

// confirm reads the current item in Region and drops l (false) if it
// descends from l.Lost; ancestors it descends from are removed.
func (h *Handler) confirm(ctx context.Context, l *detect.Loss) (bool, error) {
	out, err := h.o.Current.GetItem(ctx, &dynamodb.GetItemInput{TableName: &h.o.Table, Key: l.Record.Keys, ConsistentRead: new(true)})
	if err != nil {
		return false, &multiregion.RegionError{Region: h.o.Region, Op: "lambdadetect (GetItem)", Err: err}
	}
	id, lin := h.schema.Versions()(out.Item)
	if id == "" {
		return true, nil
	}
	if detect.Descends(id, lin, l.Lost) {
		l.Resolve()
		return false, nil
	}
	kept := l.LostAncestors[:0:0]
	for _, a := range l.LostAncestors {
		if !detect.Descends(id, lin, a) {
			kept = append(kept, a)
		}
	}
	l.LostAncestors = kept
	return true, nil
}

// HandlerError is an error the conflict handler returned for a loss.
type HandlerError struct {
	Table   string
	Region  multiregion.Region
	Version string // the lost version id
	Err     error
}

func (e *HandlerError) Error() string {
	return "lambdadetect: table " + e.Table + " in " + string(e.Region) + ": conflict handler failed for lost version " + e.Version + ": " + e.Err.Error()
}

func (e *HandlerError) Unwrap() error { return e.Err }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

var errNoChange = errors.New("record has no change")

// record converts a Lambda stream record for the detector.
func record(region multiregion.Region, r *events.DynamoDBEventRecord) (detect.Record, error) {
	if r.Change.SequenceNumber == "" {
		return detect.Record{}, errNoChange
	}
	out := detect.Record{Region: string(region), Seq: r.Change.SequenceNumber, Event: r.EventName,
		At: r.Change.ApproximateCreationDateTime.Time, Shard: r.EventSourceArn}
	var errs [3]error
	out.Keys, errs[0] = item(r.Change.Keys)
	out.Old, errs[1] = item(r.Change.OldImage)
	out.New, errs[2] = item(r.Change.NewImage)
	return out, errors.Join(errs[:]...)
}

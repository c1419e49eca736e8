package docdb

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// SingleResult is the result of FindOne and FindOneAnd*: one document, or
// mongo.ErrNoDocuments, or the call's error. It is a plain value, safe to
// read from several goroutines.
type SingleResult struct {
	raw    bson.Raw
	err    error
	region multiregion.Region
}

// Err returns the call's error; mongo.ErrNoDocuments when nothing matched.
func (r *SingleResult) Err() error { return r.err }

// Raw returns the document.
func (r *SingleResult) Raw() (bson.Raw, error) { return r.raw, r.err }

// Decode unmarshals the document into v.
func (r *SingleResult) Decode(v any) error {
	if r.err != nil {
		return r.err
	}
	return bson.Unmarshal(r.raw, v)
}

// Region is the region that answered ("" if none did).
func (r *SingleResult) Region() multiregion.Region { return r.region }

// singleResult runs a call that answers one document; ErrNoDocuments is an
// answer, not a failure of the region.
func singleResult(region multiregion.Region, err error, raw bson.Raw, miss bool) *SingleResult {
	if err != nil {
		return &SingleResult{err: err, region: region}
	}
	if miss {
		return &SingleResult{err: mongo.ErrNoDocuments, region: region}
	}
	return &SingleResult{raw: raw, region: region}
}

func rawOrMiss(sr *mongo.SingleResult) (raw bson.Raw, miss bool, err error) {
	raw, err = sr.Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, true, nil
	}
	return raw, false, err
}

// FindOne reads one document from the nearest healthy region within
// MaxLag, failing over to the next one.
func (co *Collection) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *SingleResult {
	const op = "docdb.FindOne"
	if err := co.check(ctx, op); err != nil {
		return &SingleResult{err: err}
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return &SingleResult{err: err}
	}
	type found struct {
		raw  bson.Raw
		miss bool
	}
	got, r, err := readValue(ctx, co, op, f, func(ctx context.Context, coll *mongo.Collection) (found, error) {
		raw, miss, err := rawOrMiss(coll.FindOne(ctx, f, opts...))
		return found{raw, miss}, err
	})
	return singleResult(r, err, got.raw, got.miss)
}

// Cursor is a driver cursor bound to the region its query ran in: every
// getMore goes there, through that region's client. Use it from one
// goroutine at a time, as a *mongo.Cursor.
type Cursor struct {
	*mongo.Cursor
	region multiregion.Region
}

// Region is the region the cursor reads from.
func (c *Cursor) Region() multiregion.Region { return c.region }

// Find queries the nearest healthy region within MaxLag; the cursor stays
// in that region (a failure while iterating is the cursor's error, not a
// failover).
func (co *Collection) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*Cursor, error) {
	const op = "docdb.Find"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, err
	}
	var cur *mongo.Cursor
	r, err := co.read(ctx, op, f, func(ctx context.Context, _ multiregion.Region, coll *mongo.Collection) error {
		var err error
		cur, err = coll.Find(ctx, f, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Cursor{Cursor: cur, region: r}, nil
}

// CountDocuments counts the matching documents in the nearest healthy region.
func (co *Collection) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	const op = "docdb.CountDocuments"
	if err := co.check(ctx, op); err != nil {
		return 0, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return 0, err
	}
	var n int64
	_, err = co.read(ctx, op, f, func(ctx context.Context, _ multiregion.Region, coll *mongo.Collection) error {
		var err error
		n, err = coll.CountDocuments(ctx, f, opts...)
		return err
	})
	return n, err
}

// Distinct returns the distinct values of field among the matching
// documents, read in the nearest healthy region.
func (co *Collection) Distinct(ctx context.Context, field string, filter any, opts ...options.Lister[options.DistinctOptions]) (*mongo.DistinctResult, error) {
	const op = "docdb.Distinct"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	if field == "" {
		return nil, &InputError{Op: op, Arg: "field", Reason: "empty field name"}
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, err
	}
	var res *mongo.DistinctResult
	_, err = co.read(ctx, op, f, func(ctx context.Context, _ multiregion.Region, coll *mongo.Collection) error {
		res = coll.Distinct(ctx, field, f, opts...)
		return res.Err()
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Aggregate runs pipeline (a slice of stages, e.g. mongo.Pipeline). A
// pipeline with a $out or $merge stage writes: it runs in the primary
// region as a non-idempotent write. Any other runs in the nearest healthy
// region within MaxLag. The cursor stays in its region.
func (co *Collection) Aggregate(ctx context.Context, pipeline any, opts ...options.Lister[options.AggregateOptions]) (*Cursor, error) {
	const op = "docdb.Aggregate"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	stages, err := pipelineStages(op, "pipeline", pipeline)
	if err != nil {
		return nil, err
	}
	var cur *mongo.Cursor
	run := func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		cur, err = coll.Aggregate(ctx, stages, opts...)
		return err
	}
	var r multiregion.Region
	if writesStage(stages) {
		r, err = co.write(ctx, op, route.Write, run)
	} else {
		r, err = co.read(ctx, op, nil, func(ctx context.Context, _ multiregion.Region, coll *mongo.Collection) error { return run(ctx, coll) })
	}
	if err != nil {
		return nil, err
	}
	return &Cursor{Cursor: cur, region: r}, nil
}

// FindOneAndUpdate updates one document in the primary region and returns
// it (before or after the update, by the options).
func (co *Collection) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *SingleResult {
	const op = "docdb.FindOneAndUpdate"
	f, u, _, err := co.updateArgs(ctx, op, filter, update, true)
	if err != nil {
		return &SingleResult{err: err}
	}
	return co.findOneAnd(ctx, op, f, func(ctx context.Context, coll *mongo.Collection) *mongo.SingleResult {
		return coll.FindOneAndUpdate(ctx, f, u, opts...)
	})
}

// FindOneAndReplace replaces one document in the primary region and
// returns it.
func (co *Collection) FindOneAndReplace(ctx context.Context, filter, replacement any, opts ...options.Lister[options.FindOneAndReplaceOptions]) *SingleResult {
	const op = "docdb.FindOneAndReplace"
	if err := co.check(ctx, op); err != nil {
		return &SingleResult{err: err}
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return &SingleResult{err: err}
	}
	r, err := replacementDoc(op, replacement)
	if err != nil {
		return &SingleResult{err: err}
	}
	return co.findOneAnd(ctx, op, f, func(ctx context.Context, coll *mongo.Collection) *mongo.SingleResult {
		return coll.FindOneAndReplace(ctx, f, r, opts...)
	})
}

// FindOneAndDelete deletes one document in the primary region and returns it.
func (co *Collection) FindOneAndDelete(ctx context.Context, filter any, opts ...options.Lister[options.FindOneAndDeleteOptions]) *SingleResult {
	const op = "docdb.FindOneAndDelete"
	if err := co.check(ctx, op); err != nil {
		return &SingleResult{err: err}
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return &SingleResult{err: err}
	}
	return co.findOneAnd(ctx, op, f, func(ctx context.Context, coll *mongo.Collection) *mongo.SingleResult {
		return coll.FindOneAndDelete(ctx, f, opts...)
	})
}

func (co *Collection) findOneAnd(ctx context.Context, op string, f bson.Raw, call func(context.Context, *mongo.Collection) *mongo.SingleResult) *SingleResult {
	var (
		raw  bson.Raw
		miss bool
	)
	r, err := co.write(ctx, op, route.Write, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		raw, miss, err = rawOrMiss(call(ctx, coll))
		return err
	})
	if err == nil {
		co.wroteFilter(f)
	}
	return singleResult(r, err, raw, miss)
}

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

// Collection is one collection of the global cluster. Writes go to the
// primary region, reads to the nearest healthy region within MaxLag (or
// the region of the Cluster handle it came from, see Cluster.In).
//
// Kinds of writes, which decide what a failure whose outcome is unknown
// (a connection cut after the request was sent) becomes:
//
//   - idempotent (a replay sets the same state): InsertOne and InsertMany
//     when every document has a client-set _id (a replay cannot create a
//     second document; it fails with duplicate key 11000, which then means
//     the first one applied); ReplaceOne, DeleteOne, and UpdateOne with
//     only $set / $unset, when the filter is exactly {_id: v}.
//   - not idempotent (route.Write: an unknown outcome is returned as a
//     *multiregion.RegionError with OutcomeUnknown, never replayed):
//     inserts without _id (the driver generates one per attempt), $inc,
//     $push and every other operator, any filter other than {_id: v} (a
//     replay could match another document), UpdateMany, DeleteMany,
//     BulkWrite, FindOneAnd*, Aggregate with $out / $merge.
//
// A write refused because the region is no longer the primary
// (NotWritablePrimary 10107, NotPrimaryNoSecondaryOk 13435, or FerretDB's
// SQLSTATE 25006) was not applied, whatever its kind: the Cluster reloads
// the topology and retries it once on the new primary.
//
// A Collection is safe for concurrent use.
type Collection struct {
	c    *Cluster
	db   string
	name string
}

// Collection returns the collection name of database db. Empty names are
// reported by the calls, as *InputError.
func (c *Cluster) Collection(db, name string) *Collection {
	return &Collection{c: c, db: db, name: name}
}

// Database returns the collection's database name.
func (co *Collection) Database() string { return co.db }

// Name returns the collection's name.
func (co *Collection) Name() string { return co.name }

// check validates what every call needs: a context, an open cluster,
// names.
func (co *Collection) check(ctx context.Context, op string) error {
	if ctx == nil {
		return &InputError{Op: op, Arg: "ctx", Reason: "nil context"}
	}
	if err := co.c.kit.Err(); err != nil {
		return err
	}
	if err := co.c.store.Err(); err != nil {
		return err
	}
	switch {
	case co.db == "":
		return &InputError{Op: op, Arg: "db", Reason: "empty database name"}
	case co.name == "":
		return &InputError{Op: op, Arg: "name", Reason: "empty collection name"}
	}
	return nil
}

func (co *Collection) coll(cl *mongo.Client) *mongo.Collection {
	return cl.Database(co.db).Collection(co.name)
}

func (co *Collection) write(ctx context.Context, op string, kind route.Kind, fn func(ctx context.Context, coll *mongo.Collection) error) (multiregion.Region, error) {
	// singlewriter.Router follows the primary: a read-only refusal, or a
	// regional failure in the primary region (a failover cuts the old
	// primary's connections first), reloads the topology and runs the
	// write once more on the new primary when that is safe.
	return co.c.rt.Write(ctx, op, kind, co.c.pin, func(ctx context.Context, _ multiregion.Region, cl *mongo.Client) error {
		return fn(ctx, co.coll(cl))
	})
}

// read runs a read; a filter {_id: v} this Cluster wrote within the
// read-your-writes window goes to the primary.
func (co *Collection) read(ctx context.Context, op string, filter bson.Raw, fn func(ctx context.Context, r multiregion.Region, coll *mongo.Collection) error) (multiregion.Region, error) {
	pin := co.c.pin
	if pin == "" && co.c.ryw != nil && filter != nil {
		if id, ok := idOnly(filter); ok && co.c.ryw.recent(rywKey(co.db, co.name, id)) {
			pin = co.c.kit.Topology().Writer
		}
	}
	return co.c.rt.Read(ctx, op, pin, func(ctx context.Context, r multiregion.Region, cl *mongo.Client) error {
		return fn(ctx, r, co.coll(cl))
	})
}

// wroteID records a written _id for read-your-writes.
func (co *Collection) wroteID(id bson.RawValue) {
	if co.c.ryw != nil && id.Type != 0 {
		co.c.ryw.wrote(rywKey(co.db, co.name, id))
	}
}

func (co *Collection) wroteFilter(filter bson.Raw) {
	if co.c.ryw == nil {
		return
	}
	if id, ok := idOnly(filter); ok {
		co.wroteID(id)
	}
}

func (co *Collection) wroteAny(id any) {
	if co.c.ryw == nil || id == nil {
		return
	}
	t, v, err := bson.MarshalValue(id)
	if err == nil {
		co.wroteID(bson.RawValue{Type: t, Value: v})
	}
}

// InsertOne inserts document in the primary region.
func (co *Collection) InsertOne(ctx context.Context, document any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	const op = "docdb.InsertOne"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	doc, err := marshalDoc(op, "document", document)
	if err != nil {
		return nil, err
	}
	kind := route.Write
	if _, ok := docID(doc); ok {
		kind = route.IdempotentWrite
	}
	var res *mongo.InsertOneResult
	_, err = co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.InsertOne(ctx, doc, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	co.wroteAny(res.InsertedID)
	return res, nil
}

// InsertMany inserts documents in the primary region.
func (co *Collection) InsertMany(ctx context.Context, documents []any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	const op = "docdb.InsertMany"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	if len(documents) == 0 {
		return nil, &InputError{Op: op, Arg: "documents", Reason: "no documents"}
	}
	docs := make([]any, len(documents))
	kind := route.IdempotentWrite
	for i, d := range documents {
		b, err := marshalDoc(op, "documents", d)
		if err != nil {
			return nil, err
		}
		if _, ok := docID(b); !ok {
			kind = route.Write
		}
		docs[i] = b
	}
	var res *mongo.InsertManyResult
	_, err := co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.InsertMany(ctx, docs, opts...)
		return err
	})
	if err != nil {
		return res, err
	}
	for _, id := range res.InsertedIDs {
		co.wroteAny(id)
	}
	return res, nil
}

// UpdateOne updates one document in the primary region. update must hold
// update operators only ($set, $inc, ...) or be a pipeline.
func (co *Collection) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	const op = "docdb.UpdateOne"
	f, u, kind, err := co.updateArgs(ctx, op, filter, update, true)
	if err != nil {
		return nil, err
	}
	var res *mongo.UpdateResult
	_, err = co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.UpdateOne(ctx, f, u, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	co.wroteFilter(f)
	co.wroteAny(res.UpsertedID)
	return res, nil
}

// UpdateMany updates every matching document in the primary region. It is
// never retried by the driver (DocumentDB does not support it as a
// retryable write).
func (co *Collection) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	const op = "docdb.UpdateMany"
	f, u, kind, err := co.updateArgs(ctx, op, filter, update, false)
	if err != nil {
		return nil, err
	}
	var res *mongo.UpdateResult
	_, err = co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.UpdateMany(ctx, f, u, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	co.wroteAny(res.UpsertedID)
	return res, nil
}

func (co *Collection) updateArgs(ctx context.Context, op string, filter, update any, single bool) (bson.Raw, any, route.Kind, error) {
	if err := co.check(ctx, op); err != nil {
		return nil, nil, 0, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, nil, 0, err
	}
	u, ops, err := updateDoc(op, update)
	if err != nil {
		return nil, nil, 0, err
	}
	kind := route.Write
	if _, ok := idOnly(f); ok && single && idempotentSet(ops) {
		kind = route.IdempotentWrite
	}
	return f, u, kind, nil
}

// ReplaceOne replaces one document in the primary region.
func (co *Collection) ReplaceOne(ctx context.Context, filter, replacement any, opts ...options.Lister[options.ReplaceOptions]) (*mongo.UpdateResult, error) {
	const op = "docdb.ReplaceOne"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, err
	}
	r, err := replacementDoc(op, replacement)
	if err != nil {
		return nil, err
	}
	kind := route.Write
	if _, ok := idOnly(f); ok {
		kind = route.IdempotentWrite
	}
	var res *mongo.UpdateResult
	_, err = co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.ReplaceOne(ctx, f, r, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	co.wroteFilter(f)
	co.wroteAny(res.UpsertedID)
	return res, nil
}

// DeleteOne deletes one document in the primary region.
func (co *Collection) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	const op = "docdb.DeleteOne"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, err
	}
	kind := route.Write
	if _, ok := idOnly(f); ok {
		kind = route.IdempotentWrite
	}
	var res *mongo.DeleteResult
	_, err = co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.DeleteOne(ctx, f, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	co.wroteFilter(f)
	return res, nil
}

// DeleteMany deletes every matching document in the primary region. It is
// never retried by the driver.
func (co *Collection) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	const op = "docdb.DeleteMany"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	f, err := filterDoc(op, filter)
	if err != nil {
		return nil, err
	}
	var res *mongo.DeleteResult
	_, err = co.write(ctx, op, route.Write, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.DeleteMany(ctx, f, opts...)
		return err
	})
	return res, err
}

// BulkWrite runs models in the primary region, as one non-idempotent write.
func (co *Collection) BulkWrite(ctx context.Context, models []mongo.WriteModel, opts ...options.Lister[options.BulkWriteOptions]) (*mongo.BulkWriteResult, error) {
	const op = "docdb.BulkWrite"
	if err := co.check(ctx, op); err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, &InputError{Op: op, Arg: "models", Reason: "no models"}
	}
	for _, m := range models {
		if err := checkModel(op, m); err != nil {
			return nil, err
		}
	}
	var res *mongo.BulkWriteResult
	_, err := co.write(ctx, op, route.Write, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = coll.BulkWrite(ctx, models, opts...)
		return err
	})
	return res, err
}

// checkModel validates one bulk write model as the single calls would.
func checkModel(op string, m mongo.WriteModel) error {
	var err error
	switch m := m.(type) {
	case *mongo.InsertOneModel:
		_, err = marshalDoc(op, "models (InsertOne document)", m.Document)
	case *mongo.UpdateOneModel:
		if _, err = filterDoc(op, m.Filter); err == nil {
			_, _, err = updateDoc(op, m.Update)
		}
	case *mongo.UpdateManyModel:
		if _, err = filterDoc(op, m.Filter); err == nil {
			_, _, err = updateDoc(op, m.Update)
		}
	case *mongo.ReplaceOneModel:
		if _, err = filterDoc(op, m.Filter); err == nil {
			_, err = replacementDoc(op, m.Replacement)
		}
	case *mongo.DeleteOneModel:
		_, err = filterDoc(op, m.Filter)
	case *mongo.DeleteManyModel:
		_, err = filterDoc(op, m.Filter)
	case nil:
		err = &InputError{Op: op, Arg: "models", Reason: "nil model"}
	}
	return err
}

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
	var (
		raw  bson.Raw
		miss bool
	)
	r, err := co.read(ctx, op, f, func(ctx context.Context, _ multiregion.Region, coll *mongo.Collection) error {
		var err error
		raw, miss, err = rawOrMiss(coll.FindOne(ctx, f, opts...))
		return err
	})
	return singleResult(r, err, raw, miss)
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

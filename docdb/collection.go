package docdb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
	"github.com/regionkit/multiregion/internal/singlewriter"
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

// writeResult runs call on the primary region's collection (co.write) and
// returns its result, partial results with an error included.
func writeResult[R any](ctx context.Context, co *Collection, op string, kind route.Kind, call func(context.Context, *mongo.Collection) (R, error)) (R, error) {
	var res R
	_, err := co.write(ctx, op, kind, func(ctx context.Context, coll *mongo.Collection) error {
		var err error
		res, err = call(ctx, coll)
		return err
	})
	return res, err
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
	return co.c.rt.ReadWith(ctx, op, pin, co.c.ro, func(ctx context.Context, r multiregion.Region, cl *mongo.Client) error {
		return fn(ctx, r, co.coll(cl))
	})
}

// readValue is read for a point read that may be hedged (Options.Hedge,
// ReadOptions.Hedge): fn returns its result, since two attempts may run at
// once. A read-your-writes read pinned to the primary is not hedged.
func readValue[T any](ctx context.Context, co *Collection, op string, filter bson.Raw, fn func(ctx context.Context, coll *mongo.Collection) (T, error)) (T, multiregion.Region, error) {
	pin := co.c.pin
	if pin == "" && co.c.ryw != nil && filter != nil {
		if id, ok := idOnly(filter); ok && co.c.ryw.recent(rywKey(co.db, co.name, id)) {
			pin = co.c.kit.Topology().Writer
		}
	}
	return singlewriter.ReadValue(ctx, co.c.rt, op, pin, co.c.ro, func(ctx context.Context, _ multiregion.Region, cl *mongo.Client) (T, error) {
		return fn(ctx, co.coll(cl))
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

package docdb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/regionkit/multiregion/internal/route"
)

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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.InsertOneResult, error) {
		return coll.InsertOne(ctx, doc, opts...)
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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.InsertManyResult, error) {
		return coll.InsertMany(ctx, docs, opts...)
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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.UpdateResult, error) {
		return coll.UpdateOne(ctx, f, u, opts...)
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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.UpdateResult, error) {
		return coll.UpdateMany(ctx, f, u, opts...)
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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.UpdateResult, error) {
		return coll.ReplaceOne(ctx, f, r, opts...)
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
	res, err := writeResult(ctx, co, op, kind, func(ctx context.Context, coll *mongo.Collection) (*mongo.DeleteResult, error) {
		return coll.DeleteOne(ctx, f, opts...)
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
	res, err := writeResult(ctx, co, op, route.Write, func(ctx context.Context, coll *mongo.Collection) (*mongo.DeleteResult, error) {
		return coll.DeleteMany(ctx, f, opts...)
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
	res, err := writeResult(ctx, co, op, route.Write, func(ctx context.Context, coll *mongo.Collection) (*mongo.BulkWriteResult, error) {
		return coll.BulkWrite(ctx, models, opts...)
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

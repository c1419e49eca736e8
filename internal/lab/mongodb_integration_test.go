//go:build integration

package lab

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func mongoClient(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(10 * time.Second).
		SetRetryWrites(false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Disconnect(ctx)
	})
	return c
}

// TestMongoShape: DocumentDB global cluster: FerretDB in the writer region runs
// over the PostgreSQL primary and takes an insert; FerretDB elsewhere runs over a
// hot standby and refuses it.
func TestMongoShape(t *testing.T) {
	env := labEnv(t)
	ctx := testContext(t, 60*time.Second)
	w := mustRegion(t, env, env.Writer)
	primary := mongoClient(t, w.MongoDB)
	coll := primary.Database("lab").Collection("smoke")
	id := unique("doc")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: 1}}); err != nil {
		t.Fatalf("insert through FerretDB over the primary (%s): %v", env.Writer, err)
	}
	var got bson.M
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil {
		t.Fatalf("find on the primary: %v", err)
	}

	forEachRegion(t, env, env.Replicas(), func(t *testing.T, name string, r Region) {
		c := mongoClient(t, r.MongoDB)
		if err := c.Ping(ctx, nil); err != nil {
			t.Fatalf("ping FerretDB in %s: %v", name, err)
		}
		_, err := c.Database("lab").Collection("smoke").InsertOne(ctx, bson.D{{Key: "_id", Value: unique("standby")}})
		if err == nil {
			t.Fatalf("insert through FerretDB over the standby in %s succeeded, want a refusal", name)
		}
		t.Logf("%s refused the insert: %v", name, err)
	})
}

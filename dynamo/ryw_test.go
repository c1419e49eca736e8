package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestReadYourWrites: us-east-1 is nearest; a write lands in eu-west-1
// while replication is paused. Without ReadYourWrites the next Get reads
// the old version in us-east-1; with it, the Get goes to eu-west-1. When
// eu-west-1 is down, the stale us-east-1 copy is refused (StaleReadError)
// until replication delivers the write.
func TestReadYourWrites(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1), multiregiontest.WithLatency(string(euw1), 5*time.Millisecond))
	plain := e.table(func(o *dynamo.Options) { o.DisableConflictDetection = true })
	ryw := e.table(func(o *dynamo.Options) {
		o.DisableConflictDetection = true
		o.ReadYourWrites = true
		o.PropagationWindow = time.Minute
	})
	ctx := testCtx(t)
	key := Doc{PK: "ryw", SK: 1}
	if _, err := ryw.Put(ctx, Doc{PK: "ryw", SK: 1, Title: "old"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	e.emu.PauseReplication(string(use1))
	m, err := ryw.Put(ctx, Doc{PK: "ryw", SK: 1, Title: "new"}, dynamo.InRegion(euw1))
	if err != nil {
		t.Fatal(err)
	}
	got, err := plain.Get(ctx, key)
	if err != nil || got.Value.Title != "old" || got.Region != use1 {
		t.Fatalf("plain Get = %q from %s, %v; want the stale copy from us-east-1", got.Value.Title, got.Region, err)
	}
	got, err = ryw.Get(ctx, key)
	if err != nil || got.Value.Title != "new" || got.Meta.Version != m.Version || got.Region != euw1 {
		t.Fatalf("RYW Get = %q from %s, %v; want its own write from eu-west-1", got.Value.Title, got.Region, err)
	}
	e.rs.Endpoint(string(euw1)).Down()
	_, err = ryw.Get(ctx, key)
	var se *dynamo.StaleReadError
	if !errors.As(err, &se) || se.Want != m.Version || !errors.Is(err, dynamo.ErrStaleRead) {
		t.Fatalf("RYW Get with the write's region down: %v, want StaleReadError", err)
	}
	e.emu.ResumeReplication(string(use1))
	e.quiesce()
	got, err = ryw.Get(ctx, key)
	if err != nil || got.Value.Title != "new" || got.Region != use1 {
		t.Fatalf("RYW Get after replication = %q from %s, %v", got.Value.Title, got.Region, err)
	}
}

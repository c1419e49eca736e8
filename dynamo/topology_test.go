package dynamo_test

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// waitReplicas polls tb.Replicas until it equals want.
func waitReplicas(t *testing.T, tb *dynamo.Table[Doc], want ...multiregion.Region) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(tb.Replicas(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("replicas %v, want %v", tb.Replicas(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTopologyReplicaAdded: a replica added at runtime is used once
// ACTIVE, not while CREATING; calls running across the change succeed.
func TestTopologyReplicaAdded(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1, usw2),
		multiregiontest.WithLatency(string(euw1), 60*time.Millisecond), multiregiontest.WithLatency(string(usw2), 60*time.Millisecond))
	if err := e.emu.RemoveReplica(string(usw2)); err != nil {
		t.Fatal(err)
	}
	tb := e.table(func(o *dynamo.Options) { o.TopologyRefresh = 10 * time.Millisecond })
	ctx := testCtx(t)
	if got := tb.Replicas(); !slices.Equal(got, []multiregion.Region{use1, euw1}) {
		t.Fatalf("replicas at New: %v", got)
	}
	if _, err := tb.Put(ctx, Doc{PK: "topo", SK: 1}); err != nil {
		t.Fatal(err)
	}
	// Gets run all along: none may fail because the Store was swapped.
	var wg sync.WaitGroup
	var gets, failed atomic.Int64
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			gets.Add(1)
			if _, err := tb.Get(ctx, Doc{PK: "topo", SK: 1}); err != nil {
				failed.Add(1)
				t.Errorf("Get during the change: %v", err)
			}
		}
	}()
	if err := e.emu.AddReplica(ctx, string(usw2)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // ten refreshes: CREATING is not used
	if got := tb.Replicas(); slices.Contains(got, usw2) {
		t.Fatalf("a CREATING replica is routed to: %v", got)
	}
	if err := e.emu.ActivateReplica(string(usw2)); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, tb, use1, euw1, usw2)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if gets.Load() == 0 || failed.Load() != 0 {
		t.Fatalf("%d Gets, %d failed", gets.Load(), failed.Load())
	}
	got, err := tb.Get(ctx, Doc{PK: "topo", SK: 1}, dynamo.InRegion(usw2), dynamo.WithConsistentRead(true))
	if err != nil || got.Region != usw2 {
		t.Fatalf("Get pinned to the new replica: %+v, %v", got, err)
	}
	if _, ok := tb.Status().Region(usw2); !ok {
		t.Fatalf("Status does not list the new replica: %+v", tb.Status().Regions)
	}
}

// TestTopologyReplicaRemoved: a read in a removed replica
// (ResourceNotFoundException) fails over, and triggers the refresh that
// drops it, with no periodic refresh due.
func TestTopologyReplicaRemoved(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1), multiregiontest.WithLatency(string(euw1), 60*time.Millisecond))
	tb := e.table(func(o *dynamo.Options) { o.TopologyRefresh = time.Hour })
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "gone", SK: 1, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	if err := e.emu.RemoveReplica(string(use1)); err != nil {
		t.Fatal(err)
	}
	got, err := tb.Get(ctx, Doc{PK: "gone", SK: 1})
	if err != nil || got.Region != euw1 || got.Value.Title != "x" {
		t.Fatalf("Get with the nearest replica removed: %+v, %v; want served by eu-west-1", got, err)
	}
	waitReplicas(t, tb, euw1)
	if _, ok := tb.Status().Region(use1); ok {
		t.Fatalf("Status still lists the removed replica: %+v", tb.Status().Regions)
	}
	if m, err := tb.Put(ctx, Doc{PK: "gone", SK: 2}); err != nil || m.Origin != euw1 {
		t.Fatalf("Put after the removal: %+v, %v", m, err)
	}
	_, err = tb.Get(ctx, Doc{PK: "gone", SK: 1}, dynamo.InRegion(use1))
	if !errors.Is(err, dynamo.ErrNoReplica) {
		t.Fatalf("Get pinned to the removed replica: %v", err)
	}
}

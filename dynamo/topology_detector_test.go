package dynamo_test

import (
	"slices"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// detectorRegions lists the regions the detector reads a stream in.
func detectorRegions(tb *dynamo.Table[Doc]) []multiregion.Region {
	var out []multiregion.Region
	for _, rs := range tb.DetectorStatus().Regions {
		out = append(out, rs.Region)
	}
	slices.Sort(out)
	return out
}

// TestTopologyChangeMovesStreamReaders: the topology refresh and the
// detector are wired together. A replica added at runtime gets a stream
// reader once ACTIVE, and the losses of writes made there are surfaced,
// exactly as the emulator's ground truth counts them; a replica removed
// loses its reader.
func TestTopologyChangeMovesStreamReaders(t *testing.T) {
	// us-east-1 nearest: New describes the table there, not in the
	// region that has no replica yet.
	e := newEnv(t, mrec(use1, euw1, usw2),
		multiregiontest.WithLatency(string(euw1), 60*time.Millisecond), multiregiontest.WithLatency(string(usw2), 60*time.Millisecond))
	if err := e.emu.RemoveReplica(string(usw2)); err != nil {
		t.Fatal(err)
	}
	var col collected[dynamo.Conflict]
	tb := e.table(func(o *dynamo.Options) {
		o.TopologyRefresh = 10 * time.Millisecond
		o.ConflictHandler = col.handle
	})
	ctx := testCtx(t)
	if got, want := detectorRegions(tb), []multiregion.Region{euw1, use1}; !slices.Equal(got, want) {
		t.Fatalf("readers at New: %v, want %v", got, want)
	}
	if err := e.emu.AddReplica(ctx, string(usw2)); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.ActivateReplica(string(usw2)); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, tb, use1, euw1, usw2)
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(detectorRegions(tb), usw2) {
		if time.Now().After(deadline) {
			t.Fatalf("no stream reader in the added replica: %v", detectorRegions(tb))
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Losses between the new replica and an old one only show in streams
	// the detector reads now: every one of them must be surfaced.
	conflictRounds(t, tb, "added", 60, usw2, euw1)
	e.quiesce()
	if err := tb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	lost, surfaced := truthWithPrefix(e, "added"), surfacedWithPrefix(col.snapshot(), "added")
	t.Logf("after adding %s: lost (ground truth) = %d, surfaced = %d", usw2, lost, surfaced)
	if lost == 0 || surfaced != lost {
		t.Fatalf("lost %d, surfaced %d: want equal and > 0", lost, surfaced)
	}

	if err := e.emu.RemoveReplica(string(euw1)); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, tb, use1, usw2)
	deadline = time.Now().Add(10 * time.Second)
	for slices.Contains(detectorRegions(tb), euw1) {
		if time.Now().After(deadline) {
			t.Fatalf("the removed replica keeps its reader: %v", detectorRegions(tb))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

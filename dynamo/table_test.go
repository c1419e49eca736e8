package dynamo_test

import (
	"errors"
	"testing"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

func TestNewDiscoversReplicasModeAndKeys(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	if got := tb.Consistency(); got != dynamo.MREC {
		t.Fatalf("Consistency = %v, want MREC", got)
	}
	if got := tb.Replicas(); len(got) != 2 {
		t.Fatalf("Replicas = %v, want 2 regions", got)
	}
	pk, sk := tb.KeyNames()
	if pk != "pk" || sk != "sk" {
		t.Fatalf("KeyNames = %q, %q", pk, sk)
	}
}

func TestPutGetRoundTrip(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	tb := e.table()
	ctx := testCtx(t)
	m, err := tb.Put(ctx, Doc{PK: "a", SK: 1, Title: "hello", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version == "" || m.Prev != "" || m.Origin == "" {
		t.Fatalf("first Put meta = %+v", m)
	}
	got, err := tb.Get(ctx, Doc{PK: "a", SK: 1}, dynamo.InRegion(m.Origin))
	if err != nil {
		t.Fatal(err)
	}
	if got.Value.Title != "hello" || got.Value.Count != 3 || got.Meta.Version != m.Version {
		t.Fatalf("Get = %+v, want the Put (version %s)", got, m.Version)
	}
	m2, err := tb.Put(ctx, Doc{PK: "a", SK: 1, Title: "again"}, dynamo.InRegion(m.Origin))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Prev != m.Version || len(m2.Lineage) != 1 || m2.Lineage[0] != m.Version {
		t.Fatalf("second Put meta = %+v, want Prev %s", m2, m.Version)
	}
	if m2.HLC.Compare(m.HLC) <= 0 {
		t.Fatalf("HLC did not advance: %v then %v", m.HLC, m2.HLC)
	}
	_, err = tb.Get(ctx, map[string]any{"pk": "missing", "sk": 9})
	if !errors.Is(err, dynamo.ErrNotFound) {
		t.Fatalf("Get(missing) err = %v, want ErrNotFound", err)
	}
	var _ multiregion.Region = got.Region
}

package detect

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// img is an image of version v with lineage lin (newest first).
func img(v string, lin ...string) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}
	if v != "" {
		m["v"] = &types.AttributeValueMemberS{Value: v}
		m["lin"] = &types.AttributeValueMemberS{Value: strings.Join(lin, ",")}
	}
	return m
}

func versions(item map[string]types.AttributeValue) (string, []string) {
	v, _ := item["v"].(*types.AttributeValueMemberS)
	l, _ := item["lin"].(*types.AttributeValueMemberS)
	if v == nil {
		return "", nil
	}
	var lin []string
	if l != nil && l.Value != "" {
		lin = strings.Split(l.Value, ",")
	}
	return v.Value, lin
}

func modify(region, seq string, old, new map[string]types.AttributeValue) Record {
	return Record{Region: region, Shard: "s", Seq: seq, Event: Modify, Old: old, New: new}
}

func TestJudge(t *testing.T) {
	cases := []struct {
		name     string
		old, new map[string]types.AttributeValue
		lost     bool
		anc      []string
	}{
		{"successor", img("b", "a"), img("c", "b", "a"), false, nil},
		{"out-of-order replication (old is an older ancestor)", img("a"), img("c", "b", "a"), false, nil},
		{"concurrent: same parent", img("b", "a"), img("c", "a"), true, nil},
		{"lost with a local successor", img("b2", "b1", "a"), img("c", "a"), true, []string{"b1"}},
		{"no common ancestor in the lineage", img("b", "x"), img("c", "a"), true, []string{"x"}},
		{"untracked old image", img(""), img("c"), false, nil},
		{"same version reapplied", img("b", "a"), img("b", "a"), false, nil},
	}
	for _, c := range cases {
		lost, ll := versions(c.old)
		win, wl := versions(c.new)
		anc, ok := Judge(lost, ll, win, wl)
		if ok != c.lost || !slices.Equal(anc, c.anc) {
			t.Errorf("%s: lost=%v anc=%v, want %v %v", c.name, ok, anc, c.lost, c.anc)
		}
	}
}

// TestSettleDropsCarriedClaim: b is overwritten by c in one region, but
// b's successor b2 (seen in another region, not itself lost) carries b:
// the claim is dropped and its ticket resolved. A claim nothing carries
// is returned after its window, not before.
func TestSettleDropsCarriedClaim(t *testing.T) {
	now := time.Unix(1000, 0)
	d := New(Config{Versions: versions, Settle: time.Second})
	tk := d.Observe(modify("r1", "1", img("b", "a"), img("c", "a")), now)
	if tk == nil {
		t.Fatal("b -> c not claimed")
	}
	d.Observe(modify("r2", "1", img("b", "a"), img("b2", "b", "a")), now)
	lost := d.Observe(modify("r2", "2", img("x", "a"), img("y", "a")), now)
	if got := d.Due(now.Add(500*time.Millisecond), false); len(got) != 0 {
		t.Fatalf("settled before the window: %+v", got)
	}
	got := d.Due(now.Add(time.Second), false)
	if len(got) != 1 || got[0].Lost != "x" || got[0].Winner != "y" || got[0].Record.Region != "r2" {
		t.Fatalf("due %+v, want x lost to y", got)
	}
	if !tk.Done() {
		t.Error("the dropped claim's ticket is not resolved")
	}
	if lost.Done() {
		t.Error("the standing claim is resolved before delivery")
	}
	got[0].Resolve()
	if !lost.Done() {
		t.Error("Resolve does not resolve the ticket")
	}
}

func TestSeenIsBounded(t *testing.T) {
	d := NewSeen(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.Add(id) {
			t.Fatalf("%s reported as seen", id)
		}
	}
	if d.Add("a") {
		t.Fatal("a not deduplicated")
	}
	d.Add("d") // evicts a
	if d.Len() != 3 {
		t.Fatalf("set holds %d ids, capacity 3", d.Len())
	}
	if !d.Add("a") {
		t.Fatal("a should have been forgotten after 3 newer ids")
	}
}

func TestOncePerLostVersion(t *testing.T) {
	o := NewOnce(16)
	var got []Loss
	for _, l := range []Loss{
		{Lost: "x", LostAncestors: []string{"w"}, Record: Record{Region: "us-east-1"}},
		{Lost: "x", Record: Record{Region: "eu-west-1"}}, // same loss, another region
		{Lost: "w", Record: Record{Region: "eu-west-1"}}, // already reported as an ancestor
		{Lost: "y", LostAncestors: []string{"x", "v"}},
	} {
		if l, ok := o.Filter(l); ok {
			got = append(got, l)
		}
	}
	if len(got) != 2 || got[0].Record.Region != "us-east-1" || !slices.Equal(got[1].LostAncestors, []string{"v"}) {
		t.Fatalf("let through %+v", got)
	}
}

func TestGapString(t *testing.T) {
	g := Gap{Region: "us-east-1", Shard: "s1", From: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), To: time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC), Reason: "trimmed data"}
	want := "losses between 2026-01-02T03:04:05.000Z and 2026-01-02T04:00:00.000Z may be missed (trimmed data, region us-east-1, shard s1)"
	if g.String() != want {
		t.Fatalf("%q", g.String())
	}
}

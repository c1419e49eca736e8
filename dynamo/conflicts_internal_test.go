package dynamo

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func img(names metaNames, version string, lineage ...string) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}
	meta := Meta{Version: version, Origin: "us-east-1", Lineage: lineage}
	if len(lineage) > 0 {
		meta.Prev = lineage[0]
	}
	names.stamp(m, meta)
	return m
}

func TestJudge(t *testing.T) {
	n := newMetaNames(DefaultMetadataPrefix)
	cases := []struct {
		name     string
		old, new map[string]types.AttributeValue
		lost     bool
		anc      []string
	}{
		{"successor", img(n, "b", "a"), img(n, "c", "b", "a"), false, nil},
		{"out-of-order replication (old is an older ancestor)", img(n, "a"), img(n, "c", "b", "a"), false, nil},
		{"concurrent: same parent", img(n, "b", "a"), img(n, "c", "a"), true, nil},
		{"lost with a local successor", img(n, "b2", "b1", "a"), img(n, "c", "a"), true, []string{"b1"}},
		{"no common ancestor in the lineage", img(n, "b", "x"), img(n, "c", "a"), true, []string{"x"}},
		{"untracked old image", map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}, img(n, "c"), false, nil},
		{"same version reapplied", img(n, "b", "a"), img(n, "b", "a"), false, nil},
	}
	for _, c := range cases {
		_, _, anc, lost := judge(n, c.old, c.new)
		if lost != c.lost || !slices.Equal(anc, c.anc) {
			t.Errorf("%s: lost=%v anc=%v, want %v %v", c.name, lost, anc, c.lost, c.anc)
		}
	}
}

func TestDedupSetIsBounded(t *testing.T) {
	d := newDedupSet(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.add(id) {
			t.Fatalf("%s reported as seen", id)
		}
	}
	if d.add("a") {
		t.Fatal("a not deduplicated")
	}
	d.add("d") // evicts a
	if len(d.ids) != 3 {
		t.Fatalf("set holds %d ids, capacity 3", len(d.ids))
	}
	if !d.add("a") {
		t.Fatal("a should have been forgotten after 3 newer ids")
	}
}

func TestDeliveryOncePerLostVersion(t *testing.T) {
	var got []Conflict
	d := &delivery{seen: newDedupSet(16), handler: func(c Conflict) { got = append(got, c) }}
	d.deliver(Conflict{Lost: Version{Meta: Meta{Version: "x"}}, LostAncestors: []string{"w"}, SeenIn: "us-east-1"})
	d.deliver(Conflict{Lost: Version{Meta: Meta{Version: "x"}}, SeenIn: "eu-west-1"}) // same loss, another region
	d.deliver(Conflict{Lost: Version{Meta: Meta{Version: "w"}}, SeenIn: "eu-west-1"}) // already reported as an ancestor
	d.deliver(Conflict{Lost: Version{Meta: Meta{Version: "y"}}, LostAncestors: []string{"x", "v"}})
	if len(got) != 2 || got[0].SeenIn != "us-east-1" || !slices.Equal(got[1].LostAncestors, []string{"v"}) {
		t.Fatalf("delivered %+v", got)
	}
}

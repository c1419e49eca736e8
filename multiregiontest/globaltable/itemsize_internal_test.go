package globaltable

import (
	"testing"

	"github.com/truora/minidyn/server"
)

func TestNumberSize(t *testing.T) {
	for in, want := range map[string]int{
		"0": 1, "1": 2, "12": 2, "123": 3, "1234": 3,
		"-123.4500":                              4,  // 12345: leading sign and trailing zeros do not count
		"1000000":                                2,  // 1
		"0.0001":                                 2,  // 1
		"1.5E10":                                 2,  // 15
		"12345678901234567890123456789012345678": 20, // 38 digits
	} {
		if got := numberSize(in); got != want {
			t.Errorf("numberSize(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestItemSize(t *testing.T) {
	str := func(s string) *server.AttributeValue { return &server.AttributeValue{S: &s} }
	num := func(s string) *server.AttributeValue { return &server.AttributeValue{N: &s} }
	yes := true
	for _, tc := range []struct {
		name string
		it   item
		want int
	}{
		{"string: name + UTF-8 bytes", item{"a": str("xyz")}, 1 + 3},
		{"UTF-8 is counted in bytes", item{"é": str("日本")}, 2 + 6},
		{"number", item{"n": num("123.45")}, 1 + 4},
		{"binary: raw bytes, not base64", item{"b": {B: []byte{1, 2, 3, 4}}}, 1 + 4},
		{"boolean and null: 1 byte", item{"t": {BOOL: &yes}, "z": {NULL: &yes}}, 1 + 1 + 1 + 1},
		{"list: 3 + 1 per element", item{"l": {L: []*server.AttributeValue{str("ab"), num("1")}}}, 1 + 3 + (1 + 2) + (1 + 2)},
		{"map: 3 + 1 per element + names", item{"m": {M: item{"k": str("v")}}}, 1 + 3 + (1 + 1 + 1)},
		{"empty list and map: 3", item{"l": {L: []*server.AttributeValue{}}, "m": {M: item{}}}, 1 + 3 + 1 + 3},
		{"string set: sum of elements", item{"s": {SS: []*string{str("ab").S, str("c").S}}}, 1 + 3},
		{"number set", item{"s": {NS: []*string{num("1").N, num("123").N}}}, 1 + 2 + 3},
		{"binary set", item{"s": {BS: [][]byte{{1}, {2, 3}}}}, 1 + 3},
	} {
		if got := itemSize(tc.it); got != tc.want {
			t.Errorf("%s: itemSize = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestCheckUpdatePaths(t *testing.T) {
	names := map[string]string{"#n": "profile", "#i": "items"}
	for expr, want := range map[string]string{
		"SET a = :x, a = :y":         "path one: [a], path two: [a]",
		"SET #n.b = :x REMOVE #n":    "path one: [profile, b], path two: [profile]",
		"SET a[0] = :x, a = :y":      "path one: [a, [0]], path two: [a]",
		"ADD c :one SET c = :x":      "path one: [c], path two: [c]",
		"set x = :v remove y, x":     "path one: [x], path two: [x]",
		"SET #i[1].q = :v DELETE #i": "path one: [items, [1], q], path two: [items]",
	} {
		err := checkUpdatePaths(expr, names)
		if err == nil {
			t.Errorf("%q: accepted", expr)
			continue
		}
		if got := err.Error(); !contains(got, want) {
			t.Errorf("%q: %s, want %q", expr, got, want)
		}
	}
	for _, ok := range []string{
		"SET a = a + :one, b = :x",
		"SET a = if_not_exists(a, :x), c = list_append(c, :l)",
		"SET a.b = :x, a.c = :y",
		"SET a[0] = :x, a[1] = :y REMOVE d",
		"SET #n = :v",
		"",
	} {
		if err := checkUpdatePaths(ok, names); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

package dynamo

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
)

type kcDoc struct {
	ID    string `dynamodbav:"id"`
	Seq   int64  `dynamodbav:"seq,omitempty"`
	Other string
}

type kcBytes struct {
	Key  []byte
	Rank uint16 `dynamodbav:"rank"`
}

type kcOdd struct {
	ID string `dynamodbav:"id,string"`
}

// TestKeyCodecMatchesAttributeValue: the fast path must build exactly the
// key attributevalue would, and decline every shape it does not cover.
func TestKeyCodecMatchesAttributeValue(t *testing.T) {
	check := func(v any, ks keySchema) {
		t.Helper()
		c := newKeyCodec(reflect.TypeOf(v), ks)
		if c == nil {
			t.Fatalf("%T: no codec", v)
		}
		fast, ok := c.encode(reflect.ValueOf(v), ks)
		if !ok {
			t.Fatalf("%T: declined %+v", v, v)
		}
		full, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := ks.extract("test", full)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%T: fast %#v, attributevalue %#v", v, fast, slow)
		}
	}
	check(kcDoc{ID: "a", Seq: -42, Other: "x"}, keySchema{pk: "id", sk: "seq"})
	check(kcDoc{ID: "a"}, keySchema{pk: "id"})
	check(kcBytes{Key: []byte{1, 2}, Rank: 7}, keySchema{pk: "Key", sk: "rank"})
	// Zero key values go the general way (which reports them).
	c := newKeyCodec(reflect.TypeOf(kcDoc{}), keySchema{pk: "id", sk: "seq"})
	if _, ok := c.encode(reflect.ValueOf(kcDoc{ID: "a"}), keySchema{pk: "id", sk: "seq"}); ok {
		t.Fatal("zero omitempty sort key encoded")
	}
	if newKeyCodec(reflect.TypeOf(kcOdd{}), keySchema{pk: "id"}) != nil {
		t.Fatal("a ,string option must use the general path")
	}
	if newKeyCodec(reflect.TypeOf(kcDoc{}), keySchema{pk: "missing"}) != nil {
		t.Fatal("codec for a type without the key field")
	}
	if newKeyCodec(reflect.TypeOf(map[string]any{}), keySchema{pk: "id"}) != nil {
		t.Fatal("codec for a map")
	}
}

package globaltable

import (
	"encoding/json"
	"reflect"
	"slices"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sttypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/truora/minidyn/server"
)

// item is an item or key in minidyn's JSON attribute-value form, the same
// {"S":"x"} encoding DynamoDB and DynamoDB Streams use on the wire.
type item = map[string]*server.AttributeValue

// keyOf extracts the key attributes of meta's table from it (an item or a
// key), failing as DynamoDB does when one is missing.
func keyOf(meta *tableMeta, it item) (item, error) {
	key := make(item, len(meta.keyAttrs))
	for _, name := range meta.keyAttrs {
		v, ok := it[name]
		if !ok || v == nil {
			return nil, errValidation("One or more parameter values were invalid: Missing the key %s in the item", name)
		}
		key[name] = v
	}
	return key, nil
}

// keyString is the canonical form of a key: JSON with sorted attribute
// names (encoding/json sorts map keys), so equal keys give equal strings.
func keyString(key item) string {
	b, err := json.Marshal(key)
	if err != nil {
		return "<unencodable key>"
	}
	return string(b)
}

// cloneItem deep-copies an item so images kept for streams and replication
// never share memory with minidyn's storage or a request.
func cloneItem(it item) item {
	if it == nil {
		return nil
	}
	out := make(item, len(it))
	for k, v := range it {
		out[k] = cloneAV(v)
	}
	return out
}

func cloneAV(v *server.AttributeValue) *server.AttributeValue {
	if v == nil {
		return nil
	}
	c := *v
	c.B = slices.Clone(v.B)
	c.BS = cloneSlice(v.BS, slices.Clone[[]byte])
	c.SS = cloneSlice(v.SS, cloneStrPtr)
	c.NS = cloneSlice(v.NS, cloneStrPtr)
	c.L = cloneSlice(v.L, cloneAV)
	if v.M != nil {
		c.M = cloneItem(v.M)
	}
	c.S, c.N = cloneStrPtr(v.S), cloneStrPtr(v.N)
	c.BOOL, c.NULL = cloneBoolPtr(v.BOOL), cloneBoolPtr(v.NULL)
	return &c
}

func cloneSlice[T any](in []T, f func(T) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func cloneStrPtr(p *string) *string {
	if p == nil {
		return nil
	}
	s := *p
	return &s
}

func cloneBoolPtr(p *bool) *bool {
	if p == nil {
		return nil
	}
	b := *p
	return &b
}

// sameItem reports whether two images are equal; DynamoDB Streams writes no
// record for a write that changes nothing.
func sameItem(a, b item) bool {
	return reflect.DeepEqual(a, b)
}

// toStreamItem converts an image to the DynamoDB Streams SDK type.
func toStreamItem(it item) map[string]sttypes.AttributeValue {
	if it == nil {
		return nil
	}
	out := make(map[string]sttypes.AttributeValue, len(it))
	for k, v := range it {
		out[k] = toStreamAV(v)
	}
	return out
}

func toStreamAV(v *server.AttributeValue) sttypes.AttributeValue {
	switch {
	case v == nil:
		return &sttypes.AttributeValueMemberNULL{Value: true}
	case v.S != nil:
		return &sttypes.AttributeValueMemberS{Value: *v.S}
	case v.N != nil:
		return &sttypes.AttributeValueMemberN{Value: *v.N}
	case v.B != nil:
		return &sttypes.AttributeValueMemberB{Value: v.B}
	case v.BOOL != nil:
		return &sttypes.AttributeValueMemberBOOL{Value: *v.BOOL}
	case v.NULL != nil:
		return &sttypes.AttributeValueMemberNULL{Value: *v.NULL}
	case v.SS != nil:
		return &sttypes.AttributeValueMemberSS{Value: derefAll(v.SS)}
	case v.NS != nil:
		return &sttypes.AttributeValueMemberNS{Value: derefAll(v.NS)}
	case v.BS != nil:
		return &sttypes.AttributeValueMemberBS{Value: v.BS}
	case v.L != nil:
		l := make([]sttypes.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = toStreamAV(e)
		}
		return &sttypes.AttributeValueMemberL{Value: l}
	case v.M != nil:
		return &sttypes.AttributeValueMemberM{Value: toStreamItem(v.M)}
	default:
		return &sttypes.AttributeValueMemberNULL{Value: true}
	}
}

func derefAll(ps []*string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p != nil {
			out[i] = *p
		}
	}
	return out
}

// KeyString renders a key given as SDK attribute values in the canonical
// form WriteRecord.Key uses ({"pk":{"S":"a"},"sk":{"N":"1"}}), so a test
// can match what its service reports (a dynamo.Conflict's Key, say) with
// the emulator's ground truth. Key attributes are strings, numbers or
// binaries; any other type renders as NULL, which matches no record.
func KeyString(key map[string]ddbtypes.AttributeValue) string {
	it := make(item, len(key))
	for name, v := range key {
		switch v := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			it[name] = &server.AttributeValue{S: &v.Value}
		case *ddbtypes.AttributeValueMemberN:
			it[name] = &server.AttributeValue{N: &v.Value}
		case *ddbtypes.AttributeValueMemberB:
			it[name] = &server.AttributeValue{B: v.Value}
		default:
			null := true
			it[name] = &server.AttributeValue{NULL: &null}
		}
	}
	return keyString(it)
}

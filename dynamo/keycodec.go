package dynamo

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// keyCodec builds the key of a T straight from its key fields, without
// marshaling the whole struct: Get, Delete and friends are called with a T
// holding only its key, and marshaling every field through reflection was
// the largest cost the adapter added to a Get. It follows attributevalue's
// naming (the dynamodbav tag's name, else the field name) and handles the
// kinds a key can have (string, integers, []byte); any other shape uses
// the general path.
type keyCodec struct {
	fields [2][]int // index paths of the partition and sort key fields
	n      int      // 1 or 2 key fields
}

// newKeyCodec returns nil when T is not a plain struct with the key fields.
func newKeyCodec(t reflect.Type, ks keySchema) *keyCodec {
	if t == nil || t.Kind() != reflect.Struct || ks.pk == "" {
		return nil
	}
	c := &keyCodec{n: 1}
	if ks.sk != "" {
		c.n = 2
	}
	names := [2]string{ks.pk, ks.sk}
	for i := 0; i < c.n; i++ {
		f, ok := keyField(t, names[i])
		if !ok {
			return nil
		}
		c.fields[i] = f.Index
	}
	return c
}

// keyField finds the top-level field attributevalue would name name, if
// its type is one keyCodec encodes exactly as attributevalue does.
func keyField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
		if tag == "-" {
			continue
		}
		got := tag
		if got == "" {
			got = f.Name
		}
		if got != name {
			continue
		}
		if opts != "" && opts != "omitempty" {
			return f, false // string/unixtime/... options change the encoding
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return f, f.Type.PkgPath() == "" || !implementsMarshaler(f.Type)
		case reflect.Slice:
			return f, f.Type.Elem().Kind() == reflect.Uint8 && !implementsMarshaler(f.Type)
		}
		return f, false
	}
	return reflect.StructField{}, false
}

var marshalerType = reflect.TypeFor[interface {
	MarshalDynamoDBAttributeValue() (types.AttributeValue, error)
}]()

func implementsMarshaler(t reflect.Type) bool {
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType)
}

// encode returns the key of v (a struct of the codec's type), or false
// when a key field holds its zero value (attributevalue would then write
// NULL or omit it: let the general path report it).
func (c *keyCodec) encode(v reflect.Value, ks keySchema) (map[string]types.AttributeValue, bool) {
	key := make(map[string]types.AttributeValue, c.n)
	names := [2]string{ks.pk, ks.sk}
	for i := 0; i < c.n; i++ {
		f := v.FieldByIndex(c.fields[i])
		if f.IsZero() {
			return nil, false
		}
		var av types.AttributeValue
		switch f.Kind() {
		case reflect.String:
			av = &types.AttributeValueMemberS{Value: f.String()}
		case reflect.Slice:
			av = &types.AttributeValueMemberB{Value: f.Bytes()}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			av = &types.AttributeValueMemberN{Value: strconv.FormatUint(f.Uint(), 10)}
		default:
			av = &types.AttributeValueMemberN{Value: strconv.FormatInt(f.Int(), 10)}
		}
		key[names[i]] = av
	}
	return key, true
}

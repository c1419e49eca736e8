package dynamo

import (
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// Meta is the version metadata the Table stamps on every item it writes,
// in attributes named Options.MetadataPrefix + ver, prev, origin, hlc, lin
// (and del, exp on a tombstone: see tombstone.go).
// It is how lost writes are detected: a version that replaced something
// other than the version it overwrote was written without seeing it.
// Meta is a plain value.
type Meta struct {
	// Version is the id of this version (32 hex digits, random).
	Version string
	// Prev is the version this one replaced in its origin region ("" for
	// the first version of an item).
	Prev string
	// Origin is the region that took the write.
	Origin multiregion.Region
	// HLC is the hybrid logical clock time of the write.
	HLC HLC
	// Lineage lists ancestor versions, newest first (Prev first), at most
	// Options.LineageDepth of them.
	Lineage []string
	// Deleted marks a tombstone: the version a Delete wrote (MREC). Reads
	// treat it as no item; in a Conflict it is a delete that won or lost.
	Deleted bool
}

// descendsFrom reports whether m is id or was written after id was seen.
func (m Meta) descendsFrom(id string) bool {
	if m.Version == id {
		return true
	}
	for _, a := range m.Lineage {
		if a == id {
			return true
		}
	}
	return false
}

// Item is an item read from the table with its version metadata. A plain
// value: safe to copy; not synchronized.
type Item[T any] struct {
	Value T
	Meta  Meta
	// Region is the replica region that served the read.
	Region multiregion.Region
}

// metaNames are the metadata attribute names for one prefix.
// del marks a tombstone, exp is its DynamoDB TTL time (Options.TombstoneTTL)
// and none is a name no item ever has (see absentKeyNames).
type metaNames struct {
	ver, prev, origin, hlc, lin, del, exp, none string
}

func newMetaNames(prefix string) metaNames {
	return metaNames{ver: prefix + "ver", prev: prefix + "prev", origin: prefix + "origin", hlc: prefix + "hlc", lin: prefix + "lin",
		del: prefix + "del", exp: prefix + "exp", none: prefix + "none"}
}

// parse reads the metadata of an item; an item written by something other
// than a Table has an empty Meta.
func (n metaNames) parse(item map[string]types.AttributeValue) Meta {
	var m Meta
	m.Version = str(item[n.ver])
	if m.Version == "" {
		return m
	}
	m.Prev = str(item[n.prev])
	m.Origin = multiregion.Region(str(item[n.origin]))
	m.HLC, _ = ParseHLC(str(item[n.hlc])) // a malformed stamp reads as zero: informational only
	if l := str(item[n.lin]); l != "" {
		m.Lineage = strings.Split(l, ",")
	}
	if b, ok := item[n.del].(*types.AttributeValueMemberBOOL); ok && b.Value {
		m.Deleted = true
	}
	return m
}

// stamp writes m into item.
func (n metaNames) stamp(item map[string]types.AttributeValue, m Meta) {
	item[n.ver] = &types.AttributeValueMemberS{Value: m.Version}
	item[n.origin] = &types.AttributeValueMemberS{Value: string(m.Origin)}
	item[n.hlc] = &types.AttributeValueMemberS{Value: m.HLC.String()}
	if m.Prev != "" {
		item[n.prev] = &types.AttributeValueMemberS{Value: m.Prev}
		item[n.lin] = &types.AttributeValueMemberS{Value: strings.Join(m.Lineage, ",")}
	} else {
		delete(item, n.prev)
		delete(item, n.lin)
	}
	if m.Deleted {
		item[n.del] = &types.AttributeValueMemberBOOL{Value: true}
	} else {
		delete(item, n.del)
		delete(item, n.exp)
	}
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// nextMeta builds the metadata of a write in region that replaces seen.
func (t *Table[T]) nextMeta(region multiregion.Region, seen Meta) Meta {
	m := Meta{Version: newVersionID(), Prev: seen.Version, Origin: region, HLC: t.hlc.Now()}
	if seen.Version != "" {
		n := min(1+len(seen.Lineage), t.opts.LineageDepth)
		m.Lineage = make([]string, 0, n)
		m.Lineage = append(m.Lineage, seen.Version)
		for _, a := range seen.Lineage {
			if len(m.Lineage) == n {
				break
			}
			m.Lineage = append(m.Lineage, a)
		}
	}
	return m
}

// newVersionID returns 128 random bits in hex. math/rand/v2's global
// generator is ChaCha8, seeded from the OS: unique without coordination.
func newVersionID() string {
	var b [32]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	const hexd = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i], hi = hexd[hi&15], hi>>4
		b[16+i], lo = hexd[lo&15], lo>>4
	}
	return string(b[:])
}

// keySchema names the key attributes.
type keySchema struct{ pk, sk string }

// extract returns the key attributes of item, or a *KeyError.
func (k keySchema) extract(op string, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	n := 1
	if k.sk != "" {
		n = 2
	}
	key := make(map[string]types.AttributeValue, n)
	names := [2]string{k.pk, k.sk}
	for _, name := range names[:n] {
		v, ok := item[name]
		if !ok || v == nil {
			return nil, &KeyError{Op: op, Attribute: name, Reason: "missing"}
		}
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			if x.Value == "" {
				return nil, &KeyError{Op: op, Attribute: name, Reason: "empty string (DynamoDB rejects empty key values)"}
			}
		case *types.AttributeValueMemberB:
			if len(x.Value) == 0 {
				return nil, &KeyError{Op: op, Attribute: name, Reason: "empty binary (DynamoDB rejects empty key values)"}
			}
		case *types.AttributeValueMemberN:
		default:
			return nil, &KeyError{Op: op, Attribute: name, Reason: "a key must be a string, number or binary, got " + reflect.TypeOf(v).Elem().Name()}
		}
		key[name] = v
	}
	return key, nil
}

// keyString renders a key canonically, for maps keyed by item.
func (k keySchema) keyString(key map[string]types.AttributeValue) string {
	var b strings.Builder
	for i, name := range [2]string{k.pk, k.sk} {
		if name == "" {
			break
		}
		if i > 0 {
			b.WriteByte(0)
		}
		switch v := key[name].(type) {
		case *types.AttributeValueMemberS:
			b.WriteString("S" + v.Value)
		case *types.AttributeValueMemberN:
			b.WriteString("N" + v.Value)
		case *types.AttributeValueMemberB:
			b.WriteString("B" + base64.StdEncoding.EncodeToString(v.Value))
		}
	}
	return b.String()
}

// marshalItem turns a T into an attribute map. attributevalue reports a
// value that is not a map or struct (an int, a string) only by returning
// an empty map, so the kind is checked here. (It also silently skips
// chan and func fields, as documented.)
func marshalItem(op string, v any) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.Marshal(v)
	if err != nil {
		return nil, &MarshalError{Op: op, Type: typeName(v), Err: err}
	}
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return nil, &MarshalError{Op: op, Type: typeName(v), Err: errNotAMap}
	}
	return m.Value, nil
}

// keyFrom accepts a key as an attribute map, or anything that marshals to
// a map holding the key attributes (a T with its key fields set, a key
// struct, a map[string]any), and returns the key attributes only.
func (t *Table[T]) keyFrom(op string, key any) (map[string]types.AttributeValue, error) {
	if t.kc != nil {
		switch key.(type) {
		case T:
			if m, ok := t.kc.encode(reflect.ValueOf(key), t.keys); ok {
				return m, nil
			}
		case *T:
			if v := reflect.ValueOf(key); !v.IsNil() {
				if m, ok := t.kc.encode(v.Elem(), t.keys); ok {
					return m, nil
				}
			}
		}
	}
	var m map[string]types.AttributeValue
	switch k := key.(type) {
	case nil:
		return nil, &KeyError{Op: op, Attribute: t.keys.pk, Reason: "missing (nil key)"}
	case map[string]types.AttributeValue:
		m = k
	default:
		var err error
		if m, err = marshalItem(op, key); err != nil {
			return nil, err
		}
	}
	return t.keys.extract(op, m)
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

type constError string

func (e constError) Error() string { return string(e) }

const errNotAMap = constError("value does not marshal to a map (want a struct or a map)")

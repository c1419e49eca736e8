package dynamo

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Local validation: what DynamoDB would reject, and what would silently
// corrupt the Table's metadata, fails before any request with a typed
// error (ErrInvalidInput).

// MetadataAttributeError reports an item field, or an attribute an
// expression names, that starts with the metadata prefix: those
// attributes are the Table's (Meta), and a caller's value would be
// replaced (_mr_ver, _mr_origin), dropped (_mr_prev, _mr_del) or would
// corrupt the version chain (Update SET _mr_ver = ...).
type MetadataAttributeError struct {
	Op        string
	Attribute string // the attribute name (never a value)
	Prefix    string // Options.MetadataPrefix
	Where     string // "item type", "item", "update expression", "condition expression"
}

func (e *MetadataAttributeError) Error() string {
	return fmt.Sprintf("%s: %s names attribute %q, which has the metadata prefix %q the Table reserves (rename it, or set Options.MetadataPrefix)", e.Op, e.Where, e.Attribute, e.Prefix)
}

// Is matches ErrInvalidInput.
func (e *MetadataAttributeError) Is(target error) bool { return target == ErrInvalidInput }

// fieldNames lists the attribute names attributevalue's encoder gives the
// fields of struct type t (the dynamodbav tag's name, else the field
// name; "-" skipped; unexported fields skipped; untagged embedded structs
// flattened), or ok false when t is not a struct (maps are checked per
// item instead).
func fieldNames(t reflect.Type) (names []string, ok bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, false
	}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
			if tag == "-" {
				continue
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && tag == "" && ft.Kind() == reflect.Struct && depth < 8 {
				walk(ft, depth+1) // promoted fields, as the encoder flattens them
				continue
			}
			if !f.IsExported() {
				continue
			}
			if tag == "" {
				tag = f.Name
			}
			names = append(names, tag)
		}
	}
	walk(t, 0)
	return names, true
}

// checkItemType is New's check of T: no field with the metadata prefix,
// and the key attributes present.
func (t *Table[T]) checkItemType() error {
	const op = "dynamo.New"
	typ := reflect.TypeFor[T]()
	names, ok := fieldNames(typ)
	if !ok {
		t.checkItems = true // a map (or interface) type: checked per item
		return nil
	}
	for _, n := range names {
		if strings.HasPrefix(n, t.opts.MetadataPrefix) {
			return &MetadataAttributeError{Op: op, Attribute: n, Prefix: t.opts.MetadataPrefix, Where: "item type " + typ.String()}
		}
	}
	for _, k := range []string{t.keys.pk, t.keys.sk} {
		if k != "" && !slices.Contains(names, k) {
			return &KeyError{Op: op, Attribute: k, Reason: "item type " + typ.String() + " has no field for this key attribute of table " + t.name}
		}
	}
	return nil
}

// checkItem is the per-item check of a type New could not check (a map).
func (t *Table[T]) checkItem(op string, av map[string]types.AttributeValue) error {
	if !t.checkItems {
		return nil
	}
	for n := range av {
		if strings.HasPrefix(n, t.opts.MetadataPrefix) {
			return &MetadataAttributeError{Op: op, Attribute: n, Prefix: t.opts.MetadataPrefix, Where: "item"}
		}
	}
	return nil
}

// checkExpr rejects an expression that names a metadata attribute: in its
// attribute names, its value placeholders, or its raw strings (a name
// written without a placeholder).
func (t *Table[T]) checkExpr(op string, e *expression.Expression) error {
	if e == nil {
		return nil
	}
	p := t.opts.MetadataPrefix
	for _, n := range e.Names() {
		if strings.HasPrefix(n, p) {
			return &MetadataAttributeError{Op: op, Attribute: n, Prefix: p, Where: exprWhere(e)}
		}
	}
	for ph := range e.Values() {
		if strings.Contains(ph, p) {
			return &MetadataAttributeError{Op: op, Attribute: ph, Prefix: p, Where: exprWhere(e)}
		}
	}
	for where, s := range map[string]*string{"update expression": e.Update(), "condition expression": e.Condition(), "projection expression": e.Projection(), "filter expression": e.Filter(), "key condition expression": e.KeyCondition()} {
		if s != nil && strings.Contains(*s, p) {
			return &MetadataAttributeError{Op: op, Attribute: metaToken(*s, p), Prefix: p, Where: where}
		}
	}
	return nil
}

func exprWhere(e *expression.Expression) string {
	if e.Update() != nil {
		return "update expression"
	}
	return "condition expression"
}

// metaToken is the attribute name in s that starts with prefix.
func metaToken(s, prefix string) string {
	i := strings.Index(s, prefix)
	j := i + len(prefix)
	for j < len(s) && isNameChar(s[j]) {
		j++
	}
	return s[i:j]
}

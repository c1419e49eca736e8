package globaltable

import (
	"github.com/truora/minidyn/server"
)

// DynamoDB checks every key and item before it touches storage; minidyn
// does not, so without these checks a test would pass where AWS fails. The
// messages are DynamoDB's own wording (since the 2020 change that allowed
// empty non-key strings).

// maxItemSize is DynamoDB's limit on one item: 400 KB.
const maxItemSize = 400 * 1024

const (
	msgSizePut    = "Item size has exceeded the maximum allowed size"
	msgSizeUpdate = "Item size to update has exceeded the maximum allowed size"
	msgBadKey     = "The provided key element does not match the schema"
)

// avType names the type of v as the wire does ("S", "N", "M", ...), or ""
// for a value with no type set.
func avType(v *server.AttributeValue) string {
	switch {
	case v == nil:
		return ""
	case v.S != nil:
		return "S"
	case v.N != nil:
		return "N"
	case v.B != nil:
		return "B"
	case v.BOOL != nil:
		return "BOOL"
	case v.NULL != nil:
		return "NULL"
	case v.SS != nil:
		return "SS"
	case v.NS != nil:
		return "NS"
	case v.BS != nil:
		return "BS"
	case v.L != nil:
		return "L"
	case v.M != nil:
		return "M"
	}
	return ""
}

// keyType returns the declared scalar type (S, N or B) of key attribute
// name, or "" if the table does not declare it.
func (m *tableMeta) keyType(name string) string {
	for _, d := range m.attrDefs {
		if d.AttributeName != nil && *d.AttributeName == name {
			return string(d.AttributeType)
		}
	}
	return ""
}

// emptyKeyValue reports DynamoDB's error for a key attribute holding an
// empty string or an empty binary, or nil.
func emptyKeyValue(name string, v *server.AttributeValue) error {
	switch {
	case v.S != nil && *v.S == "":
		return errValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", name)
	case v.B != nil && len(v.B) == 0:
		return errValidation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: %s", name)
	}
	return nil
}

// checkItem validates an item a put writes: every key attribute present,
// of its declared type and not empty, and the item within 400 KB.
func (m *tableMeta) checkItem(it item) error {
	for _, name := range m.keyAttrs {
		v, ok := it[name]
		if !ok || v == nil {
			return errValidation("One or more parameter values were invalid: Missing the key %s in the item", name)
		}
		if want, got := m.keyType(name), avType(v); want != "" && got != want {
			return errValidation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", name, want, got)
		}
		if err := emptyKeyValue(name, v); err != nil {
			return err
		}
	}
	if itemSize(it) > maxItemSize {
		return errValidation(msgSizePut)
	}
	return nil
}

// checkKey validates the Key of a key-taking call (GetItem, DeleteItem,
// UpdateItem, BatchGetItem, a Delete in a batch or transaction): exactly
// the key attributes, each of its declared type and not empty.
func (m *tableMeta) checkKey(key item) error {
	if len(key) != len(m.keyAttrs) {
		return errValidation(msgBadKey)
	}
	for _, name := range m.keyAttrs {
		v, ok := key[name]
		if !ok || v == nil {
			return errValidation(msgBadKey)
		}
		if want := m.keyType(name); want != "" && avType(v) != want {
			return errValidation(msgBadKey)
		}
		if err := emptyKeyValue(name, v); err != nil {
			return err
		}
	}
	return nil
}

// check validates one write of a client call against the table.
func (m *tableMeta) check(op writeOp) error {
	if op.kind == WritePut {
		return m.checkItem(op.raw)
	}
	return m.checkKey(op.raw)
}

// checkUpdated validates the item an update produced; DynamoDB refuses an
// update whose result would exceed 400 KB.
func checkUpdated(newImg item) error {
	if itemSize(newImg) > maxItemSize {
		return errValidation(msgSizeUpdate)
	}
	return nil
}

package docdb

import (
	"reflect"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// marshalDoc marshals a document argument, refusing nil and values that do
// not marshal to a BSON document.
func marshalDoc(op, arg string, v any) (bson.Raw, error) {
	if isNil(v) {
		return nil, &InputError{Op: op, Arg: arg, Reason: "nil " + arg}
	}
	b, err := bson.Marshal(v)
	if err != nil {
		return nil, &InputError{Op: op, Arg: arg, Reason: "does not marshal to a BSON document", Err: err}
	}
	return bson.Raw(b), nil
}

// filterDoc is marshalDoc for filters, with a hint for the nil case.
func filterDoc(op string, v any) (bson.Raw, error) {
	if isNil(v) {
		return nil, &InputError{Op: op, Arg: "filter", Reason: "nil filter (use bson.D{} to match every document)"}
	}
	return marshalDoc(op, "filter", v)
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// updateDoc checks an update: a document whose every top-level key is an
// update operator ($set, $inc, ...), or an aggregation pipeline (a slice
// of stages). It returns what to send and the operators used (nil for a
// pipeline).
func updateDoc(op string, v any) (any, []string, error) {
	if isNil(v) {
		return nil, nil, &InputError{Op: op, Arg: "update", Reason: "nil update"}
	}
	if b, err := bson.Marshal(v); err == nil {
		elems, err := bson.Raw(b).Elements()
		if err != nil {
			return nil, nil, &InputError{Op: op, Arg: "update", Reason: "malformed BSON", Err: err}
		}
		if len(elems) == 0 {
			return nil, nil, &InputError{Op: op, Arg: "update", Reason: "empty update document"}
		}
		ops := make([]string, 0, len(elems))
		for _, e := range elems {
			k := e.Key()
			if !strings.HasPrefix(k, "$") {
				return nil, nil, &InputError{Op: op, Arg: "update", Reason: "update document without operators (key " + quoteKey(k) + "); use ReplaceOne to replace a document"}
			}
			ops = append(ops, k)
		}
		return bson.Raw(b), ops, nil
	}
	stages, err := pipelineStages(op, "update", v)
	if err != nil {
		return nil, nil, err
	}
	if len(stages) == 0 {
		return nil, nil, &InputError{Op: op, Arg: "update", Reason: "empty update pipeline"}
	}
	return stages, nil, nil
}

// replacementDoc checks a replacement: a document without update operators.
func replacementDoc(op string, v any) (bson.Raw, error) {
	b, err := marshalDoc(op, "replacement", v)
	if err != nil {
		return nil, err
	}
	elems, err := b.Elements()
	if err != nil {
		return nil, &InputError{Op: op, Arg: "replacement", Reason: "malformed BSON", Err: err}
	}
	for _, e := range elems {
		if strings.HasPrefix(e.Key(), "$") {
			return nil, &InputError{Op: op, Arg: "replacement", Reason: "replacement with an update operator (" + quoteKey(e.Key()) + "); use UpdateOne"}
		}
	}
	return b, nil
}

// pipelineStages marshals each stage of a pipeline (a slice or array of
// documents: mongo.Pipeline, []bson.D, []bson.M, []any).
func pipelineStages(op, arg string, v any) ([]bson.Raw, error) {
	if isNil(v) {
		return nil, &InputError{Op: op, Arg: arg, Reason: "nil pipeline"}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, &InputError{Op: op, Arg: arg, Reason: "not a pipeline (a slice of stage documents) nor a document"}
	}
	out := make([]bson.Raw, rv.Len())
	for i := range rv.Len() {
		b, err := bson.Marshal(rv.Index(i).Interface())
		if err != nil {
			return nil, &InputError{Op: op, Arg: arg, Reason: "a stage does not marshal to a BSON document", Err: err}
		}
		out[i] = b
	}
	return out, nil
}

// writesStage reports whether a pipeline writes: a $out or $merge stage.
func writesStage(stages []bson.Raw) bool {
	for _, s := range stages {
		if e, err := s.IndexErr(0); err == nil {
			if k := e.Key(); k == "$out" || k == "$merge" {
				return true
			}
		}
	}
	return false
}

// idOnly returns the value of a filter that is exactly {_id: v} with a
// plain value (not an operator document such as {$in: [...]}).
func idOnly(filter bson.Raw) (bson.RawValue, bool) {
	elems, err := filter.Elements()
	if err != nil || len(elems) != 1 || elems[0].Key() != "_id" {
		return bson.RawValue{}, false
	}
	v := elems[0].Value()
	if v.Type == bson.TypeEmbeddedDocument {
		if d, ok := v.DocumentOK(); ok {
			if e, err := d.IndexErr(0); err == nil && strings.HasPrefix(e.Key(), "$") {
				return bson.RawValue{}, false
			}
		}
	}
	return v, true
}

// docID returns the _id of a marshaled document.
func docID(doc bson.Raw) (bson.RawValue, bool) {
	v, err := doc.LookupErr("_id")
	return v, err == nil
}

// quoteKey quotes a field name for an error, cut short: keys are names,
// not values, but may still be long.
func quoteKey(k string) string {
	if len(k) > 40 {
		k = k[:40] + "..."
	}
	return `"` + k + `"`
}

// idempotentSet reports whether every operator only sets or unsets fields.
func idempotentSet(ops []string) bool {
	if ops == nil {
		return false
	}
	for _, o := range ops {
		if o != "$set" && o != "$unset" {
			return false
		}
	}
	return true
}

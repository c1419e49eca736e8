package globaltable

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/truora/minidyn/server"
)

// minidyn v0.8.2 evaluates REMOVE into its environment but then only adds
// the environment's attributes onto the stored item (Environment.Apply),
// so an update's REMOVE of a top-level attribute is silently ignored. The
// emulator applies those removals itself after a successful update, in the
// same region critical section, and drops them from the returned
// attributes. Nested paths (a.b, a[0]) are left to minidyn.

// removedNames returns the top-level attribute names the REMOVE clause of
// an update expression names, placeholders resolved.
func removedNames(update string, names map[string]string) []string {
	fields := strings.Fields(strings.NewReplacer(",", " , ").Replace(update))
	var out []string
	in := false
	for _, f := range fields {
		switch strings.ToUpper(f) {
		case "REMOVE":
			in = true
			continue
		case "SET", "ADD", "DELETE":
			in = false
			continue
		}
		if !in || f == "," || strings.ContainsAny(f, ".[") {
			continue
		}
		if n, ok := names[f]; ok {
			f = n
		}
		out = append(out, f)
	}
	return out
}

// applyRemoves deletes the attributes the update removed from the stored
// item at key and from attrs (the update's returned attributes, if any).
// Callers hold r.mu.
func (r *region) applyRemoves(ctx context.Context, table string, key item, update *string, names map[string]string, attrs item) error {
	gone := removedNames(aws.ToString(update), names)
	if len(gone) == 0 {
		return nil
	}
	cur, err := r.readItem(ctx, table, key)
	if err != nil || cur == nil {
		return err
	}
	changed := false
	for _, n := range gone {
		if _, ok := cur[n]; ok {
			delete(cur, n)
			changed = true
		}
		delete(attrs, n)
	}
	if !changed {
		return nil
	}
	_, err = r.db.PutItem(ctx, &server.PutItemInput{TableName: aws.String(table), Item: cur})
	return err
}

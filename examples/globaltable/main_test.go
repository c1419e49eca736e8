package main

import (
	"bytes"
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestGlobalTable runs the example and checks that both regions converge
// on one edit and that the other edit is surfaced as lost.
func TestGlobalTable(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("globaltable: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`us-east-1 now reads "Bob's title" by bob`,
		`eu-west-1 now reads "Bob's title" by bob`,
		"CONFLICT on readme",
		`lost:   "Alice's title" by alice`,
		`winner: "Bob's title" by bob`,
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

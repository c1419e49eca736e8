package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestDemo: both regions' streams show the overwrite, the loss is
// delivered once, and it is the one write the emulator says was lost.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := demo(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	if n := strings.Count(s, "CONFLICT"); n != 1 {
		t.Fatalf("%d conflicts delivered, want 1:\n%s", n, s)
	}
	for _, want := range []string{"lost writes (emulator ground truth): 1", `"winner_origin"`, "us-east-1: batch of", "eu-west-1: batch of"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

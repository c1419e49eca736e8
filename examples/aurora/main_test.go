package main

import (
	"bytes"
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestExample runs the example on the in-process control plane and checks
// the story it tells.
func TestExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"global database payments-global: writer us-east-1, regions [us-east-1 us-west-2 eu-west-1], engine postgresql",
		"write in eu-west-1 refused before the network: writer is us-east-1",
		"after the switchover: writer us-west-2",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if bytes.Contains(out.Bytes(), []byte("never-printed")) {
		t.Errorf("the password was printed:\n%s", out.String())
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDocDBExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("docdb: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"primary us-east-1, regions [us-east-1 us-west-2 eu-west-1], retryable writes true",
		"write in eu-west-1 refused before the network: primary is us-east-1",
		"after the switchover: primary us-west-2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "never-printed") {
		t.Error("the password was printed")
	}
}

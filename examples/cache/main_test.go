package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCache runs the example and checks the story it tells.
func TestCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("cache: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"primary us-east-1, members [us-east-1 us-west-2 eu-west-1]",
		"SET session:42 on the primary, us-east-1",
		`GET session:42 = "alice", served by eu-west-1`,
		"accepts writes only in us-east-1, not in eu-west-1",
		"INCR logins = 1 on us-east-1",
		"primary now eu-west-1; INCR logins = 2 there",
		"a write pinned to eu-west-1 is accepted now",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestS3Mesh runs the example and checks the story it tells.
func TestS3Mesh(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("s3mesh: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"plan (6 rules):",
		`"ID": "s3mesh-ap-southeast-2-to-eu-west-1"`,
		`"Minutes": 15`,
		"applied; Verify clean: true",
		"put orders/42.json in ap-southeast-2",
		`get during replication: {"total":42} from ap-southeast-2, replication status PENDING`,
		`get after replication: {"total":42} from us-east-1, replication status REPLICA`,
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

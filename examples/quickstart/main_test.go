package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestQuickstart runs the whole demo and checks the story it tells: the
// nearest region, the reroute, the typed error, the recovery, the failover
// of a read and the surfaced conflict.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"nearest region: us-east-1",
		"rerouted to us-west-2",
		"us-east-1 ejected after",
		"no healthy region among [us-east-1]",
		"us-east-1 is nearest again",
		"drained us-east-1 (by [operator]): calls go to us-west-2",
		"undrained: nearest is us-east-1 again",
		"sessions now picks us-west-2, orders still picks us-east-1",
		"after orders' success and a probe round: us-east-1 healthy for sessions: false",
		"after sessions' own success there: us-east-1 healthy for sessions: true",
		"table profiles: MREC",
		"written in us-east-1",
		"served by us-west-2",
		"CONFLICT surfaced",
		"docdb write in eu-west-1 refused before the network: primary is us-east-1",
		"after SwitchoverGlobalCluster: docdb primary us-west-2",
		"global database payments-global: writer us-east-1, regions [eu-west-1 us-west-2 us-east-1], engine postgresql",
		"aurora write in eu-west-1 refused before the network: writer is us-east-1",
		"after SwitchoverGlobalCluster: aurora writer us-west-2",
		"Global Datastore primary eu-west-1",
		`cache: written on eu-west-1, read "logged-in" from us-east-1 (nearest)`,
		"accepts writes only in eu-west-1, not in us-west-2",
		"the primary is us-west-2; INCR logins = 1 there",
		"s3: 3 buckets, 6 rules applied; Verify clean: true",
		"s3: put logo.svg in eu-west-1",
		"s3: get while replicating: served by eu-west-1 (PENDING)",
		"s3: get after replication: served by us-east-1 (REPLICA)",
	} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

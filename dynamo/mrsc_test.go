package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func mrscOpts(window time.Duration, regions ...multiregion.Region) globaltable.Options {
	o := mrec(regions...)
	o.Mode = globaltable.MRSC
	o.MRSCWriteWindow = window
	return o
}

func totalRequests(e *env) int64 {
	var n int64
	for _, r := range e.rs.Names() {
		n += e.rs.Endpoint(r).Requests()
	}
	return n
}

func TestMRSCDiscoveredAndTransactionsRejectedOffline(t *testing.T) {
	e := newEnv(t, mrscOpts(0, use1, use2, usw2))
	tb := e.table()
	if tb.Consistency() != dynamo.MRSC || len(tb.Replicas()) != 3 {
		t.Fatalf("mode %v replicas %v", tb.Consistency(), tb.Replicas())
	}
	if tb.Conflicts() != nil {
		t.Fatal("MRSC table started a conflict detector")
	}
	ctx := testCtx(t)
	before := totalRequests(e)
	_, err := tb.TransactWrite(ctx, []dynamo.TxOp{tb.TxPut(Doc{PK: "x", SK: 1})})
	var tu *dynamo.TransactionsUnsupportedError
	if !errors.As(err, &tu) || !errors.Is(err, dynamo.ErrTransactionsUnsupported) || tu.Kind != multiregion.DynamoDBMRSC {
		t.Fatalf("TransactWrite err = %v", err)
	}
	if _, err := tb.TransactGet(ctx, []any{Doc{PK: "x", SK: 1}}); !errors.Is(err, dynamo.ErrTransactionsUnsupported) {
		t.Fatalf("TransactGet err = %v", err)
	}
	if after := totalRequests(e); after != before {
		t.Fatalf("%d requests sent by rejected transactions", after-before)
	}
	// Writes are synchronous: a strongly consistent read anywhere sees them.
	m, err := tb.Put(ctx, Doc{PK: "s", SK: 1, Title: "sync"}, dynamo.InRegion(use2))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tb.Get(ctx, Doc{PK: "s", SK: 1}, dynamo.InRegion(usw2), dynamo.WithConsistentRead(true))
	if err != nil || got.Meta.Version != m.Version {
		t.Fatalf("Get in us-west-2 = %+v, %v", got.Meta, err)
	}
}

func TestMRSCWitness(t *testing.T) {
	o := mrscOpts(0, use1, use2)
	o.Witness = string(usw2)
	e := newEnv(t, o)
	tb := e.table()
	if tb.Witness() != usw2 || len(tb.Replicas()) != 2 {
		t.Fatalf("witness %q replicas %v", tb.Witness(), tb.Replicas())
	}
	if _, err := tb.Put(testCtx(t), Doc{PK: "w", SK: 1}, dynamo.InRegion(usw2)); !errors.Is(err, dynamo.ErrNoReplica) {
		t.Fatalf("write pinned to the witness: err = %v", err)
	}
}

func TestMRSCShapeValidatedFromCapabilityTable(t *testing.T) {
	ctx := testCtx(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	mr, err := multiregion.New(ctx, cfg, multiregion.WithRegions(use1, use2, usw2, euw1),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	open := func(replicas ...multiregion.Region) error {
		_, err := dynamo.New[Doc](ctx, mr, "t", dynamo.WithConsistency(dynamo.MRSC), dynamo.WithKeys("pk", "sk"), dynamo.WithReplicas(replicas...))
		return err
	}
	if err := open(use1, use2); !errors.Is(err, multiregion.ErrRegionCount) {
		t.Fatalf("2 regions: %v, want ErrRegionCount", err)
	}
	var ce *multiregion.CapabilityError
	if err := open(use1, use2, euw1); !errors.As(err, &ce) || !errors.Is(err, multiregion.ErrRegionSet) {
		t.Fatalf("mixed region sets: %v, want ErrRegionSet", err)
	}
	tb, err := dynamo.New[Doc](ctx, mr, "t", dynamo.WithConsistency(dynamo.MRSC), dynamo.WithKeys("pk", "sk"),
		dynamo.WithReplicas(use1, use2), func(o *dynamo.Options) { o.Witness = usw2 })
	if err != nil {
		t.Fatalf("2 replicas + witness: %v", err)
	}
	_ = tb.Close()
	// MREC has no such limit.
	tb, err = dynamo.New[Doc](ctx, mr, "t", dynamo.WithKeys("pk", "sk"), dynamo.WithReplicas(use1, euw1),
		func(o *dynamo.Options) { o.DisableConflictDetection = true })
	if err != nil {
		t.Fatal(err)
	}
	_ = tb.Close()
}

func TestMRSCReplicatedWriteConflictRetried(t *testing.T) {
	e := newEnv(t, mrscOpts(30*time.Millisecond, use1, use2, usw2))
	tb, fakes := e.faultTable(func(o *dynamo.Options) { o.ConflictBackoff = 20 * time.Millisecond; o.ConflictRetries = 8 })
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "k", SK: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	// use1's write holds the item for 30 ms: use2's write conflicts, backs
	// off and succeeds.
	m, err := tb.Put(ctx, Doc{PK: "k", SK: 1, By: "use2"}, dynamo.InRegion(use2))
	if err != nil {
		t.Fatalf("Put after conflict: %v", err)
	}
	if n := fakes[use2].count("PutItem"); n < 2 {
		t.Fatalf("us-east-2 PutItem calls = %d, want a conflict then a retry", n)
	}
	if m.Origin != use2 {
		t.Fatalf("origin %s", m.Origin)
	}
}

func TestMRSCConflictErrorAfterRetries(t *testing.T) {
	e := newEnv(t, mrscOpts(2*time.Second, use1, use2, usw2))
	tb := e.table(func(o *dynamo.Options) { o.ConflictBackoff = time.Millisecond; o.ConflictRetries = 2 })
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "k", SK: 1}, dynamo.InRegion(use1)); err != nil {
		t.Fatal(err)
	}
	_, err := tb.Put(ctx, Doc{PK: "k", SK: 1}, dynamo.InRegion(use2))
	var ce *dynamo.ConflictError
	var rwc *types.ReplicatedWriteConflictException
	if !errors.As(err, &ce) || ce.Attempts != 3 || ce.Region != use2 || !errors.Is(err, dynamo.ErrConflict) || !errors.As(err, &rwc) {
		t.Fatalf("err = %v, want ConflictError after 3 attempts", err)
	}
}

package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestTableHasItsOwnRoutingState: a Table registers a Store of its own;
// its failures eject a region for it only. Another Table on the same
// Client keeps using the region, and its successes there do not readmit
// it for the first; the first Table's own probe does.
func TestTableHasItsOwnRoutingState(t *testing.T) {
	e := nearestUSE1(t)
	a, fakes := e.faultTable(func(o *dynamo.Options) { o.StoreName = "dynamo:a" })
	b := e.table(func(o *dynamo.Options) { o.StoreName = "dynamo:b" })
	ctx := testCtx(t)
	if _, err := b.Put(ctx, Doc{PK: "k", SK: 1, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()

	refused := &types.InternalServerError{Message: aws.String("injected: table a only")}
	fakes[use1].set("GetItem", refused, nil)
	// After its first failure us-east-1 is only suspect for a, ranked
	// after eu-west-1; pinned calls fail there until it is ejected.
	got, err := a.Get(ctx, Doc{PK: "k", SK: 1})
	if err != nil || got.Region != euw1 {
		t.Fatalf("Get on a: region %s, %v; want failed over to eu-west-1", got.Region, err)
	}
	for range 2 {
		if _, err := a.Get(ctx, Doc{PK: "k", SK: 1}, dynamo.InRegion(use1)); !errors.Is(err, multiregion.ErrNoHealthyRegion) {
			t.Fatalf("pinned Get on a in us-east-1: %v", err)
		}
	}
	if stA := a.Status(); regionHealthy(t, stA, use1) {
		t.Fatalf("us-east-1 still healthy for a after 3 failures: %+v", stA.Regions)
	}
	for range 5 {
		got, err := b.Get(ctx, Doc{PK: "k", SK: 1})
		if err != nil || got.Region != use1 {
			t.Fatalf("Get on b: region %s, %v; want us-east-1 (a's failures are a's)", got.Region, err)
		}
	}
	if err := e.mr.Refresh(ctx); err != nil { // network probes and b's probe succeed; a's fails
		t.Fatal(err)
	}
	if regionHealthy(t, a.Status(), use1) {
		t.Fatal("us-east-1 readmitted for a by someone else's success")
	}
	if !regionHealthy(t, b.Status(), use1) {
		t.Fatal("us-east-1 ejected for b")
	}
	fakes[use1].set("GetItem", nil, nil) // table a recovers in us-east-1
	if err := e.mr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !regionHealthy(t, a.Status(), use1) {
		t.Fatalf("a's own probe did not readmit us-east-1: %+v", a.Status().Regions)
	}
	got, err = a.Get(ctx, Doc{PK: "k", SK: 1})
	if err != nil || got.Region != use1 {
		t.Fatalf("Get on a after recovery: region %s, %v; want us-east-1", got.Region, err)
	}
}

func regionHealthy(t *testing.T, st multiregion.StoreStatus, r multiregion.Region) bool {
	t.Helper()
	rs, ok := st.Region(r)
	if !ok {
		t.Fatalf("store %s has no region %s", st.Name, r)
	}
	return rs.Healthy
}

// TestEveryRegionFailedIsOneShape: a read that failed in every replica
// returns a *multiregion.NoHealthyRegionError carrying each attempt, the
// same shape as when every region was ejected before the call.
func TestEveryRegionFailedIsOneShape(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	ctx := testCtx(t)
	for _, r := range []multiregion.Region{use1, euw1} {
		fakes[r].set("GetItem", &types.InternalServerError{Message: aws.String("injected in " + string(r))}, nil)
	}
	_, err := tb.Get(ctx, Doc{PK: "k", SK: 1})
	var nh *multiregion.NoHealthyRegionError
	if !errors.Is(err, multiregion.ErrNoHealthyRegion) || !errors.As(err, &nh) {
		t.Fatalf("Get with every region failing: %v", err)
	}
	if len(nh.Attempts) != 2 || nh.Attempts[0].Region != use1 || nh.Attempts[1].Region != euw1 || nh.Store != "dynamo:"+tableName {
		t.Fatalf("attempts = %+v, store %q; want us-east-1 then eu-west-1 on dynamo:%s", nh.Attempts, nh.Store, tableName)
	}
	var re *multiregion.RegionError
	var ise *types.InternalServerError
	if !errors.As(err, &re) || !errors.As(err, &ise) {
		t.Fatalf("attempts' causes not reachable: %v", err)
	}
	for range 3 { // eject both
		_, _ = tb.Get(ctx, Doc{PK: "k", SK: 1})
	}
	_, err = tb.Get(ctx, Doc{PK: "k", SK: 1})
	if !errors.As(err, &nh) || len(nh.Attempts) != 0 || len(nh.LastErrors) != 2 || nh.LastErrors[0] == nil {
		t.Fatalf("Get with every region ejected: %v", err)
	}
}

// TestValidationExceptionIsInvalidInput: DynamoDB's ValidationException
// is the caller's fault: no failover, the region stays healthy, and the
// error matches ErrInvalidInput.
func TestValidationExceptionIsInvalidInput(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	ctx := testCtx(t)
	fakes[use1].set("PutItem", &smithy.GenericAPIError{Code: "ValidationException",
		Message: "One or more parameter values were invalid: An AttributeValue may not contain an empty string", Fault: smithy.FaultClient}, nil)
	_, err := tb.Put(ctx, Doc{PK: "v", SK: 1})
	if !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("Put answered ValidationException: %v, want ErrInvalidInput", err)
	}
	var op *dynamo.OpError
	if !errors.As(err, &op) || op.Region != use1 {
		t.Fatalf("err = %v, want an *OpError in us-east-1", err)
	}
	if fakes[euw1].count("PutItem") != 0 {
		t.Fatal("a ValidationException failed over")
	}
	if n := failures(e.mr, use1); n != 0 {
		t.Fatalf("us-east-1 failures = %d after the caller's fault, want 0", n)
	}
}

// TestClosedClientClosesTables: a Table on a closed Client, and a Table
// whose Client closes under it, fail with multiregion.ErrClosed.
func TestClosedClientClosesTables(t *testing.T) {
	e := nearestUSE1(t)
	tb := e.table()
	ctx := testCtx(t)
	if err := e.mr.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, Doc{PK: "k", SK: 1}); !errors.Is(err, multiregion.ErrClosed) {
		t.Fatalf("Get after the Client closed: %v", err)
	}
	if _, err := tb.Put(ctx, Doc{PK: "k", SK: 1}); !errors.Is(err, multiregion.ErrClosed) {
		t.Fatalf("Put after the Client closed: %v", err)
	}
	if _, err := dynamo.New[Doc](ctx, e.mr, tableName); !errors.Is(err, multiregion.ErrClosed) {
		t.Fatalf("New on a closed Client: %v", err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Get(ctx, Doc{PK: "k", SK: 1}); !errors.Is(err, dynamo.ErrClosed) || !errors.Is(err, multiregion.ErrClosed) {
		t.Fatalf("Get on a closed Table: %v", err)
	}
}

// TestReplicasOutsideTheClient: a table whose replicas include a region
// the Client does not list is an error from New, unless
// AllowPartialReplicas accepts the subset; Status then names it.
func TestReplicasOutsideTheClient(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	ctx := testCtx(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, Retryer: multiregiontest.FirstAnswerRetryer}
	one, err := multiregion.New(ctx, cfg, multiregion.WithRegions(use1),
		multiregion.WithEndpoint(use1, multiregion.ServiceDynamoDB, e.rs.Endpoint(string(use1)).URL),
		multiregion.WithEndpoint(use1, multiregion.ServiceDynamoDBStreams, e.rs.Endpoint(string(use1)).URL),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = one.Close() })
	_, err = dynamo.New[Doc](ctx, one, tableName, func(o *dynamo.Options) { o.ClientOptions = append(o.ClientOptions, noChecksum) })
	var nr *dynamo.NoReplicaError
	if !errors.As(err, &nr) || nr.Region != euw1 || !errors.Is(err, multiregion.ErrUnknownRegion) {
		t.Fatalf("New with a replica outside the Client: %v", err)
	}
	tb, err := dynamo.New[Doc](ctx, one, tableName, func(o *dynamo.Options) {
		o.ClientOptions = append(o.ClientOptions, noChecksum)
		o.AllowPartialReplicas = true
		o.DisableConflictDetection = true
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tb.Close() })
	st := tb.Status()
	if len(st.LeftOut) != 1 || st.LeftOut[0] != euw1 || len(st.Regions) != 1 {
		t.Fatalf("Status = %+v, want eu-west-1 left out and us-east-1 routed", st)
	}
	if _, ok := one.Status().Store("dynamo:" + tableName); !ok {
		t.Fatal("the Client's Status does not list the table's store")
	}
}

// TestTableProbeRanksByItsOwnSamples: after a Refresh the table's store
// has probed every replica with its own GetItem and ranks by those.
func TestTableProbeRanksByItsOwnSamples(t *testing.T) {
	e := nearestUSE1(t)
	tb := e.table()
	// The setup calls (the detector's DescribeTable per region) count for
	// health only: a control-plane call's time is no latency sample.
	for _, r := range tb.Status().Regions {
		if r.Samples != 0 {
			t.Fatalf("region %s has %d latency samples before any data-plane call: %+v", r.Region, r.Samples, r)
		}
	}
	if err := e.mr.Refresh(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	st := tb.Status()
	if !st.OwnLatency || len(st.Regions) != 2 || st.Regions[0].Region != use1 {
		t.Fatalf("table status after a probe round = %+v, want own latency, us-east-1 first", st)
	}
	for _, r := range st.Regions {
		if r.Samples == 0 || r.LastProbe.IsZero() {
			t.Fatalf("region %s not probed by the table: %+v", r.Region, r)
		}
	}
	if euw := st.Regions[1]; euw.Latency < 4*time.Millisecond {
		t.Fatalf("eu-west-1 probe latency %v, want the 5 ms injected", euw.Latency)
	}
}

// TestExcludeRegionsPerCall: a call may leave regions out; bad exclusions
// are the caller's error before any network call.
func TestExcludeRegionsPerCall(t *testing.T) {
	e := nearestUSE1(t)
	tb, fakes := e.faultTable()
	ctx := testCtx(t)
	if _, err := tb.Put(ctx, Doc{PK: "x", SK: 1, Title: "t"}); err != nil {
		t.Fatal(err)
	}
	e.quiesce()
	before := fakes[use1].count("GetItem")
	got, err := tb.Get(ctx, Doc{PK: "x", SK: 1}, dynamo.ExcludeRegions(use1))
	if err != nil || got.Region != euw1 {
		t.Fatalf("Get excluding us-east-1: region %s, %v", got.Region, err)
	}
	if n := fakes[use1].count("GetItem"); n != before {
		t.Fatalf("an excluded region got %d GetItem calls", n-before)
	}
	for name, opts := range map[string][]func(*dynamo.CallOptions){
		"not a replica":         {dynamo.ExcludeRegions("ap-south-1")},
		"pinned and excluded":   {dynamo.InRegion(use1), dynamo.ExcludeRegions(use1)},
		"not on the Client too": {dynamo.ExcludeRegions("us-wets-2")},
	} {
		if _, err := tb.Get(ctx, Doc{PK: "x", SK: 1}, opts...); !errors.Is(err, dynamo.ErrInvalidInput) {
			t.Fatalf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	// Excluding every replica is bad input, known before any request.
	if _, err := tb.Get(ctx, Doc{PK: "x", SK: 1}, dynamo.ExcludeRegions(use1, euw1)); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("every replica excluded: %v, want ErrInvalidInput", err)
	}
}

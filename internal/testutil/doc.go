// Package testutil provides in-process regional endpoints and a fake clock
// for the tests, examples and benchmarks of multiregion and its adapters.
//
// Quick start:
//
//	rs, err := testutil.StartRegions([]string{"us-east-1", "us-west-2"},
//		testutil.WithLatency("us-west-2", 30*time.Millisecond))
//	if err != nil { ... }
//	defer rs.Close()
//	mr, err := multiregion.New(ctx, cfg, rs.Options(multiregion.ServiceDynamoDB))
//	...
//	rs.Endpoint("us-east-1").Down() // connection refused from now on
//	_ = rs.Endpoint("us-east-1").Up()
//
// Each endpoint answers GET / as DynamoDB's front end does, so the Client's
// default prober measures it; WithHandler puts a real API (such as the
// global-table emulator in globaltable) behind the same switch.
package testutil

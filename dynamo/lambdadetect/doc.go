// Package lambdadetect runs the dynamo conflict detector on AWS Lambda:
// a handler for the batches a DynamoDB Streams event source mapping
// delivers, one function per replica region.
//
// Why: DynamoDB Streams serves at most 2 readers per shard, so a fleet of
// service instances cannot each read every stream (dynamo.Options
// DisableConflictDetection turns that off). The event source mapping
// leases each shard to one reader for the whole fleet; this handler judges
// its records with the same detector (package detect) the in-process
// reader uses, and delivers each loss once across regions and retries
// through a ledger table: a conditional PutItem keyed by the lost version
// id (ConditionalCheckFailed: delivered already, or being delivered by
// the function of another region), with a TTL.
//
// A record whose processing failed (the ledger or the conflict handler
// returned an error) is reported in the response's BatchItemFailures, so
// Lambda retries from it (set ReportBatchItemFailures on the mapping).
// A retried batch or a duplicate record delivers nothing twice.
//
// Quick start (see examples/conflictlambda and the README for the
// mapping's settings and the ledger table):
//
//	h, err := lambdadetect.New(lambdadetect.Options{
//		Table: "orders", Region: "us-east-1", PartitionKey: "pk",
//		Ledger: ddb, LedgerTable: "orders-conflicts", Current: ddb,
//		Handler: func(ctx context.Context, c dynamo.Conflict) error { return record(ctx, c) },
//	})
//	...
//	lambda.Start(h.Handle)
package lambdadetect

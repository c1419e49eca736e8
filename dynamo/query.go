package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// QueryInput is one page of a Query.
type QueryInput struct {
	// KeyCondition selects items by key; required.
	KeyCondition expression.KeyConditionBuilder
	// Filter drops items after they are read (they still cost reads).
	// default: none
	Filter *expression.ConditionBuilder
	// IndexName queries a secondary index. default: the table
	IndexName string
	// Limit caps the items evaluated per page. default: DynamoDB's (1 MB)
	Limit int32
	// Descending returns the sort key in descending order. default: false
	Descending bool
	// StartKey continues from a previous page's LastKey. A key is valid in
	// every replica, so pages may come from different regions.
	// default: nil (first page)
	StartKey map[string]types.AttributeValue
}

// QueryOutput is one page of results.
type QueryOutput[T any] struct {
	Items []Item[T]
	// LastKey is set when more pages remain; pass it as StartKey.
	LastKey map[string]types.AttributeValue
	// Region served the page.
	Region multiregion.Region
}

// Query reads one page of items from the nearest healthy replica, failing
// over on regional failure. MREC results may be stale (see Get); a
// strongly consistent Query (CallOptions.ConsistentRead) is current in the
// region that serves it. The page's latency is not used as a latency
// sample (its size says more than the network): success is reported with
// rtt 0.
func (t *Table[T]) Query(ctx context.Context, q QueryInput, optFns ...func(*CallOptions)) (*QueryOutput[T], error) {
	const op = "dynamo.Query"
	co, err := t.callOptions(op, optFns)
	if err != nil {
		return nil, err
	}
	b := expression.NewBuilder().WithKeyCondition(q.KeyCondition)
	if q.Filter != nil {
		b = b.WithFilter(*q.Filter)
	}
	expr, err := b.Build()
	if err != nil {
		return nil, &InputError{Op: op, Reason: "bad key condition or filter", Err: err}
	}
	if q.Limit < 0 {
		return nil, &InputError{Op: op, Reason: "negative Limit"}
	}
	// Tombstones (deleted items, tombstone.go) are filtered out by the
	// server; like any filtered item they still count toward Limit.
	filter := "attribute_not_exists(#mr_d)"
	if f := expr.Filter(); f != nil {
		filter = "(" + *f + ") AND " + filter
	}
	in := &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          &filter,
		ExpressionAttributeNames:  mergeMaps(map[string]string{"#mr_d": t.meta.del}, expr.Names()),
		ExpressionAttributeValues: expr.Values(),
		ExclusiveStartKey:         q.StartKey,
	}
	if q.IndexName != "" {
		in.IndexName = aws.String(q.IndexName)
	}
	if q.Limit > 0 {
		in.Limit = aws.Int32(q.Limit)
	}
	if q.Descending {
		in.ScanIndexForward = aws.Bool(false)
	}
	if co.ConsistentRead {
		in.ConsistentRead = aws.Bool(true)
	}
	var res *dynamodb.QueryOutput
	r, err := t.route(ctx, op, opRead, co, "", func(ctx context.Context, r multiregion.Region, api API) error {
		out, err := api.Query(ctx, in)
		if err := t.report(ctx, r, time.Time{}, err, false); err != nil {
			return err
		}
		res = out
		return nil
	})
	if err != nil {
		return nil, err
	}
	page := &QueryOutput[T]{Region: r, LastKey: res.LastEvaluatedKey, Items: make([]Item[T], 0, len(res.Items))}
	for _, raw := range res.Items {
		it, err := t.decodeItem(op, r, raw)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, it)
	}
	return page, nil
}

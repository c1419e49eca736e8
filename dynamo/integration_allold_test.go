//go:build integration

package dynamo_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// TestDynaliteConditionFailureItem records whether the lab's dynalite
// returns the item of a failed condition
// (ReturnValuesOnConditionCheckFailure=ALL_OLD), and checks that the
// one-round-trip writes are right either way: a second Table's blind
// overwrite learns the version (from the failure, or by a read when the
// item is not returned) and names it as Prev.
func TestDynaliteConditionFailureItem(t *testing.T) {
	const region = multiregion.Region("us-east-1")
	ctx := testCtx(t)
	mr, table := dynaliteTable(t, "dynamo-allold-")
	raw := dynamodb.NewFromConfig(mr.Config(region))
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberN{Value: "1"}}
	if _, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	_, err := raw.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional PutItem: %v", err)
	}
	t.Logf("dynalite returns the item of a failed condition (ALL_OLD): %v", ccf.Item != nil)

	open := func(name string) *dynamo.Table[Doc] {
		tb, err := dynamo.New[Doc](ctx, mr, table, dynamo.WithReplicas(region), dynamo.WithKeys("pk", "sk"),
			func(o *dynamo.Options) { o.DisableConflictDetection, o.StoreName = true, name })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tb.Close() })
		return tb
	}
	a, b := open("a"), open("b")
	m1, err := a.Put(ctx, Doc{PK: "b", SK: 1})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := b.Put(ctx, Doc{PK: "b", SK: 1, Title: "blind"})
	if err != nil || m2.Prev != m1.Version {
		t.Fatalf("blind overwrite: %+v, %v; want Prev %s", m2, err, m1.Version)
	}
	m3, err := a.Put(ctx, Doc{PK: "b", SK: 1, Title: "stale cache"})
	if err != nil || m3.Prev != m2.Version {
		t.Fatalf("stale cache: %+v, %v; want Prev %s", m3, err, m2.Version)
	}
}

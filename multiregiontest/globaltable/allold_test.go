package globaltable_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestReturnValuesOnConditionCheckFailure: a failed condition with ALL_OLD
// carries the stored item in ConditionalCheckFailedException.Item (PutItem,
// UpdateItem, DeleteItem) and in the transaction's CancellationReasons.
func TestReturnValuesOnConditionCheckFailure(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, use2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "old"}))
	c := ctx(t)
	cond := aws.String("attribute_not_exists(pk)")
	all := types.ReturnValuesOnConditionCheckFailureAllOld
	check := func(name string, err error, withItem bool) {
		t.Helper()
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Fatalf("%s: want ConditionalCheckFailedException, got %v", name, err)
		}
		if got := attr(ccf.Item, "v"); withItem && got != "old" || !withItem && ccf.Item != nil {
			t.Fatalf("%s: Item = %v (withItem %v)", name, ccf.Item, withItem)
		}
	}
	_, err := l.ddb[use1].PutItem(c, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: itemWith("a", 1, nil),
		ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	check("PutItem", err, true)
	_, err = l.ddb[use1].PutItem(c, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: itemWith("a", 1, nil), ConditionExpression: cond})
	check("PutItem without", err, false)
	_, err = l.ddb[use1].UpdateItem(c, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("a", 1),
		UpdateExpression: aws.String("SET v = :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": strAV("n")},
		ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	check("UpdateItem", err, true)
	_, err = l.ddb[use1].DeleteItem(c, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("a", 1),
		ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	check("DeleteItem", err, true)
	_, err = l.ddb[use1].TransactWriteItems(c, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("b", 1, nil)}},
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("a", 1, nil), ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	if r := tce.CancellationReasons[1]; aws.ToString(r.Code) != "ConditionalCheckFailed" || attr(r.Item, "v") != "old" {
		t.Fatalf("reason 1: %+v", r)
	}
	if r := tce.CancellationReasons[0]; aws.ToString(r.Code) != "None" {
		t.Fatalf("reason 0: %+v", r)
	}
}

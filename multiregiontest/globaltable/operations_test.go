package globaltable_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func TestConditionalPutAndReturnValues(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	c := l.ddb[use1]
	in := &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: itemWith("k", 1, map[string]string{"v": "1"}),
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
	out, err := c.PutItem(ctx(t), in)
	must.NoError(t, err)
	must.Empty(t, out.Attributes, "ReturnValues NONE returns nothing")
	_, err = c.PutItem(ctx(t), in)
	var ccf *types.ConditionalCheckFailedException
	must.ErrorAs(t, err, &ccf)
	must.Len(t, l.emu.Writes(), 1, "a failed condition is not a write")

	out, err = c.PutItem(ctx(t), &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: itemWith("k", 1, map[string]string{"v": "2"}),
		ReturnValues: types.ReturnValueAllOld,
	})
	must.NoError(t, err)
	must.Equal(t, "1", attr(out.Attributes, "v"))
}

func TestUpdateItemReturnValues(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1", "w": "keep"}))
	update := func(rv types.ReturnValue, v string) map[string]types.AttributeValue {
		out, err := l.ddb[use1].UpdateItem(ctx(t), &dynamodb.UpdateItemInput{
			TableName: aws.String("t"), Key: key("k", 1),
			UpdateExpression:          aws.String("SET v = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": strAV(v)},
			ReturnValues:              rv,
		})
		must.NoError(t, err)
		return out.Attributes
	}
	allNew := update(types.ReturnValueAllNew, "2")
	must.Equal(t, "2", attr(allNew, "v"))
	must.Equal(t, "keep", attr(allNew, "w"))
	updatedOld := update(types.ReturnValueUpdatedOld, "3")
	must.Equal(t, "2", attr(updatedOld, "v"))
	must.Equal(t, "", attr(updatedOld, "w"))
	must.Equal(t, "4", attr(update(types.ReturnValueUpdatedNew, "4"), "v"))
	must.Equal(t, "4", attr(update(types.ReturnValueAllOld, "5"), "v"))
	l.quiesce()
	must.Equal(t, "5", attr(l.get(usw2, "t", key("k", 1)), "v"))
}

func TestQueryBatchWriteAndBatchGet(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	var reqs []types.WriteRequest
	for i := range 5 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: itemWith("p", i, map[string]string{"v": "x"})}})
	}
	reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: itemWith("q", 0, nil)}})
	out, err := l.ddb[use1].BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": reqs}})
	must.NoError(t, err)
	must.Empty(t, out.UnprocessedItems)
	must.Len(t, l.emu.Writes(), 6, "a batch is one write per item")
	l.quiesce()

	q, err := l.ddb[usw2].Query(ctx(t), &dynamodb.QueryInput{
		TableName:              aws.String("t"),
		KeyConditionExpression: aws.String("pk = :p AND sk >= :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": strAV("p"), ":s": &types.AttributeValueMemberN{Value: "2"},
		},
	})
	must.NoError(t, err)
	must.Len(t, q.Items, 3, "the batch replicated to usw2")

	bg, err := l.ddb[usw2].BatchGetItem(ctx(t), &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key("p", 0), key("q", 0), key("zz", 9)}}},
	})
	must.NoError(t, err)
	must.Len(t, bg.Responses["t"], 2)

	_, err = l.ddb[use1].BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {
		{DeleteRequest: &types.DeleteRequest{Key: key("p", 0)}},
		{PutRequest: &types.PutRequest{Item: key("p", 0)}},
	}}})
	must.ErrorContains(t, err, "duplicates")

	del, err := l.ddb[use1].BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"t": {
		{DeleteRequest: &types.DeleteRequest{Key: key("p", 0)}},
	}}})
	must.NoError(t, err)
	must.Empty(t, del.UnprocessedItems)
	l.quiesce()
	must.Nil(t, l.get(usw2, "t", key("p", 0)))

	scan, err := l.ddb[usw2].Scan(ctx(t), &dynamodb.ScanInput{TableName: aws.String("t")})
	must.NoError(t, err)
	must.Len(t, scan.Items, 5)
}

// MREC transactions are atomic in the region that ran them; each item then
// replicates on its own.
func TestMRECTransactWriteItems(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "1"}))
	_, err := l.ddb[use1].TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("b", 1, nil)}},
		{Delete: &types.Delete{TableName: aws.String("t"), Key: key("a", 1)}},
	}})
	must.NoError(t, err)
	l.quiesce()
	must.NotNil(t, l.get(usw2, "t", key("b", 1)))
	must.Nil(t, l.get(usw2, "t", key("a", 1)))
	must.Len(t, l.emu.Writes(), 3)

	_, err = l.ddb[use1].TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("c", 1, nil)}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("t"), Key: key("a", 1), ConditionExpression: aws.String("attribute_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	must.ErrorAs(t, err, &tce)
	must.Nil(t, l.get(use1, "t", key("c", 1)), "a cancelled transaction writes nothing")
	must.Len(t, l.emu.Writes(), 3)
}

func TestPutItemMissingKeyIsValidationError(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1}})
	l.createTable(use1, "t")
	_, err := l.ddb[use1].PutItem(ctx(t), &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: map[string]types.AttributeValue{"pk": strAV("x")},
	})
	must.ErrorContains(t, err, "ValidationException")
	must.ErrorContains(t, err, "Missing the key sk")
}

// Empty lists and maps keep their type on the wire and across replication.
func TestEmptyListAndMapRoundTrip(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	it := key("k", 1)
	it["l"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	it["m"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	l.put(use1, "t", it)
	l.quiesce()
	got := l.get(usw2, "t", key("k", 1))
	_, isList := got["l"].(*types.AttributeValueMemberL)
	_, isMap := got["m"].(*types.AttributeValueMemberM)
	must.True(t, isList, "l is %T", got["l"])
	must.True(t, isMap, "m is %T", got["m"])
}

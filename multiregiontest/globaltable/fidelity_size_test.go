package globaltable_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

const (
	msgTooBig       = "Item size has exceeded the maximum allowed size"
	msgUpdateTooBig = "Item size to update has exceeded the maximum allowed size"
)

// bigItem is pk "a", sk 1 and an attribute "big" sized so that the item is
// exactly size bytes by DynamoDB's rule: pk+a is 3, sk+1 is 2+2, "big" 3.
func bigItem(size int) avm {
	return avm{"pk": avS("a"), "sk": avN("1"), "big": avS(strings.Repeat("x", size-10))}
}

func TestFidelity_ItemSizeLimit(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	c := l.ddb[use1]
	put := func(it avm) error {
		_, err := c.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it})
		return err
	}
	must.NoError(t, put(bigItem(400*1024)), "exactly 400 KB is allowed")
	mustValidation(t, put(bigItem(400*1024+1)), msgTooBig)

	// BatchWriteItem and TransactWriteItems refuse it too, and write nothing.
	over := bigItem(400*1024 + 1)
	over["sk"] = avN("2")
	_, err := c.BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"t": {{PutRequest: &types.PutRequest{Item: itemWith("ok", 1, nil)}}, {PutRequest: &types.PutRequest{Item: over}}}}})
	mustValidation(t, err, msgTooBig)
	_, err = c.TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("ok", 1, nil)}},
		{Put: &types.Put{TableName: aws.String("t"), Item: over}}}})
	mustValidation(t, err, msgTooBig)
	must.Nil(t, l.get(use1, "t", key("ok", 1)), "a refused batch or transaction writes nothing")
	must.Len(t, l.emu.Writes(), 1)
}

func TestFidelity_UpdatedItemSizeLimit(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	c := l.ddb[use1]
	l.put(use1, "t", bigItem(300*1024))
	grow := func(extra int) error {
		_, err := c.UpdateItem(ctx(t), &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("a", 1),
			UpdateExpression:          aws.String("SET more = :v"),
			ExpressionAttributeValues: avm{":v": avS(strings.Repeat("y", extra))}})
		return err
	}
	mustValidation(t, grow(100*1024), msgUpdateTooBig)
	got := l.get(use1, "t", key("a", 1))
	must.Equal(t, "", attr(got, "more"), "the refused update changed nothing")
	must.Len(t, l.emu.Writes(), 1, "and is no write")

	// 300 KB + "more" (4) + 100 KB - 4 bytes: exactly 400 KB.
	must.NoError(t, grow(100*1024-4))

	// In a transaction, a too-large update undoes the other items too.
	_, err := c.TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: itemWith("other", 1, map[string]string{"v": "new"})}},
		{Update: &types.Update{TableName: aws.String("t"), Key: key("a", 1),
			UpdateExpression: aws.String("SET extra = :v"), ExpressionAttributeValues: avm{":v": avS("z")}}}}})
	mustValidation(t, err, msgUpdateTooBig)
	must.Nil(t, l.get(use1, "t", key("other", 1)), "the transaction's put was undone")
	must.Equal(t, "", attr(l.get(use1, "t", key("a", 1)), "extra"))
	must.Len(t, l.emu.Writes(), 2)
	l.quiesce()
	must.Equal(t, 100*1024-4, len(attr(l.get(usw2, "t", key("a", 1)), "more")), "only accepted writes replicate")
}

func TestFidelity_UpdateExpressionOverlap(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	c := l.ddb[use1]
	update := func(expr string, names map[string]string) error {
		_, err := c.UpdateItem(ctx(t), &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("k", 1),
			UpdateExpression: aws.String(expr), ExpressionAttributeNames: names,
			ExpressionAttributeValues: avm{":x": avS("1"), ":y": avS("2")}})
		return err
	}
	const prefix = "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; "
	mustValidation(t, update("SET a = :x, a = :y", nil), prefix+"path one: [a], path two: [a]")
	mustValidation(t, update("SET #a = :x, a = :y", map[string]string{"#a": "a"}), prefix+"path one: [a], path two: [a]")
	mustValidation(t, update("SET p.q = :x REMOVE p", nil), prefix+"path one: [p, q], path two: [p]")
	_, err := c.TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("t"), Key: key("k", 1), UpdateExpression: aws.String("SET a = :x, a = :y"),
			ExpressionAttributeValues: avm{":x": avS("1"), ":y": avS("2")}}}}})
	mustValidation(t, err, prefix+"path one: [a], path two: [a]")
	must.Empty(t, l.emu.Writes())

	must.NoError(t, update("SET a = :x, b = :y", nil), "distinct paths are fine")
	must.NoError(t, update("SET a = if_not_exists(a, :x), c = :y", nil), "reading a path is not writing it")
}

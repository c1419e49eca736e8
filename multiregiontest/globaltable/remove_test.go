package globaltable_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestUpdateRemove: REMOVE in an update expression deletes the attributes
// (minidyn alone keeps them), in storage, in ALL_NEW, in the replicated
// image and inside a transaction.
func TestUpdateRemove(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1", "w": "2", "x": "3", "y": "4"}))
	out, err := l.ddb[use1].UpdateItem(ctx(t), &dynamodb.UpdateItemInput{
		TableName: aws.String("t"), Key: key("k", 1),
		UpdateExpression:          aws.String("SET v = :v REMOVE w, #x"),
		ExpressionAttributeNames:  map[string]string{"#x": "x"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": strAV("9")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	must.NoError(t, err)
	must.Equal(t, "9", attr(out.Attributes, "v"))
	must.Nil(t, out.Attributes["w"], "w in ALL_NEW")
	must.Nil(t, out.Attributes["x"], "x in ALL_NEW")
	l.quiesce()
	for _, r := range []string{use1, usw2} {
		got := l.get(r, "t", key("k", 1))
		must.Nil(t, got["w"], "w in "+r)
		must.Nil(t, got["x"], "x in "+r)
		must.Equal(t, "4", attr(got, "y"))
	}
	_, err = l.ddb[use1].TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
		Update: &types.Update{TableName: aws.String("t"), Key: key("k", 1), UpdateExpression: aws.String("REMOVE y")},
	}}})
	must.NoError(t, err)
	must.Nil(t, l.get(use1, "t", key("k", 1))["y"], "y after a transaction")
}

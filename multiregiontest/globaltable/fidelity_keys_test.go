package globaltable_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// The messages DynamoDB answers with (its wording since empty non-key
// strings became legal in 2020).
const (
	msgEmptyPK    = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
	msgEmptySK    = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk"
	msgEmptyBinPK = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk"
	msgEmptyBinSK = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk"
	msgBadKey     = "The provided key element does not match the schema"
)

// mustValidation fails unless err is what the SDK makes of DynamoDB's
// ValidationException: HTTP 400, code ValidationException, message msg.
func mustValidation(t *testing.T, err error, msg string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
		t.Fatalf("want a ValidationException, got %T: %v", err, err)
	}
	if api.ErrorMessage() != msg {
		t.Fatalf("want message\n  %q\ngot\n  %q", msg, api.ErrorMessage())
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Fatalf("want HTTP 400, got %v", err)
	}
}

// keyTables creates "ss" (pk S + sk S) and "bb" (pk B + sk B) next to the
// standard "t" (pk S + sk N).
func keyTables(t *testing.T, l *lab) {
	t.Helper()
	l.createTable(use1, "t")
	for name, ty := range map[string]func(string) multiregiontest.KeyAttribute{"ss": multiregiontest.StringKey, "bb": multiregiontest.BinaryKey} {
		_, err := l.ddb[use1].CreateTable(ctx(t), multiregiontest.TableInput(name, ty("pk"), ty("sk")))
		must.NoError(t, err)
	}
}

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avB(v string) types.AttributeValue { return &types.AttributeValueMemberB{Value: []byte(v)} }
func avN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

type avm = map[string]types.AttributeValue

// badKeys are keys DynamoDB refuses, per table, with its message.
var badKeys = []struct {
	name, table string
	key         avm
	msg         string
}{
	{"empty string partition key", "t", avm{"pk": avS(""), "sk": avN("1")}, msgEmptyPK},
	{"empty string sort key", "ss", avm{"pk": avS("a"), "sk": avS("")}, msgEmptySK},
	{"empty binary partition key", "bb", avm{"pk": avB(""), "sk": avB("x")}, msgEmptyBinPK},
	{"empty binary sort key", "bb", avm{"pk": avB("x"), "sk": avB("")}, msgEmptyBinSK},
}

func TestFidelity_EmptyKeyInWrites(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	keyTables(t, l)
	c := l.ddb[use1]
	for _, tc := range badKeys {
		t.Run(tc.name, func(t *testing.T) {
			item := avm{"v": avS("x")}
			for k, v := range tc.key {
				item[k] = v
			}
			tbl := aws.String(tc.table)
			_, err := c.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: tbl, Item: item})
			mustValidation(t, err, tc.msg)
			_, err = c.UpdateItem(ctx(t), &dynamodb.UpdateItemInput{TableName: tbl, Key: tc.key,
				UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: avm{":v": avS("x")}})
			mustValidation(t, err, tc.msg)
			_, err = c.DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: tbl, Key: tc.key})
			mustValidation(t, err, tc.msg)
			_, err = c.BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				tc.table: {{PutRequest: &types.PutRequest{Item: item}}}}})
			mustValidation(t, err, tc.msg)
			_, err = c.BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				tc.table: {{DeleteRequest: &types.DeleteRequest{Key: tc.key}}}}})
			mustValidation(t, err, tc.msg)
			for _, ti := range []types.TransactWriteItem{
				{Put: &types.Put{TableName: tbl, Item: item}},
				{Update: &types.Update{TableName: tbl, Key: tc.key, UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: avm{":v": avS("x")}}},
				{Delete: &types.Delete{TableName: tbl, Key: tc.key}},
				{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: tc.key, ConditionExpression: aws.String("attribute_exists(v)")}},
			} {
				_, err = c.TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{ti}})
				mustValidation(t, err, tc.msg)
			}
		})
	}
	must.Empty(t, l.emu.Writes(), "a refused request writes nothing")
}

func TestFidelity_EmptyKeyInReads(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	keyTables(t, l)
	c := l.ddb[use1]
	for _, tc := range badKeys {
		t.Run(tc.name, func(t *testing.T) {
			tbl := aws.String(tc.table)
			_, err := c.GetItem(ctx(t), &dynamodb.GetItemInput{TableName: tbl, Key: tc.key})
			mustValidation(t, err, tc.msg)
			_, err = c.BatchGetItem(ctx(t), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				tc.table: {Keys: []avm{tc.key}}}})
			mustValidation(t, err, tc.msg)
			_, err = c.TransactGetItems(ctx(t), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tbl, Key: tc.key}}}})
			mustValidation(t, err, tc.msg)
			_, err = c.Query(ctx(t), &dynamodb.QueryInput{TableName: tbl,
				KeyConditionExpression:    aws.String("#p = :p AND #s = :s"),
				ExpressionAttributeNames:  map[string]string{"#p": "pk", "#s": "sk"},
				ExpressionAttributeValues: avm{":p": tc.key["pk"], ":s": tc.key["sk"]}})
			mustValidation(t, err, tc.msg)
		})
	}
	// A sort-key condition in a function and in BETWEEN is checked too.
	_, err := c.Query(ctx(t), &dynamodb.QueryInput{TableName: aws.String("ss"),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: avm{":p": avS("a"), ":s": avS("")}})
	mustValidation(t, err, msgEmptySK)
	_, err = c.Query(ctx(t), &dynamodb.QueryInput{TableName: aws.String("ss"),
		KeyConditionExpression:    aws.String("pk = :p AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: avm{":p": avS("a"), ":lo": avS(""), ":hi": avS("z")}})
	mustValidation(t, err, msgEmptySK)
	// A valid query still works.
	out, err := c.Query(ctx(t), &dynamodb.QueryInput{TableName: aws.String("ss"),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :s)"),
		ExpressionAttributeValues: avm{":p": avS("a"), ":s": avS("x")}})
	must.NoError(t, err)
	must.Len(t, out.Items, 0)
}

func TestFidelity_KeyTypeMismatch(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	keyTables(t, l)
	c := l.ddb[use1]
	_, err := c.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: avm{"pk": avN("7"), "sk": avN("1")}})
	mustValidation(t, err, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
	_, err = c.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: avm{"pk": avS("a"), "sk": avS("1")}})
	mustValidation(t, err, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S")
	_, err = c.TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("bb"), Item: avm{"pk": avS("a"), "sk": avB("x")}}}}})
	mustValidation(t, err, "One or more parameter values were invalid: Type mismatch for key pk expected: B actual: S")
	_, err = c.PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: avm{"pk": avS("a")}})
	mustValidation(t, err, "One or more parameter values were invalid: Missing the key sk in the item")

	// Key-taking calls: a wrong type, a missing or an extra attribute.
	for _, k := range []avm{{"pk": avN("7"), "sk": avN("1")}, {"pk": avS("a")}, {"pk": avS("a"), "sk": avN("1"), "v": avS("x")}} {
		_, err = c.GetItem(ctx(t), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: k})
		mustValidation(t, err, msgBadKey)
		_, err = c.DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: k})
		mustValidation(t, err, msgBadKey)
	}
	_, err = c.Query(ctx(t), &dynamodb.QueryInput{TableName: aws.String("t"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: avm{":p": avN("7")}})
	mustValidation(t, err, "One or more parameter values were invalid: Condition parameter type does not match schema type")
	must.Empty(t, l.emu.Writes())
}

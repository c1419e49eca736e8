//go:build integration

package lab

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest"
)

// TestDynamoDBAPI: each region's dynalite answers the real aws-sdk-go-v2 client:
// CreateTable, conditional PutItem (and its ConditionalCheckFailedException),
// GetItem and Query.
func TestDynamoDBAPI(t *testing.T) {
	env := labEnv(t)
	forEachRegion(t, env, env.Regions(), func(t *testing.T, name string, r Region) {
		ctx := testContext(t, 60*time.Second)
		db := dynamodb.New(dynamodb.Options{
			Region:       name,
			BaseEndpoint: aws.String(r.DynamoDB),
			Credentials:  staticCreds("lab", "lab"),
			HTTPClient:   awsHTTPClient(t),
		})
		table := unique("lab-smoke-")
		_, err := db.CreateTable(ctx, multiregiontest.TableInput(table, multiregiontest.StringKey("pk"), multiregiontest.NumberKey("sk")))
		if err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
		t.Cleanup(func() {
			ctx := testContext(t, 10*time.Second)
			_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		})
		waiter := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
		})
		if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 10*time.Second); err != nil {
			t.Fatalf("table not ACTIVE: %v", err)
		}

		item := func(sk, v string) map[string]types.AttributeValue {
			return map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "user#1"},
				"sk": &types.AttributeValueMemberN{Value: sk},
				"v":  &types.AttributeValueMemberS{Value: v},
			}
		}
		put := func(sk, v string) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName:           aws.String(table),
				Item:                item(sk, v),
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			return err
		}
		for _, sk := range []string{"1", "2", "3"} {
			if err := put(sk, "first"); err != nil {
				t.Fatalf("conditional PutItem sk=%s: %v", sk, err)
			}
		}
		var ccf *types.ConditionalCheckFailedException
		if err := put("2", "second"); !errors.As(err, &ccf) {
			t.Fatalf("second conditional PutItem: err = %v, want ConditionalCheckFailedException", err)
		}

		got, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      aws.String(table),
			Key:            map[string]types.AttributeValue{"pk": item("2", "")["pk"], "sk": item("2", "")["sk"]},
			ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		if v, ok := got.Item["v"].(*types.AttributeValueMemberS); !ok || v.Value != "first" {
			t.Fatalf("GetItem v = %#v, want \"first\" (the failed put must not have written)", got.Item["v"])
		}

		q, err := db.Query(ctx, &dynamodb.QueryInput{
			TableName:              aws.String(table),
			KeyConditionExpression: aws.String("pk = :pk AND sk >= :from"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":   &types.AttributeValueMemberS{Value: "user#1"},
				":from": &types.AttributeValueMemberN{Value: "2"},
			},
			ScanIndexForward: aws.Bool(false),
		})
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		var sks []string
		for _, it := range q.Items {
			sks = append(sks, it["sk"].(*types.AttributeValueMemberN).Value)
		}
		if q.Count != 2 || len(sks) != 2 || sks[0] != "3" || sks[1] != "2" {
			t.Fatalf("Query sk >= 2 descending = %v (count %d), want [3 2]", sks, q.Count)
		}
	})
}

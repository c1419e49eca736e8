package globaltable_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// Two regions write the same item before replication: after Quiesce both
// hold the later write, and LostWrites names the one that was discarded.
func Example() {
	ctx := context.Background()
	emu, err := globaltable.New(globaltable.Options{
		Regions:          []string{"us-east-1", "eu-west-1"},
		ReplicationDelay: time.Hour, // replicate only when the example says so
	})
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	srv, err := emu.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()

	client := func(region string) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL(region)),
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			HTTPClient:   &http.Client{Transport: tr},
		})
	}
	us, eu := client("us-east-1"), client("eu-west-1")

	_, err = us.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("carts"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		panic(err)
	}
	put := func(c *dynamodb.Client, items string) {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("carts"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "cart-1"}, "items": &types.AttributeValueMemberS{Value: items},
		}})
		if err != nil {
			panic(err)
		}
	}
	put(us, "book")
	put(eu, "lamp") // later internal timestamp

	if err := emu.Quiesce(ctx); err != nil {
		panic(err)
	}
	for _, c := range []*dynamodb.Client{us, eu} {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("carts"), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "cart-1"}},
		})
		if err != nil {
			panic(err)
		}
		fmt.Println(c.Options().Region, out.Item["items"].(*types.AttributeValueMemberS).Value)
	}
	for _, w := range emu.LostWrites("carts") {
		fmt.Println("lost:", w.Kind, "in", w.Region, w.Key)
	}
	// Output:
	// us-east-1 lamp
	// eu-west-1 lamp
	// lost: put in us-east-1 {"id":{"S":"cart-1"}}
}

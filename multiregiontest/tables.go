package multiregiontest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// KeyAttribute is one key attribute of a table: its name and scalar type.
type KeyAttribute struct {
	Name string
	Type types.ScalarAttributeType
}

// StringKey is a key attribute of type S.
func StringKey(name string) KeyAttribute { return KeyAttribute{name, types.ScalarAttributeTypeS} }

// NumberKey is a key attribute of type N.
func NumberKey(name string) KeyAttribute { return KeyAttribute{name, types.ScalarAttributeTypeN} }

// BinaryKey is a key attribute of type B.
func BinaryKey(name string) KeyAttribute { return KeyAttribute{name, types.ScalarAttributeTypeB} }

// TableInput returns the CreateTable request of a global table as the
// dynamo adapter expects one: keyed by partition (and, if given, sort),
// billed PAY_PER_REQUEST, with a NEW_AND_OLD_IMAGES stream (what
// replication and lost-write detection read). Each call returns a new
// value, so the caller may change it (add indexes, say).
func TableInput(name string, partition KeyAttribute, sort ...KeyAttribute) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
	add := func(k KeyAttribute, kt types.KeyType) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String(k.Name), AttributeType: k.Type})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: kt})
	}
	add(partition, types.KeyTypeHash)
	if len(sort) > 0 {
		add(sort[0], types.KeyTypeRange)
	}
	return in
}

package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// probeKeyValue is the key value the table's probe reads. No item has it
// unless a caller writes one; a miss costs 0.5 read capacity unit.
const probeKeyValue = "_mr_probe"

// prober is the table's own probe: an eventually consistent GetItem of a
// key that does not exist, projecting the key only. Unlike the Client's
// network probe (the regional DynamoDB front end), it proves this table
// answers in the region, and its time is comparable with the table's own
// reads. DescribeTable would prove as much but is a control-plane call
// with lower rate limits, which a fleet of probing processes could reach.
func (t *Table[T]) prober() multiregion.Prober {
	key := map[string]types.AttributeValue{t.keys.pk: t.probeKeyAttr(t.keys.pk)}
	if t.keys.sk != "" {
		key[t.keys.sk] = t.probeKeyAttr(t.keys.sk)
	}
	in := &dynamodb.GetItemInput{TableName: aws.String(t.name), Key: key,
		ProjectionExpression: aws.String("#k"), ExpressionAttributeNames: map[string]string{"#k": t.keys.pk}}
	return multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
		api := t.client(r)
		start := time.Now()
		_, err := api.GetItem(ctx, in)
		rtt := time.Since(start)
		if err == nil {
			return rtt, nil
		}
		// An answer that is the caller's fault (say, a key type the probe
		// guessed wrong) still proves the table's region answers; a
		// missing table or a regional failure does not.
		if c := classify(ctx, err); c == route.Caller && !isNotFound(err) {
			return rtt, nil
		}
		return 0, err
	})
}

// probeKeyAttr is the probe's value for key attribute name, of the type
// DescribeTable gave (a string when the table was not described).
func (t *Table[T]) probeKeyAttr(name string) types.AttributeValue {
	switch t.keyTypes[name] {
	case types.ScalarAttributeTypeN:
		return &types.AttributeValueMemberN{Value: "-9.87654321e-125"}
	case types.ScalarAttributeTypeB:
		return &types.AttributeValueMemberB{Value: []byte(probeKeyValue)}
	}
	return &types.AttributeValueMemberS{Value: probeKeyValue}
}

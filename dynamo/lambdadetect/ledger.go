package lambdadetect

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// Ledger attribute names: the table's partition key, its TTL attribute,
// the claiming record and the delivery state.
const (
	LedgerKey     = "id"
	LedgerTTLAttr = "exp"
	attrClaimer   = "claimer"
	attrState     = "st"
	statePending  = "pending"
	stateDone     = "delivered"
)

// ledger deduplicates deliveries across functions and retries: one item
// per lost version id. A record claims an id with a conditional PutItem
// that succeeds when the id is new, or when the same record (region and
// sequence number: a retry or a duplicate of it) claimed it and has not
// delivered it yet. ConditionalCheckFailed means someone else has it.
type ledger struct {
	api   LedgerAPI
	table string
	ttl   time.Duration
	clock multiregion.Clock
}

// claim claims l.Lost, then each ancestor, and returns the ids this
// record holds, Lost first; none if Lost is another's.
func (lg ledger) claim(ctx context.Context, claimer string, l detect.Loss) ([]string, error) {
	ok, err := lg.claimOne(ctx, claimer, l.Lost)
	if err != nil || !ok {
		return nil, err
	}
	ids := []string{l.Lost}
	for _, a := range l.LostAncestors {
		ok, err := lg.claimOne(ctx, claimer, a)
		if err != nil {
			return nil, err
		}
		if ok {
			ids = append(ids, a)
		}
	}
	return ids, nil
}

func (lg ledger) claimOne(ctx context.Context, claimer, id string) (bool, error) {
	exp := lg.clock.Now().Add(lg.ttl).Unix()
	_, err := lg.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &lg.table,
		Item: map[string]types.AttributeValue{
			LedgerKey:     &types.AttributeValueMemberS{Value: id},
			attrClaimer:   &types.AttributeValueMemberS{Value: claimer},
			attrState:     &types.AttributeValueMemberS{Value: statePending},
			LedgerTTLAttr: &types.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)},
		},
		ConditionExpression:      aws.String("attribute_not_exists(#id) OR (#c = :me AND #s = :pending)"),
		ExpressionAttributeNames: map[string]string{"#id": LedgerKey, "#c": attrClaimer, "#s": attrState},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":me": &types.AttributeValueMemberS{Value: claimer}, ":pending": &types.AttributeValueMemberS{Value: statePending},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ccf):
		return false, nil
	}
	return false, &LedgerError{Table: lg.table, Version: id, Err: err}
}

// delivered marks ids delivered, so a later duplicate of the record
// claims nothing.
func (lg ledger) delivered(ctx context.Context, claimer string, ids []string) error {
	for _, id := range ids {
		_, err := lg.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                &lg.table,
			Key:                      map[string]types.AttributeValue{LedgerKey: &types.AttributeValueMemberS{Value: id}},
			UpdateExpression:         aws.String("SET #s = :done"),
			ConditionExpression:      aws.String("#c = :me"),
			ExpressionAttributeNames: map[string]string{"#c": attrClaimer, "#s": attrState},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":me": &types.AttributeValueMemberS{Value: claimer}, ":done": &types.AttributeValueMemberS{Value: stateDone},
			},
		})
		if err != nil {
			return &LedgerError{Table: lg.table, Version: id, Err: err}
		}
	}
	return nil
}

// LedgerError is a failed ledger call (not a ConditionalCheckFailed,
// which means delivered already).
type LedgerError struct {
	Table   string // the ledger table
	Version string // the lost version id
	Err     error
}

func (e *LedgerError) Error() string {
	return "lambdadetect: ledger " + e.Table + ", version " + e.Version + ": " + e.Err.Error()
}

func (e *LedgerError) Unwrap() error { return e.Err }

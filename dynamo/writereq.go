package dynamo

import (
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// The requests of the versioned writes, shared by the single-item calls
// (Put, Delete) and the transaction items (TxPut, TxDelete), so that a
// write means the same in both.

// putRequest is a conditional put of a versioned write: the item stamped
// with its new version m, conditioned on the version it replaces.
type putRequest struct {
	item   map[string]types.AttributeValue
	cond   string
	names  map[string]string
	values map[string]types.AttributeValue
	m      Meta
}

// putOver is the put of av in r over seen (Put, TxPut).
func (t *Table[T]) putOver(r multiregion.Region, av map[string]types.AttributeValue, seen current) putRequest {
	m := t.nextMeta(r, seen.Meta)
	item := maps.Clone(av)
	t.meta.stamp(item, m)
	cond, names, values := t.versionCondition(seen.Version)
	return putRequest{item: item, cond: cond, names: names, values: values, m: m}
}

// tombstoneOver is the tombstone of key in r over the live item seen,
// ANDed with the caller's condition if any (Delete, TxDelete).
func (t *Table[T]) tombstoneOver(r multiregion.Region, key map[string]types.AttributeValue, seen current, cond *expression.Expression) putRequest {
	item, m := t.tombstone(r, key, seen.Meta)
	c, names, values := t.versionCondition(seen.Version)
	p := putRequest{item: item, cond: c, names: names, values: values, m: m}
	if cond != nil {
		p.cond = "(" + aws.ToString(cond.Condition()) + ") AND (" + c + ")"
		p.names = mergeMaps(names, cond.Names())
		p.values = mergeMaps(values, cond.Values())
	}
	return p
}

// absentCheck is the ConditionCheck of a delete of an item that is absent
// or a tombstone (seen): it writes nothing, holds while the version is
// unchanged, and evaluates the caller's condition (if any) as on an absent
// item (absentKeyNames).
func (t *Table[T]) absentCheck(key map[string]types.AttributeValue, seen current, cond *expression.Expression) *types.ConditionCheck {
	c, names, values := t.versionCondition(seen.Version)
	check := &types.ConditionCheck{TableName: &t.name, Key: key, ConditionExpression: &c,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if cond != nil {
		userNames := cond.Names()
		if seen.Deleted {
			userNames = t.absentKeyNames(userNames, "")
		}
		check.ConditionExpression = aws.String("(" + aws.ToString(cond.Condition()) + ") AND (" + c + ")")
		check.ExpressionAttributeNames = mergeMaps(names, userNames)
		check.ExpressionAttributeValues = mergeMaps(values, cond.Values())
	}
	return check
}

package globaltable

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/truora/minidyn/server"
)

// The checks of key-taking reads. Each runs under the region lock, before
// the read, and fails the call as DynamoDB does instead of returning
// "not found" for a key DynamoDB would refuse.

func checkGetItem(r *region, in *server.GetItemInput) error {
	meta, err := r.table(aws.ToString(in.TableName))
	if err != nil {
		return err
	}
	return meta.checkKey(in.Key)
}

func checkBatchGet(r *region, in *server.BatchGetItemInput) error {
	for table, ka := range in.RequestItems {
		meta, err := r.table(table)
		if err != nil {
			return err
		}
		for _, k := range ka.Keys {
			if err := meta.checkKey(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkTransactGet(r *region, in *server.TransactGetItemsInput) error {
	for _, ti := range in.TransactItems {
		if ti.Get == nil {
			continue
		}
		meta, err := r.table(aws.ToString(ti.Get.TableName))
		if err != nil {
			return err
		}
		if err := meta.checkKey(ti.Get.Key); err != nil {
			return err
		}
	}
	return nil
}

// checkQuery validates the values a query compares key attributes with:
// not empty, and of the attribute's declared type. Every value placeholder
// of a KeyConditionExpression belongs to the attribute named last before it
// (pk = :v, sk BETWEEN :a AND :b, begins_with(sk, :p)); the legacy
// KeyConditions name theirs directly. Index keys are declared in
// AttributeDefinitions too, so a query on an index is checked the same way.
func checkQuery(r *region, in *server.QueryInput) error {
	meta, err := r.table(aws.ToString(in.TableName))
	if err != nil {
		return err
	}
	for name, c := range in.KeyConditions {
		for _, v := range c.AttributeValueList {
			if err := meta.checkKeyCondition(name, v); err != nil {
				return err
			}
		}
	}
	toks, ok := tokenize(aws.ToString(in.KeyConditionExpression))
	if !ok {
		return nil
	}
	attr := ""
	for i, t := range toks {
		switch {
		case strings.HasPrefix(t, ":"):
			if v, ok := in.ExpressionAttributeValues[t]; ok && v != nil && attr != "" {
				if err := meta.checkKeyCondition(attr, v); err != nil {
					return err
				}
			}
		case strings.HasPrefix(t, "#"):
			attr = in.ExpressionAttributeNames[t]
		case isIdent(t) && !isKeyConditionWord(t) && (i+1 == len(toks) || toks[i+1] != "("):
			attr = t
		}
	}
	return nil
}

func isKeyConditionWord(t string) bool {
	switch strings.ToUpper(t) {
	case "AND", "BETWEEN":
		return true
	}
	return false
}

// checkKeyCondition validates one value compared with key attribute name;
// attributes the table does not declare are not keys and are left alone.
func (m *tableMeta) checkKeyCondition(name string, v *server.AttributeValue) error {
	want := m.keyType(name)
	if want == "" {
		return nil
	}
	if avType(v) != want {
		return errValidation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	return emptyKeyValue(name, v)
}

package globaltable

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbschemas "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// writeOutput answers a call with out. A table-administration call already
// returns the SDK's output shape. A data-plane call returns minidyn's, which
// is converted to the SDK's and encoded by the SDK codec because minidyn's
// JSON AttributeValue tags L and M omitempty: an empty list or map would go
// out as {} and lose its type.
func writeOutput(w http.ResponseWriter, out any) {
	switch o := out.(type) {
	case *server.GetItemOutput:
		writeSDK(w, ddbProto, ddbschemas.GetItem, ddbschemas.GetItemOutput, &dynamodb.GetItemOutput{Item: toDDBItem(o.Item)})
	case *server.QueryOutput:
		writeSDK(w, ddbProto, ddbschemas.Query, ddbschemas.QueryOutput, &dynamodb.QueryOutput{
			Items: toDDBItems(o.Items), Count: o.Count, ScannedCount: o.ScannedCount, LastEvaluatedKey: toDDBItem(o.LastEvaluatedKey),
		})
	case *server.ScanOutput:
		writeSDK(w, ddbProto, ddbschemas.Scan, ddbschemas.ScanOutput, &dynamodb.ScanOutput{
			Items: toDDBItems(o.Items), Count: o.Count, ScannedCount: o.ScannedCount, LastEvaluatedKey: toDDBItem(o.LastEvaluatedKey),
		})
	case *server.BatchGetItemOutput:
		res := &dynamodb.BatchGetItemOutput{
			Responses:       map[string][]map[string]ddbtypes.AttributeValue{},
			UnprocessedKeys: map[string]ddbtypes.KeysAndAttributes{},
		}
		for t, items := range o.Responses {
			res.Responses[t] = toDDBItems(items)
		}
		for t, ka := range o.UnprocessedKeys {
			res.UnprocessedKeys[t] = ddbtypes.KeysAndAttributes{
				Keys: toDDBItems(ka.Keys), AttributesToGet: ka.AttributesToGet, ConsistentRead: ka.ConsistentRead,
				ExpressionAttributeNames: ka.ExpressionAttributeNames, ProjectionExpression: ka.ProjectionExpression,
			}
		}
		writeSDK(w, ddbProto, ddbschemas.BatchGetItem, ddbschemas.BatchGetItemOutput, res)
	case *server.TransactGetItemsOutput:
		res := &dynamodb.TransactGetItemsOutput{Responses: []ddbtypes.ItemResponse{}}
		for _, r := range o.Responses {
			res.Responses = append(res.Responses, ddbtypes.ItemResponse{Item: toDDBItem(r.Item)})
		}
		writeSDK(w, ddbProto, ddbschemas.TransactGetItems, ddbschemas.TransactGetItemsOutput, res)
	case *server.PutItemOutput:
		writeSDK(w, ddbProto, ddbschemas.PutItem, ddbschemas.PutItemOutput, &dynamodb.PutItemOutput{Attributes: toDDBItem(o.Attributes)})
	case *server.UpdateItemOutput:
		writeSDK(w, ddbProto, ddbschemas.UpdateItem, ddbschemas.UpdateItemOutput, &dynamodb.UpdateItemOutput{Attributes: toDDBItem(o.Attributes)})
	case *server.DeleteItemOutput:
		writeSDK(w, ddbProto, ddbschemas.DeleteItem, ddbschemas.DeleteItemOutput, &dynamodb.DeleteItemOutput{Attributes: toDDBItem(o.Attributes)})
	case *server.BatchWriteItemOutput:
		res := &dynamodb.BatchWriteItemOutput{UnprocessedItems: map[string][]ddbtypes.WriteRequest{}}
		for t, reqs := range o.UnprocessedItems {
			for _, r := range reqs {
				var wr ddbtypes.WriteRequest
				if r.PutRequest != nil {
					wr.PutRequest = &ddbtypes.PutRequest{Item: toDDBItem(r.PutRequest.Item)}
				}
				if r.DeleteRequest != nil {
					wr.DeleteRequest = &ddbtypes.DeleteRequest{Key: toDDBItem(r.DeleteRequest.Key)}
				}
				res.UnprocessedItems[t] = append(res.UnprocessedItems[t], wr)
			}
		}
		writeSDK(w, ddbProto, ddbschemas.BatchWriteItem, ddbschemas.BatchWriteItemOutput, res)
	case *server.TransactWriteItemsOutput:
		writeSDK(w, ddbProto, ddbschemas.TransactWriteItems, ddbschemas.TransactWriteItemsOutput, &dynamodb.TransactWriteItemsOutput{})
	case *dynamodb.CreateTableOutput:
		writeSDK(w, ddbProto, ddbschemas.CreateTable, ddbschemas.CreateTableOutput, o)
	case *dynamodb.DeleteTableOutput:
		writeSDK(w, ddbProto, ddbschemas.DeleteTable, ddbschemas.DeleteTableOutput, o)
	case *dynamodb.DescribeTableOutput:
		writeSDK(w, ddbProto, ddbschemas.DescribeTable, ddbschemas.DescribeTableOutput, o)
	case *dynamodb.UpdateTableOutput:
		writeSDK(w, ddbProto, ddbschemas.UpdateTable, ddbschemas.UpdateTableOutput, o)
	case *dynamodb.ListTablesOutput:
		writeSDK(w, ddbProto, ddbschemas.ListTables, ddbschemas.ListTablesOutput, o)
	default:
		writeJSON(w, out)
	}
}

func toDDBItems(items []item) []map[string]ddbtypes.AttributeValue {
	if items == nil {
		return []map[string]ddbtypes.AttributeValue{} // DynamoDB always sends Items
	}
	out := make([]map[string]ddbtypes.AttributeValue, len(items))
	for i, it := range items {
		out[i] = toDDBItem(it)
	}
	return out
}

func toDDBItem(it item) map[string]ddbtypes.AttributeValue {
	if len(it) == 0 {
		return nil
	}
	out := make(map[string]ddbtypes.AttributeValue, len(it))
	for k, v := range it {
		out[k] = toDDBAV(v)
	}
	return out
}

// toDDBAV mirrors toStreamAV for the DynamoDB SDK's AttributeValue; the two
// SDK modules declare distinct types with the same wire form.
func toDDBAV(v *server.AttributeValue) ddbtypes.AttributeValue {
	switch {
	case v == nil:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}
	case v.S != nil:
		return &ddbtypes.AttributeValueMemberS{Value: *v.S}
	case v.N != nil:
		return &ddbtypes.AttributeValueMemberN{Value: *v.N}
	case v.B != nil:
		return &ddbtypes.AttributeValueMemberB{Value: v.B}
	case v.BOOL != nil:
		return &ddbtypes.AttributeValueMemberBOOL{Value: *v.BOOL}
	case v.NULL != nil:
		return &ddbtypes.AttributeValueMemberNULL{Value: *v.NULL}
	case v.SS != nil:
		return &ddbtypes.AttributeValueMemberSS{Value: derefAll(v.SS)}
	case v.NS != nil:
		return &ddbtypes.AttributeValueMemberNS{Value: derefAll(v.NS)}
	case v.BS != nil:
		return &ddbtypes.AttributeValueMemberBS{Value: v.BS}
	case v.L != nil:
		l := make([]ddbtypes.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = toDDBAV(e)
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}
	case v.M != nil:
		m := make(map[string]ddbtypes.AttributeValue, len(v.M))
		for k, e := range v.M {
			m[k] = toDDBAV(e)
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}
	default:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}
	}
}

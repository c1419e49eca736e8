package dynamo_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

func TestBadInputIsTypedAndOffline(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	ctx := testCtx(t)
	if _, err := dynamo.New[Doc](ctx, e.mr, ""); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("empty table name: %v", err)
	}
	if _, err := dynamo.New[Doc](ctx, nil, "x"); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("nil client: %v", err)
	}
	_, err := dynamo.New[Doc](ctx, e.mr, "no-such-table")
	var tnf *dynamo.TableNotFoundError
	if !errors.Is(err, dynamo.ErrTableNotFound) || errors.Is(err, dynamo.ErrNoReplica) || !errors.As(err, &tnf) || tnf.Region == "" {
		t.Fatalf("missing table: %v", err)
	}
	_, err = dynamo.New[Doc](ctx, e.mr, tableName, dynamo.WithReplicas(use1, "ap-south-1"), dynamo.WithKeys("pk", "sk"))
	var nr *dynamo.NoReplicaError
	if !errors.As(err, &nr) || nr.Region != "ap-south-1" || !errors.Is(err, multiregion.ErrUnknownRegion) {
		t.Fatalf("static replica outside the client: %v", err)
	}
	if _, err := dynamo.New[Doc](ctx, e.mr, tableName, dynamo.WithConsistency(dynamo.MRSC)); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("MRSC requested on an MREC table: %v", err)
	}

	tm, err := dynamo.New[map[string]any](ctx, e.mr, tableName, func(o *dynamo.Options) {
		o.ClientOptions = append(o.ClientOptions, noChecksum)
		o.DisableConflictDetection = true
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	before := totalRequests(e)
	var ke *dynamo.KeyError
	if _, err := tm.Put(ctx, map[string]any{"pk": "a", "title": "no sort key"}); !errors.As(err, &ke) || ke.Attribute != "sk" {
		t.Fatalf("missing sort key: %v", err)
	}
	if _, err := tm.Put(ctx, map[string]any{"pk": []string{"x"}, "sk": 1}); !errors.As(err, &ke) || ke.Attribute != "pk" {
		t.Fatalf("list as partition key: %v", err)
	}
	var me *dynamo.MarshalError
	if _, err := tm.Put(ctx, map[string]any{"pk": "a", "sk": 1, "bad": badValue{}}); !errors.As(err, &me) || !errors.Is(err, dynamo.ErrInvalidInput) || !errors.Is(err, errBadValue) {
		t.Fatalf("unmarshalable value: %v", err)
	}
	if _, err := tm.Put(ctx, map[string]any{"pk": "a", "sk": 1, "": "empty attribute name"}); !errors.As(err, &me) {
		t.Fatalf("empty attribute name: %v", err)
	}
	if _, err := tm.Get(ctx, nil); !errors.As(err, &ke) {
		t.Fatalf("nil key: %v", err)
	}
	if _, err := tm.Get(ctx, 42); !errors.As(err, &me) {
		t.Fatalf("scalar key: %v", err)
	}
	if _, err := tm.Get(ctx, map[string]any{"pk": "a", "sk": 1}, dynamo.InRegion("ap-south-1")); !errors.As(err, &nr) {
		t.Fatalf("region without a replica: %v", err)
	}
	if _, err := tm.Update(ctx, map[string]any{"pk": "a", "sk": 1}, expression.UpdateBuilder{}); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("empty update: %v", err)
	}
	if _, err := tm.Query(ctx, dynamo.QueryInput{}); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("empty query: %v", err)
	}
	if _, err := tm.TransactWrite(ctx, nil); !errors.Is(err, dynamo.ErrInvalidInput) {
		t.Fatalf("empty transaction: %v", err)
	}
	if _, err := tm.TransactWrite(ctx, []dynamo.TxOp{tm.TxPut(map[string]any{"pk": "a"})}); !errors.As(err, &ke) {
		t.Fatalf("transaction put without key: %v", err)
	}
	if after := totalRequests(e); after != before {
		t.Fatalf("bad input sent %d requests", after-before)
	}
	_ = tm.Close()
	if _, err := tm.Get(ctx, map[string]any{"pk": "a", "sk": 1}); !errors.Is(err, dynamo.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

var errBadValue = errors.New("this value refuses to be marshaled")

// badValue is a type attributevalue cannot marshal: its marshaler fails.
type badValue struct{}

func (badValue) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return nil, errBadValue
}

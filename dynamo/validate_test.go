package dynamo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/dynamo"
)

type clobbering struct {
	PK  string `dynamodbav:"pk"`
	SK  int    `dynamodbav:"sk"`
	Ver string `dynamodbav:"_mr_ver"`
}

type embeddedMeta struct {
	Del bool `dynamodbav:"_mr_del"`
}

type clobberingEmbedded struct {
	PK string `dynamodbav:"pk"`
	SK int    `dynamodbav:"sk"`
	embeddedMeta
}

type untagged struct {
	PK     string `dynamodbav:"pk"`
	SK     int    `dynamodbav:"sk"`
	Mr_ver string // no tag: the field name is the attribute name
}

type noSortKey struct {
	PK string `dynamodbav:"pk"`
}

// TestNewRejectsItemTypes: T's attribute names (tags, field names,
// embedded structs, as attributevalue encodes them) must not carry the
// metadata prefix, and T must have the table's key attributes.
func TestNewRejectsItemTypes(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	ctx := testCtx(t)
	static := func(o *dynamo.Options) { o.ClientOptions = append(o.ClientOptions, noChecksum) }
	check := func(name string, err error, attr string) {
		t.Helper()
		var me *dynamo.MetadataAttributeError
		if !errors.As(err, &me) || me.Attribute != attr || !errors.Is(err, dynamo.ErrInvalidInput) {
			t.Fatalf("%s: err = %v, want MetadataAttributeError naming %s", name, err, attr)
		}
	}
	_, err := dynamo.New[clobbering](ctx, e.mr, tableName, static)
	check("tagged", err, "_mr_ver")
	_, err = dynamo.New[clobberingEmbedded](ctx, e.mr, tableName, static)
	check("embedded", err, "_mr_del")
	_, err = dynamo.New[untagged](ctx, e.mr, tableName, static, func(o *dynamo.Options) { o.MetadataPrefix = "Mr_" })
	check("field name", err, "Mr_ver")
	_, err = dynamo.New[noSortKey](ctx, e.mr, tableName, static)
	var ke *dynamo.KeyError
	if !errors.As(err, &ke) || ke.Attribute != "sk" {
		t.Fatalf("T without the sort key: err = %v", err)
	}
}

// TestInvalidInputSendsNothing: each bad input is a typed error, and the
// endpoint saw no request.
func TestInvalidInputSendsNothing(t *testing.T) {
	e := newEnv(t, mrec(use1, euw1))
	quiet := func(o *dynamo.Options) { o.DisableConflictDetection, o.DisableProbe = true, true }
	docs := e.table(quiet)
	maps, err := dynamo.New[map[string]any](testCtx(t), e.mr, tableName, quiet, func(o *dynamo.Options) {
		o.ClientOptions = append(o.ClientOptions, noChecksum)
		o.StoreName = "dynamo:maps"
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = maps.Close() })
	ctx := testCtx(t)
	key := Doc{PK: "k", SK: 1}
	big := strings.Repeat("x", dynamo.MaxItemSize-200) // fits alone, not with the stamp
	cases := []struct {
		name string
		call func() error
		want any
	}{
		{"map item with _mr_del", func() error {
			_, err := maps.Put(ctx, map[string]any{"pk": "k", "sk": 1, "_mr_del": true})
			return err
		}, new(*dynamo.MetadataAttributeError)},
		{"Update SET _mr_del", func() error {
			_, err := docs.Update(ctx, key, expression.Set(expression.Name("_mr_del"), expression.Value(true)))
			return err
		}, new(*dynamo.MetadataAttributeError)},
		{"Update SET _mr_ver", func() error {
			_, err := docs.Update(ctx, key, expression.Set(expression.Name("_mr_ver"), expression.Value("x")))
			return err
		}, new(*dynamo.MetadataAttributeError)},
		{"Delete condition on _mr_origin", func() error {
			_, err := docs.Delete(ctx, key, dynamo.WithCondition(expression.AttributeExists(expression.Name("_mr_origin"))))
			return err
		}, new(*dynamo.MetadataAttributeError)},
		{"TxCheck on _mr_ver", func() error {
			_, err := docs.TransactWrite(ctx, []dynamo.TxOp{docs.TxCheck(key, expression.AttributeExists(expression.Name("_mr_ver")))})
			return err
		}, new(*dynamo.MetadataAttributeError)},
		{"empty partition key", func() error {
			_, err := maps.Put(ctx, map[string]any{"pk": "", "sk": 1})
			return err
		}, new(*dynamo.KeyError)},
		{"empty partition key in a raw key", func() error {
			_, err := docs.Get(ctx, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{}, "sk": &types.AttributeValueMemberN{Value: "1"}})
			return err
		}, new(*dynamo.KeyError)},
		{"410 KB item", func() error {
			_, err := docs.Put(ctx, Doc{PK: "k", SK: 1, Title: strings.Repeat("x", 410*1024)})
			return err
		}, new(*dynamo.ItemTooLargeError)},
		{"under 400 KB, over with the stamp", func() error {
			_, err := docs.Put(ctx, Doc{PK: "k", SK: 1, Title: big})
			return err
		}, new(*dynamo.ItemTooLargeError)},
	}
	for _, c := range cases {
		var err error
		if n := e.requests(func() { err = c.call() }); n != 0 {
			t.Errorf("%s: %d requests sent", c.name, n)
		}
		if !errors.Is(err, dynamo.ErrInvalidInput) || !errors.As(err, c.want) {
			t.Errorf("%s: err = %v, want %T", c.name, err, c.want)
		}
	}
	var tl *dynamo.ItemTooLargeError
	_, err = docs.Put(ctx, Doc{PK: "k", SK: 1, Title: big})
	if !errors.As(err, &tl) || tl.Metadata <= 0 || tl.Size <= dynamo.MaxItemSize || tl.Size-tl.Metadata >= dynamo.MaxItemSize {
		t.Fatalf("ItemTooLargeError = %+v", tl)
	}
}

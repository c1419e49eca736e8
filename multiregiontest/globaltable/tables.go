package globaltable

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// tableMeta is what the emulator knows about a global table beyond
// minidyn's storage. Immutable once published; an update publishes a copy.
type tableMeta struct {
	name        string
	incarnation uint64 // bumps on every CreateTable, so stale replication of a deleted table is dropped
	created     time.Time
	keyAttrs    []string // hash key, then range key if any
	attrDefs    []ddbtypes.AttributeDefinition
	keySchema   []ddbtypes.KeySchemaElement
	billing     ddbtypes.BillingMode
	streamLabel string
}

// tableRegistry serialises table administration across regions; its mutex
// is the first in the lock order.
type tableRegistry struct {
	mu          sync.Mutex
	byName      map[string]*tableMeta
	incarnation uint64
}

// lookup returns the global table name. Callers hold t.mu.
func (t *tableRegistry) lookup(name string) (*tableMeta, error) {
	if meta, ok := t.byName[name]; ok {
		return meta, nil
	}
	return nil, errNoTable(name)
}

// table returns the table name as this replica holds it. Callers hold r.mu.
func (r *region) table(name string) (*tableMeta, error) {
	if meta := r.tables[name]; meta != nil {
		return meta, nil
	}
	return nil, errNoTable(name)
}

// createTable creates the table in every replica region: a global table.
func (h *regionHandler) createTable(ctx context.Context, in *server.CreateTableInput) (any, error) {
	name := aws.ToString(in.TableName)
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	if _, ok := e.tables.byName[name]; ok {
		return nil, &ddbtypes.ResourceInUseException{Message: aws.String("Table already exists: " + name)}
	}
	// minidyn validation is deterministic, so if the first region accepts
	// the definition every region does; a later failure is rolled back anyway.
	for i, r := range e.regions {
		r.mu.Lock()
		_, err := r.db.CreateTable(ctx, in)
		r.mu.Unlock()
		if err != nil {
			for _, done := range e.regions[:i] {
				done.mu.Lock()
				_, _ = done.db.DeleteTable(ctx, &server.DeleteTableInput{TableName: in.TableName})
				done.mu.Unlock()
			}
			return nil, err
		}
	}
	e.tables.incarnation++
	now := time.Now().UTC()
	meta := &tableMeta{
		name:        name,
		incarnation: e.tables.incarnation,
		created:     now,
		attrDefs:    in.AttributeDefinitions,
		keySchema:   in.KeySchema,
		billing:     in.BillingMode,
		streamLabel: now.Format("2006-01-02T15:04:05.000"),
	}
	for _, typ := range []ddbtypes.KeyType{ddbtypes.KeyTypeHash, ddbtypes.KeyTypeRange} {
		for _, k := range in.KeySchema {
			if k.KeyType == typ {
				meta.keyAttrs = append(meta.keyAttrs, aws.ToString(k.AttributeName))
			}
		}
	}
	if meta.billing == "" {
		meta.billing = ddbtypes.BillingModeProvisioned
		if in.ProvisionedThroughput == nil {
			meta.billing = ddbtypes.BillingModePayPerRequest
		}
	}
	e.tables.byName[name] = meta
	for _, r := range e.regions {
		r.mu.Lock()
		r.tables[name] = meta
		r.versions[name] = map[string]version{}
		r.streams[name] = newStream(r.name, meta)
		r.mu.Unlock()
	}
	// AWS answers CreateTable with CREATING; DescribeTable reports ACTIVE at once.
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusCreating)
	if err != nil {
		return nil, err
	}
	return &dynamodb.CreateTableOutput{TableDescription: td}, nil
}

// deleteTable deletes the table, its versions and its stream everywhere.
func (h *regionHandler) deleteTable(ctx context.Context, in *server.DeleteTableInput) (any, error) {
	name := aws.ToString(in.TableName)
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	meta, err := e.tables.lookup(name)
	if err != nil {
		return nil, err
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusDeleting)
	if err != nil {
		return nil, err
	}
	for _, r := range e.regions {
		r.mu.Lock()
		_, _ = r.db.DeleteTable(ctx, in)
		delete(r.tables, name)
		delete(r.versions, name)
		delete(r.streams, name)
		r.mu.Unlock()
	}
	delete(e.tables.byName, name)
	return &dynamodb.DeleteTableOutput{TableDescription: td}, nil
}

func (h *regionHandler) describeTable(ctx context.Context, in *server.DescribeTableInput) (any, error) {
	h.r.mu.Lock()
	meta, err := h.r.table(aws.ToString(in.TableName))
	h.r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusActive)
	if err != nil {
		return nil, err
	}
	return &dynamodb.DescribeTableOutput{Table: td}, nil
}

// updateTable applies index changes in every region. The replica set and
// consistency mode are fixed by the emulator's Options, as a real global
// table's mode cannot change after creation.
func (h *regionHandler) updateTable(ctx context.Context, in *server.UpdateTableInput) (any, error) {
	if len(in.ReplicaUpdates) > 0 || in.MultiRegionConsistency != "" {
		return nil, errValidation("the emulator's replica set and consistency mode are fixed by its Options")
	}
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	meta, err := e.tables.lookup(aws.ToString(in.TableName))
	if err != nil {
		return nil, err
	}
	for _, r := range e.regions {
		r.mu.Lock()
		_, err := r.db.UpdateTable(ctx, in)
		r.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusActive)
	if err != nil {
		return nil, err
	}
	return &dynamodb.UpdateTableOutput{TableDescription: td}, nil
}

// listTablesInput is the request shape of ListTables.
type listTablesInput struct {
	ExclusiveStartTableName string
	Limit                   int
}

func (h *regionHandler) listTables(_ context.Context, in *listTablesInput) (any, error) {
	h.r.mu.Lock()
	var names []string
	for name := range h.r.tables {
		if name > in.ExclusiveStartTableName {
			names = append(names, name)
		}
	}
	h.r.mu.Unlock()
	slices.Sort(names)
	out := &dynamodb.ListTablesOutput{TableNames: names}
	if in.Limit > 0 && len(names) > in.Limit {
		out.TableNames = names[:in.Limit]
		out.LastEvaluatedTableName = aws.String(names[in.Limit-1])
	}
	return out, nil
}

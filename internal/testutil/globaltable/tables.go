package globaltable

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbschemas "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas"
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

// createTable creates the table in every replica region: a global table.
func (h *regionHandler) createTable(ctx context.Context, w http.ResponseWriter, body []byte) {
	in, err := decode[server.CreateTableInput](body)
	if err != nil {
		writeError(w, err)
		return
	}
	name := aws.ToString(in.TableName)
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	if _, ok := e.tables.byName[name]; ok {
		writeError(w, &ddbtypes.ResourceInUseException{Message: aws.String("Table already exists: " + name)})
		return
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
			writeError(w, err)
			return
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
		writeError(w, err)
		return
	}
	writeSDK(w, ddbProto, ddbschemas.CreateTable, ddbschemas.CreateTableOutput, &dynamodb.CreateTableOutput{TableDescription: td})
}

// deleteTable deletes the table, its versions and its stream everywhere.
func (h *regionHandler) deleteTable(ctx context.Context, w http.ResponseWriter, body []byte) {
	in, err := decode[server.DeleteTableInput](body)
	if err != nil {
		writeError(w, err)
		return
	}
	name := aws.ToString(in.TableName)
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	meta, ok := e.tables.byName[name]
	if !ok {
		writeError(w, errNoTable(name))
		return
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusDeleting)
	if err != nil {
		writeError(w, err)
		return
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
	writeSDK(w, ddbProto, ddbschemas.DeleteTable, ddbschemas.DeleteTableOutput, &dynamodb.DeleteTableOutput{TableDescription: td})
}

func (h *regionHandler) describeTable(ctx context.Context, w http.ResponseWriter, body []byte) {
	in, err := decode[server.DescribeTableInput](body)
	if err != nil {
		writeError(w, err)
		return
	}
	h.r.mu.Lock()
	meta := h.r.tables[aws.ToString(in.TableName)]
	h.r.mu.Unlock()
	if meta == nil {
		writeError(w, errNoTable(aws.ToString(in.TableName)))
		return
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusActive)
	if err != nil {
		writeError(w, err)
		return
	}
	writeSDK(w, ddbProto, ddbschemas.DescribeTable, ddbschemas.DescribeTableOutput, &dynamodb.DescribeTableOutput{Table: td})
}

// updateTable applies index changes in every region. The replica set and
// consistency mode are fixed by the emulator's Options, as a real global
// table's mode cannot change after creation.
func (h *regionHandler) updateTable(ctx context.Context, w http.ResponseWriter, body []byte) {
	in, err := decode[server.UpdateTableInput](body)
	if err != nil {
		writeError(w, err)
		return
	}
	if len(in.ReplicaUpdates) > 0 || in.MultiRegionConsistency != "" {
		writeError(w, errValidation("the emulator's replica set and consistency mode are fixed by its Options"))
		return
	}
	name := aws.ToString(in.TableName)
	e := h.e
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	meta, ok := e.tables.byName[name]
	if !ok {
		writeError(w, errNoTable(name))
		return
	}
	for _, r := range e.regions {
		r.mu.Lock()
		_, err := r.db.UpdateTable(ctx, in)
		r.mu.Unlock()
		if err != nil {
			writeError(w, err)
			return
		}
	}
	td, err := h.describe(ctx, meta, ddbtypes.TableStatusActive)
	if err != nil {
		writeError(w, err)
		return
	}
	writeSDK(w, ddbProto, ddbschemas.UpdateTable, ddbschemas.UpdateTableOutput, &dynamodb.UpdateTableOutput{TableDescription: td})
}

func (h *regionHandler) listTables(w http.ResponseWriter, body []byte) {
	in, err := decode[struct {
		ExclusiveStartTableName string
		Limit                   int
	}](body)
	if err != nil {
		writeError(w, err)
		return
	}
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
	writeSDK(w, ddbProto, ddbschemas.ListTables, ddbschemas.ListTablesOutput, out)
}

package globaltable

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// Replica set changes at runtime (MREC), as UpdateTable ReplicaUpdates
// does on AWS. A region listed in Options.Regions can be removed (its
// replica is gone: every request there answers ResourceNotFoundException,
// no replication reaches it, DescribeTable elsewhere no longer lists it)
// and added again (CREATING: backfilled from a live replica and
// replicated to, listed with ReplicaStatus CREATING, until
// ActivateReplica makes it ACTIVE). The region keeps its endpoint
// throughout, as an AWS region does.

// Replica states of a region (region.state).
const (
	replicaActive   int32 = iota // the zero value: every region starts ACTIVE
	replicaCreating              // added, backfilled, not ACTIVE yet
	replicaRemoved               // not a replica
)

// RemoveReplica removes region's replica. At least one ACTIVE replica must
// stay. MREC only.
func (e *Emulator) RemoveReplica(region string) error {
	if e.opts.Mode != MREC {
		return fmt.Errorf("globaltable: RemoveReplica: the replica set of an MRSC table is fixed")
	}
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	r, ok := e.byName[region]
	if !ok || r.state.Load() == replicaRemoved {
		return fmt.Errorf("globaltable: RemoveReplica: %s is not a replica region", region)
	}
	active := 0
	for _, o := range e.regions {
		if o != r && o.state.Load() == replicaActive {
			active++
		}
	}
	if active == 0 {
		return fmt.Errorf("globaltable: RemoveReplica: %s is the last ACTIVE replica", region)
	}
	r.state.Store(replicaRemoved)
	return nil
}

// AddReplica adds a replica in region, a region of Options.Regions removed
// before: its tables are backfilled from the first ACTIVE replica and it
// receives replication from now on, in state CREATING until
// ActivateReplica. MREC only.
func (e *Emulator) AddReplica(ctx context.Context, name string) error {
	e.tables.mu.Lock()
	defer e.tables.mu.Unlock()
	dst, ok := e.byName[name]
	if !ok || dst.state.Load() != replicaRemoved {
		return fmt.Errorf("globaltable: AddReplica: %s is not a removed replica region of the emulator", name)
	}
	var src *region
	for _, o := range e.regions {
		if o.state.Load() == replicaActive {
			src = o
			break
		}
	}
	dst.state.Store(replicaCreating) // from now on replication reaches it
	for name := range e.tables.byName {
		if err := e.backfill(ctx, src, dst, name); err != nil {
			return err
		}
	}
	return nil
}

// ActivateReplica turns an added replica ACTIVE.
func (e *Emulator) ActivateReplica(region string) error {
	r, ok := e.byName[region]
	if !ok || !r.state.CompareAndSwap(replicaCreating, replicaActive) {
		return fmt.Errorf("globaltable: ActivateReplica: %s is not a CREATING replica", region)
	}
	return nil
}

// backfill copies table's items and versions from src to dst, replacing
// what dst held. Callers hold tables.mu; each region's lock is taken in
// turn, never both.
func (e *Emulator) backfill(ctx context.Context, src, dst *region, table string) error {
	scan := func(r *region) ([]item, map[string]version, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		out, err := r.db.Scan(ctx, &server.ScanInput{TableName: aws.String(table)})
		if err != nil {
			return nil, nil, err
		}
		vs := make(map[string]version, len(r.versions[table]))
		for k, v := range r.versions[table] {
			vs[k] = v
		}
		items := make([]item, 0, len(out.Items))
		for _, it := range out.Items {
			items = append(items, cloneItem(it))
		}
		return items, vs, nil
	}
	items, versions, err := scan(src)
	if err != nil {
		return err
	}
	old, _, err := scan(dst)
	if err != nil {
		return err
	}
	dst.mu.Lock()
	defer dst.mu.Unlock()
	meta := dst.tables[table]
	if meta == nil {
		return nil
	}
	for _, it := range old {
		key, err := keyOf(meta, it)
		if err != nil {
			return err
		}
		if _, err := dst.db.DeleteItem(ctx, &server.DeleteItemInput{TableName: aws.String(table), Key: key}); err != nil {
			return err
		}
	}
	for _, it := range items {
		if _, err := dst.db.PutItem(ctx, &server.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			return err
		}
	}
	dst.versions[table] = versions
	return nil
}

// replicaStatus is how DescribeTable reports r.
func (r *region) replicaStatus() ddbtypes.ReplicaStatus {
	if r.state.Load() == replicaCreating {
		return ddbtypes.ReplicaStatusCreating
	}
	return ddbtypes.ReplicaStatusActive
}

// removed reports whether r is not a replica now.
func (r *region) removed() bool { return r.state.Load() == replicaRemoved }

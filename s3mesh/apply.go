package s3mesh

import (
	"context"
	"fmt"
	"strings"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// ApplyError is an Apply that stopped part way: Versioned and Configured
// name the buckets already done (a rerun of Apply is safe and finishes the
// job), Bucket and Region the one that failed, Step what failed there.
type ApplyError struct {
	Step       string // "versioning" or "replication"
	Region     multiregion.Region
	Bucket     string
	Versioned  []string // buckets whose versioning is on
	Configured []string // buckets whose replication configuration is in place
	Err        error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("s3mesh: Apply: %s of bucket %s in %s failed (versioned: [%s]; configured: [%s]): %v",
		e.Step, e.Bucket, e.Region, strings.Join(e.Versioned, " "), strings.Join(e.Configured, " "), e.Err)
}

// Unwrap returns the cause.
func (e *ApplyError) Unwrap() error { return e.Err }

// Apply puts the Plan in place: versioning on every bucket first (S3
// refuses a replication configuration on an unversioned bucket, and a
// destination must be versioned too), then each bucket's whole
// replication configuration, which replaces the one it had. It is
// idempotent: a rerun sends the same requests and changes nothing. After a
// failure it returns an *ApplyError naming the buckets already done.
func (m *Mesh) Apply(ctx context.Context) error {
	const op = "s3mesh.Apply"
	if err := m.checkOpen(ctx); err != nil {
		return err
	}
	ae := &ApplyError{}
	steps := []struct {
		name string
		done *[]string
		send func(ctx context.Context, api API, b *BucketPlan) error
	}{
		{"versioning", &ae.Versioned, func(ctx context.Context, api API, b *BucketPlan) error {
			_, err := api.PutBucketVersioning(ctx, b.Versioning)
			return err
		}},
		{"replication", &ae.Configured, func(ctx context.Context, api API, b *BucketPlan) error {
			_, err := api.PutBucketReplication(ctx, b.Replication)
			return err
		}},
	}
	for _, st := range steps { // every bucket's versioning before any configuration
		for i := range m.plan.Buckets {
			b := &m.plan.Buckets[i]
			err := m.pinned(ctx, op, route.IdempotentWrite, b.Region, func(ctx context.Context, api API) error { return st.send(ctx, api, b) })
			if err != nil {
				ae.Step, ae.Region, ae.Bucket, ae.Err = st.name, b.Region, b.Bucket, m.closedErr(err)
				return ae
			}
			*st.done = append(*st.done, b.Bucket)
		}
	}
	return nil
}

// pinned runs one call in region r through the call loop (so that its
// outcome feeds the Mesh's routing state), without failover.
func (m *Mesh) pinned(ctx context.Context, op string, kind route.Kind, r multiregion.Region, fn func(ctx context.Context, api API) error) error {
	_, err := m.loop.Run(ctx, route.Call{Op: op, Kind: kind, Pin: r, AttemptTimeout: m.opts.AttemptTimeout}, func(ctx context.Context, a *route.Attempt) error {
		return fn(ctx, m.clients[a.Region])
	})
	return err
}

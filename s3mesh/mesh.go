package s3mesh

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Mesh is N buckets, one per region, replicating each to every other: the
// control plane that writes and checks the N × (N − 1) rules (Plan, Apply,
// Verify) and a data plane that reads and writes the nearest healthy bucket
// and surfaces what two-way replication hides (objects still replicating,
// FAILED replication, regions whose latest versions diverged).
//
// A Mesh is safe for concurrent use. Close it when done; it does not close
// the multiregion.Client.
type Mesh struct {
	mr      *multiregion.Client
	opts    Options
	buckets map[multiregion.Region]string
	regions []multiregion.Region // the Client's preference order
	clients map[multiregion.Region]API
	store   *multiregion.Store
	loop    *route.Loop
	plan    *Plan
	ryw     *rywTracker // nil unless Options.ReadYourWrites

	mrapControl MRAPControlAPI // nil without Options.MRAPARN
	mrapAccount string

	closed    atomic.Bool
	closeOnce sync.Once
}

// New returns the Mesh of buckets (region → bucket name) on mr. It sends no
// request: it checks the input (at least two buckets, each region on the
// Client, S3's bucket naming rules, no bucket twice, options that S3 would
// accept together), computes the Plan and builds one S3 client per region
// from mr.Config. Bad input is an *InputError (errors.Is ErrInvalidInput).
//
// Call Apply to put the plan in place (or Verify to check one that is).
func New(ctx context.Context, mr *multiregion.Client, buckets map[multiregion.Region]string, optFns ...func(*Options)) (*Mesh, error) {
	const op = "s3mesh.New"
	if mr == nil {
		return nil, &InputError{Op: op, Field: "client", Reason: "nil multiregion.Client"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := mr.Err(); err != nil {
		return nil, err
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o = o.copy()
	if err := checkBuckets(mr, buckets); err != nil {
		return nil, err
	}
	buckets = maps.Clone(buckets)
	if err := o.validate(buckets); err != nil {
		return nil, err
	}
	o.resolveNewClient()
	o.resolveNewMRAPControl()
	o.resolveScanConcurrency()
	m := &Mesh{mr: mr, opts: o, buckets: buckets, clients: map[multiregion.Region]API{}}
	for _, r := range mr.Regions() {
		if _, ok := buckets[r]; ok {
			m.regions = append(m.regions, r)
			m.clients[r] = o.NewClient(r, mr.Config(r))
		}
	}
	if o.MRAPARN != "" {
		m.mrapAccount, _ = parseMRAPARN(o.MRAPARN)
		if at, ok := m.mrapControlRegion(); ok {
			m.mrapControl = o.NewMRAPControl(mr.Config(at))
		}
	}
	m.plan = buildPlan(buckets, &o)
	store, err := mr.NewStore(o.storeName(buckets), m.regions, func(so *multiregion.StoreOptions) {
		so.Kind = multiregion.S3CRR
		so.Prober = multiregion.ProberFunc(m.probe)
	})
	if err != nil {
		return nil, err
	}
	m.store = store
	m.loop = &route.Loop{Store: store, Classifier: classifier, Final: m.final, Logger: mr.Options().Logger}
	if o.ReadYourWrites > 0 {
		m.ryw = newRYWTracker(o.ReadYourWrites)
	}
	return m, nil
}

// probe measures a region with HeadBucket on its bucket.
func (m *Mesh) probe(ctx context.Context, r multiregion.Region) (time.Duration, error) {
	start := time.Now()
	_, err := m.clients[r].HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(m.buckets[r])})
	return time.Since(start), err
}

// Plan returns the replication plan (computed by New; no request).
func (m *Mesh) Plan() *Plan { return m.plan }

// Regions returns the Mesh's regions in the Client's preference order.
func (m *Mesh) Regions() []multiregion.Region { return slices.Clone(m.regions) }

// Bucket returns the bucket of region r ("" when r is not in the Mesh).
func (m *Mesh) Bucket(r multiregion.Region) string { return m.buckets[r] }

// Store returns the Mesh's routing state on the Client (its health and
// latency per region, for Status and tests).
func (m *Mesh) Store() *multiregion.Store { return m.store }

// Close unregisters the Mesh's routing state; its methods then fail with
// ErrClosed. It does not close the Client. Safe to call more than once.
func (m *Mesh) Close() error {
	m.closeOnce.Do(func() {
		m.closed.Store(true)
		_ = m.store.Close()
	})
	return nil
}

// checkOpen is ErrClosed on a closed Mesh, the context's error on an ended
// one.
func (m *Mesh) checkOpen(ctx context.Context) error {
	if m.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// checkBuckets applies the bucket rules of New.
func checkBuckets(mr *multiregion.Client, buckets map[multiregion.Region]string) error {
	const op = "s3mesh.New"
	if len(buckets) < 2 {
		return &InputError{Op: op, Field: "buckets", Reason: "a mesh needs at least two buckets, one per region"}
	}
	seen := map[string]multiregion.Region{}
	for _, r := range sortedRegions(buckets) {
		if _, err := mr.Set(r); err != nil {
			return &InputError{Op: op, Field: "buckets", Reason: "region " + string(r) + " is not on the Client", Err: err}
		}
		b := buckets[r]
		if why := bucketNameProblem(b); why != "" {
			return &InputError{Op: op, Field: "buckets", Reason: "bucket name " + quoteName(b) + " of " + string(r) + " " + why}
		}
		if other, dup := seen[b]; dup {
			return &InputError{Op: op, Field: "buckets", Reason: "bucket " + b + " given for both " + string(other) + " and " + string(r) + " (bucket names are global)"}
		}
		seen[b] = r
	}
	return multiregion.Validate(multiregion.S3CRR, sortedRegions(buckets), "")
}

// validate applies the option rules of New.
func (o *Options) validate(buckets map[multiregion.Region]string) error {
	const op = "s3mesh.New"
	switch {
	case o.RoleARN == "":
		return &InputError{Op: op, Field: "Options.RoleARN", Reason: "empty: S3 replicates as an IAM role"}
	case !strings.HasPrefix(o.RoleARN, "arn:") || !strings.Contains(o.RoleARN, ":iam::") || !strings.Contains(o.RoleARN, ":role/"):
		return &InputError{Op: op, Field: "Options.RoleARN", Reason: "not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)"}
	case o.DeleteMarkerReplication && len(o.Tags) > 0:
		return &InputError{Op: op, Field: "Options.DeleteMarkerReplication", Reason: "S3 does not replicate delete markers under rules with tag filters"}
	case o.ReadYourWrites < 0:
		return &InputError{Op: op, Field: "Options.ReadYourWrites", Reason: "negative"}
	case o.AttemptTimeout < 0:
		return &InputError{Op: op, Field: "Options.AttemptTimeout", Reason: "negative"}
	}
	if _, ok := parseMRAPARN(o.MRAPARN); o.MRAPARN != "" && !ok {
		return &InputError{Op: op, Field: "Options.MRAPARN", Reason: "not a Multi-Region Access Point ARN (arn:aws:s3::<account>:accesspoint/<alias>.mrap)"}
	}
	for k := range o.Tags {
		if k == "" {
			return &InputError{Op: op, Field: "Options.Tags", Reason: "empty tag key"}
		}
	}
	for r, key := range o.ReplicaKMSKeys {
		if _, ok := buckets[r]; !ok {
			return &InputError{Op: op, Field: "Options.ReplicaKMSKeys", Reason: "region " + string(r) + " has no bucket in the mesh"}
		}
		if key == "" {
			return &InputError{Op: op, Field: "Options.ReplicaKMSKeys", Reason: "empty key for " + string(r)}
		}
	}
	return nil
}

// storeName is Options.StoreName or its default.
func (o *Options) storeName(buckets map[multiregion.Region]string) string {
	if o.StoreName != "" {
		return o.StoreName
	}
	names := make([]string, 0, len(buckets))
	for _, b := range buckets {
		names = append(names, b)
	}
	slices.Sort(names)
	return "s3mesh:" + strings.Join(names, ",")
}

// quoteName quotes a bucket name for an error, shortened: it is input, and
// may be long.
func quoteName(b string) string {
	if len(b) > 70 {
		b = b[:70] + "…"
	}
	return `"` + b + `"`
}

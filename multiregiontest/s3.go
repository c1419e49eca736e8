package multiregiontest

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest/s3replica"
)

// ServiceS3Control is the SDK service ID of S3 Control, whose Multi-Region
// Access Point routes API the lab's S3 serves; Lab.Options points it at
// every region's endpoint.
const ServiceS3Control = "S3 Control"

// S3Pair is a directed pair of regions (replication From a source bucket's
// region To a destination bucket's).
type S3Pair = s3replica.Pair

// S3Options configures the lab's S3. The zero value replicates every new
// version as soon as possible, in the order the versions were written.
type S3Options struct {
	// ReplicationDelay is how long a new version waits before it is copied
	// to each destination bucket. S3.SetReplicationDelay changes it later.
	// default: 0 (asynchronous, as soon as possible)
	ReplicationDelay time.Duration
	// PairDelays overrides ReplicationDelay for some directed region pairs.
	// default: none
	PairDelays map[S3Pair]time.Duration
	// ReorderJitter adds a seeded random delay in [0, ReorderJitter) to
	// every copy, so concurrent versions arrive in a different order per
	// region and the buckets' latest versions diverge, as in S3.
	// default: 0
	ReorderJitter time.Duration
	// Seed seeds version ids and the jitter, so a run replays.
	// default: 1
	Seed uint64
	// FailAfter is how long a copy into a region whose endpoint is Down or
	// black-holed is retried before its source version is FAILED.
	// default: 10s
	FailAfter time.Duration
	// RetryInterval is how often such a copy is retried.
	// default: 20ms
	RetryInterval time.Duration
	// MRAPRouteDelay is how long a SubmitMultiRegionAccessPointRoutes
	// takes to come into effect (AWS: up to 2 minutes).
	// default: 0
	MRAPRouteDelay time.Duration
	// InventoryRowsPerFile is the number of rows per S3 Inventory data
	// file that S3.WriteInventory writes.
	// default: 10000
	InventoryRowsPerFile int
}

// WithS3 serves S3 in every region: regional buckets (a bucket lives in
// the region whose endpoint created it; another region's endpoint answers
// it with 301 PermanentRedirect), versioning, and Cross-Region Replication
// as configured by PutBucketReplication, asynchronous, rule by rule, with
// the x-amz-replication-status S3 sets. Lab.Options points the S3 service
// of each region at its endpoint, so s3.NewFromConfig(mr.Config(region))
// reaches it. The endpoint serves path-style requests (/bucket/key): the
// SDK's endpoint rules address a bucket path-style on an IP endpoint such
// as the lab's, and setting s3.Options.UsePathStyle says so explicitly.
// Lab.S3 holds the switches and the ground truth.
func WithS3(fns ...func(*S3Options)) Option {
	var o S3Options
	for _, fn := range fns {
		if fn != nil {
			fn(&o)
		}
	}
	return func(c *labConfig) { c.addStore(&s3Store{opts: o}) }
}

// S3 returns the lab's S3, or nil if the lab was started without WithS3.
func (l *Lab) S3() *S3 {
	for _, s := range l.stores {
		if d, ok := s.(*s3Store); ok {
			return d.handle
		}
	}
	return nil
}

// s3Store is the lab's S3: one World for all regions.
type s3Store struct {
	opts   S3Options
	world  *s3replica.World
	handle *S3
	// lookup finds a region's endpoint once the lab has them (watch).
	lookup atomic.Pointer[func(string) *Endpoint]
}

func (s *s3Store) kind() string { return "S3" }

func (s *s3Store) start(regions []string) error {
	o := s.opts
	w, err := s3replica.New(s3replica.Options{
		Regions: regions, ReplicationDelay: o.ReplicationDelay, PairDelays: o.PairDelays,
		ReorderJitter: o.ReorderJitter, Seed: o.Seed, FailAfter: o.FailAfter, RetryInterval: o.RetryInterval,
		InventoryRowsPerFile: o.InventoryRowsPerFile, IsUp: s.reachable, Latency: s.latency,
		MRAPRouteDelay: o.MRAPRouteDelay,
	})
	if err != nil {
		return err
	}
	s.world = w
	s.handle = &S3{w: w, regions: append([]string(nil), regions...)}
	return nil
}

// endpoint is region's endpoint, nil before the lab has them.
func (s *s3Store) endpoint(region string) *Endpoint {
	if f := s.lookup.Load(); f != nil {
		return (*f)(region)
	}
	return nil
}

// reachable reports whether region's endpoint serves: replication into a
// Down or black-holed region waits, as S3's does during an outage.
func (s *s3Store) reachable(region string) bool {
	ep := s.endpoint(region)
	return ep == nil || ep.reachable()
}

// latency is region's configured latency, which a Multi-Region Access
// Point ranks its routes by.
func (s *s3Store) latency(region string) time.Duration {
	if ep := s.endpoint(region); ep != nil {
		return ep.Latency()
	}
	return 0
}

func (s *s3Store) watch(lookup func(string) *Endpoint) { s.lookup.Store(&lookup) }

// claims takes the requests signed for the s3 service (SigV4 or SigV4A,
// in the Authorization header or a presigned URL's X-Amz-Credential).
func (s *s3Store) claims(r *http.Request) bool {
	const scope = "/s3/aws4_request"
	return strings.Contains(r.Header.Get("Authorization"), scope) ||
		strings.Contains(r.URL.Query().Get("X-Amz-Credential"), scope)
}

func (s *s3Store) handler(region string) http.Handler { return s.world.Handler(region) }

func (s *s3Store) endpoints(base string) map[string]string {
	return map[string]string{multiregion.ServiceS3: base, ServiceS3Control: base}
}

// writeFault answers as S3 does: 500 InternalError or 503 SlowDown.
func (s *s3Store) writeFault(w http.ResponseWriter, r *http.Request, f fault) {
	writeGenericFault(w, r, f)
}

func (s *s3Store) close() { s.world.Close() }

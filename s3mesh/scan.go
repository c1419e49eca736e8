package s3mesh

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// ScanOptions configure a Scan or ScanInventory.
type ScanOptions struct {
	// Progress is called, from one goroutine at a time, after each page a
	// region lists (or each inventory file read) and once for every
	// diverged key found (ScanProgress.Diverged set).
	// default: nil
	Progress func(ScanProgress)
}

// ScanProgress is one report of a running scan.
type ScanProgress struct {
	// Region and Listed: the region that listed a page, and how many keys
	// it has listed so far (0 in a divergence report).
	Region multiregion.Region
	Listed int
	// Compared counts keys compared so far, Diverged is set for a key
	// whose regions disagree.
	Compared int
	Diverged *DivergenceError
}

// ScanReport is the result of a scan: the keys seen in any region and
// every diverged key, in key order. It is the caller's; safe to read from
// several goroutines.
type ScanReport struct {
	Keys     int
	Diverged []*DivergenceError
}

// Scan compares the latest version of every key under prefix across the
// regions: each region lists its versions once (ListObjectVersions, paged,
// all regions at once), then the listings are compared key by key. It
// costs about keys/1000 requests per region, so it suits prefixes up to
// millions of keys at most; at bucket scale use ScanInventory, which lets
// S3 do the enumeration. A key missing in some region is reported as
// diverged (it may still be replicating).
func (m *Mesh) Scan(ctx context.Context, prefix string, optFns ...func(*ScanOptions)) (*ScanReport, error) {
	const op = "s3mesh.Scan"
	if err := m.checkOpen(ctx); err != nil {
		return nil, err
	}
	so := scanOptions(optFns)
	p := &progress{fn: so.Progress}
	latest := make([]map[string]Version, len(m.regions))
	err := m.eachRegion(ctx, func(ctx context.Context, r multiregion.Region) error {
		l, err := m.listLatest(ctx, op, r, prefix, p)
		latest[m.pos(r)] = l
		return err
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	return compareLatest(m.regions, latest, p), nil
}

// listLatest lists every key's latest version under prefix in r.
func (m *Mesh) listLatest(ctx context.Context, op string, r multiregion.Region, prefix string, p *progress) (map[string]Version, error) {
	out := map[string]Version{}
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(m.buckets[r]), Prefix: aws.String(prefix)}
	for {
		var page *s3.ListObjectVersionsOutput
		// One call per page: a region that fails part way fails the scan
		// (its listing would be partial, and every missing key "diverged").
		_, err := m.loop.Run(ctx, route.Call{Op: op, Kind: route.Read, Pin: r, NoLatency: true, AttemptTimeout: m.opts.AttemptTimeout}, func(ctx context.Context, a *route.Attempt) error {
			var err error
			page, err = m.clients[r].ListObjectVersions(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, ov := range page.Versions {
			if aws.ToBool(ov.IsLatest) {
				k := aws.ToString(ov.Key)
				out[k] = Version{Region: r, VersionID: aws.ToString(ov.VersionId), ETag: aws.ToString(ov.ETag), LastModified: aws.ToTime(ov.LastModified), Size: aws.ToInt64(ov.Size)}
			}
		}
		for _, dm := range page.DeleteMarkers {
			if aws.ToBool(dm.IsLatest) {
				out[aws.ToString(dm.Key)] = Version{Region: r, VersionID: aws.ToString(dm.VersionId), LastModified: aws.ToTime(dm.LastModified), DeleteMarker: true}
			}
		}
		p.listed(r, len(out))
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
}

// compareLatest compares per-region latest versions (in regions' order)
// key by key.
func compareLatest(regions []multiregion.Region, latest []map[string]Version, p *progress) *ScanReport {
	keys := map[string]bool{}
	for _, l := range latest {
		for k := range l {
			keys[k] = true
		}
	}
	rep := &ScanReport{Keys: len(keys)}
	for i, k := range slices.Sorted(maps.Keys(keys)) {
		vs := make([]Version, len(regions))
		for j, r := range regions {
			v, ok := latest[j][k]
			if !ok {
				v = Version{Region: r, Missing: true}
			}
			vs[j] = v
		}
		if d := diverged(k, vs); d != nil {
			rep.Diverged = append(rep.Diverged, d)
			p.diverged(i+1, d)
		}
	}
	return rep
}

// progress serializes a scan's Progress calls.
type progress struct {
	mu sync.Mutex
	fn func(ScanProgress)
}

func (p *progress) listed(r multiregion.Region, n int) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(ScanProgress{Region: r, Listed: n})
}

func (p *progress) diverged(compared int, d *DivergenceError) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(ScanProgress{Compared: compared, Diverged: d})
}

func scanOptions(fns []func(*ScanOptions)) ScanOptions {
	var so ScanOptions
	for _, fn := range fns {
		if fn != nil {
			fn(&so)
		}
	}
	return so
}

// ScanJob is a scan running in the background (StartScan). It is safe for
// concurrent use.
type ScanJob struct {
	cancel context.CancelFunc
	done   chan struct{}
	rep    *ScanReport
	err    error
}

// StartScan runs Scan in a goroutine and returns at once; Wait collects
// the report, Stop cancels it. ctx bounds the scan.
func (m *Mesh) StartScan(ctx context.Context, prefix string, optFns ...func(*ScanOptions)) *ScanJob {
	ctx, cancel := context.WithCancel(ctx)
	j := &ScanJob{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(j.done)
		defer cancel()
		j.rep, j.err = m.Scan(ctx, prefix, optFns...)
	}()
	return j
}

// Done is closed when the scan has ended.
func (j *ScanJob) Done() <-chan struct{} { return j.done }

// Wait waits for the scan and returns its report or error.
func (j *ScanJob) Wait() (*ScanReport, error) {
	<-j.done
	return j.rep, j.err
}

// Stop cancels the scan and waits for it to end (its error is then the
// context's).
func (j *ScanJob) Stop() {
	j.cancel()
	<-j.done
}

package s3mesh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Version is the latest version of a key in one region (a value).
type Version struct {
	// Region is the region whose latest version this is, not necessarily
	// where it was written (a replica keeps its version id).
	Region    multiregion.Region
	VersionID string
	ETag      string
	// LastModified is when the version was written where it was written
	// (a replica keeps its source's time).
	LastModified time.Time
	Size         int64
	// DeleteMarker: the latest version is a delete marker.
	DeleteMarker bool
	// Missing: the region has no version of the key at all (not written
	// there, not replicated yet).
	Missing bool
}

// same reports whether two regions' latest versions are the same version.
func (v Version) same(o Version) bool {
	return v.Missing == o.Missing && v.VersionID == o.VersionID && v.DeleteMarker == o.DeleteMarker
}

func (v Version) String() string {
	switch {
	case v.Missing:
		return string(v.Region) + ": missing"
	case v.DeleteMarker:
		return fmt.Sprintf("%s: delete marker %s (%s)", v.Region, v.VersionID, v.LastModified.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("%s: %s (%s)", v.Region, v.VersionID, v.LastModified.UTC().Format(time.RFC3339Nano))
}

// DivergenceError says the regions' latest versions of Key differ: S3
// replicated every version, but they arrived in another order, so each
// bucket's "latest" is another write (or one region still lacks a version).
// Latest holds every region's, in the Client's preference order. It
// matches ErrDiverged. Reconcile makes the regions agree.
type DivergenceError struct {
	Key    string
	Latest []Version
}

func (e *DivergenceError) Error() string {
	parts := make([]string, len(e.Latest))
	for i, v := range e.Latest {
		parts[i] = v.String()
	}
	return fmt.Sprintf("s3mesh: %q diverged: latest %s", e.Key, strings.Join(parts, "; "))
}

// Is matches ErrDiverged.
func (e *DivergenceError) Is(target error) bool { return target == ErrDiverged }

// diverged returns the *DivergenceError of latest, or nil when they agree.
func diverged(key string, latest []Version) *DivergenceError {
	for _, v := range latest[1:] {
		if !v.same(latest[0]) {
			return &DivergenceError{Key: key, Latest: latest}
		}
	}
	return nil
}

// Versions returns the latest version of key in every region, in the
// Client's preference order: one ListObjectVersions per region, pinned
// (a region that fails fails the call: without it nobody can say whether
// the regions agree).
func (m *Mesh) Versions(ctx context.Context, key string) ([]Version, error) {
	const op = "s3mesh.Versions"
	if _, err := m.begin(ctx, op, key, nil); err != nil {
		return nil, err
	}
	out := make([]Version, len(m.regions))
	err := m.eachRegion(ctx, func(ctx context.Context, r multiregion.Region) error {
		v, err := m.latestIn(ctx, op, r, key)
		out[m.pos(r)] = v
		return err
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	return out, nil
}

// Check returns a *DivergenceError when the regions' latest versions of
// key differ, nil when they agree.
func (m *Mesh) Check(ctx context.Context, key string) error {
	latest, err := m.Versions(ctx, key)
	if err != nil {
		return err
	}
	if d := diverged(key, latest); d != nil {
		return d
	}
	return nil
}

// latestIn lists key's versions in r and returns the latest. Versions of
// other keys that share the prefix are skipped; the listing stops once it
// is past key (S3 lists keys in order).
func (m *Mesh) latestIn(ctx context.Context, op string, r multiregion.Region, key string) (Version, error) {
	v := Version{Region: r, Missing: true}
	_, err := m.loop.Run(ctx, route.Call{Op: op, Kind: route.Read, Pin: r, AttemptTimeout: m.opts.AttemptTimeout}, func(ctx context.Context, a *route.Attempt) error {
		in := &s3.ListObjectVersionsInput{Bucket: aws.String(m.buckets[r]), Prefix: aws.String(key)}
		for {
			page, err := m.clients[r].ListObjectVersions(ctx, in)
			if err != nil {
				return err
			}
			for _, ov := range page.Versions {
				if aws.ToString(ov.Key) == key && aws.ToBool(ov.IsLatest) {
					v = Version{Region: r, VersionID: aws.ToString(ov.VersionId), ETag: aws.ToString(ov.ETag), LastModified: aws.ToTime(ov.LastModified), Size: aws.ToInt64(ov.Size)}
				}
			}
			for _, dm := range page.DeleteMarkers {
				if aws.ToString(dm.Key) == key && aws.ToBool(dm.IsLatest) {
					v = Version{Region: r, VersionID: aws.ToString(dm.VersionId), LastModified: aws.ToTime(dm.LastModified), DeleteMarker: true}
				}
			}
			if !aws.ToBool(page.IsTruncated) || !v.Missing || aws.ToString(page.NextKeyMarker) > key {
				return nil
			}
			in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
		}
	})
	return v, err
}

// eachRegion runs fn in every region of the Mesh at once (at most
// Options.ScanConcurrency) and returns the one error, or the errors joined.
func (m *Mesh) eachRegion(ctx context.Context, fn func(ctx context.Context, r multiregion.Region) error) error {
	sem := make(chan struct{}, m.opts.ScanConcurrency)
	errs := make([]error, len(m.regions))
	var wg sync.WaitGroup
	for i, r := range m.regions {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(ctx, r)
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) == 1 {
		return failed[0] // as it is, for errors.As on the one region's error
	}
	return errors.Join(failed...)
}

// pos is r's index in m.regions.
func (m *Mesh) pos(r multiregion.Region) int {
	for i, x := range m.regions {
		if x == r {
			return i
		}
	}
	return -1
}

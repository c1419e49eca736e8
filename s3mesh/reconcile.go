package s3mesh

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Policy picks the version that wins among the regions' latest versions
// of a key (latest is in the Client's preference order, at least two
// differ). It returns one of them; an error stops Reconcile. A Policy used
// by concurrent Reconcile calls must be safe for concurrent use (NewestWins
// is).
type Policy func(key string, latest []Version) (Version, error)

// NewestWins is the default Policy: the version with the newest
// LastModified wins (a delete marker too); equal times are broken by the
// larger version id, so every process picks the same winner.
func NewestWins(_ string, latest []Version) (Version, error) {
	var best Version
	found := false
	for _, v := range latest {
		if v.Missing {
			continue
		}
		if !found || v.LastModified.After(best.LastModified) || v.LastModified.Equal(best.LastModified) && v.VersionID > best.VersionID {
			best, found = v, true
		}
	}
	if !found {
		return Version{}, &InputError{Op: "s3mesh.NewestWins", Field: "latest", Reason: "no region has a version"}
	}
	return best, nil
}

// Reconciled says what Reconcile did.
type Reconciled struct {
	Key string
	// Winner is the version the policy chose ("" VersionID: the regions
	// agreed and nothing was done).
	Winner Version
	// Rewrote is the region the winner was rewritten in, and VersionID the
	// new version there; "" when the regions already agreed.
	Rewrote   multiregion.Region
	VersionID string
}

// MetaReconciledFrom is the user metadata key (x-amz-meta-…) of a version
// Reconcile wrote: the version id it copies.
const MetaReconciledFrom = "s3mesh-reconciled-from"

// Reconcile makes the regions agree on key's latest version. It reads
// each region's latest (Versions); when they differ, policy picks the
// winner, and the winner is rewritten once, as a new version, in the
// nearest region where it is not the latest. S3 replicates that new
// version to every other bucket, where it arrives after everything it
// supersedes and becomes the latest: the regions agree once it has
// replicated (Check then returns nil). Rewriting in every lagging region
// instead would race the rewrites against each other, as the original
// writes did.
//
// A winning delete marker is rewritten as a Delete (a new marker), which
// travels only with Options.DeleteMarkerReplication. The winning object is
// read whole into memory; for very large objects use S3 Batch Replication.
// A nil policy is an *InputError; pass NewestWins for the default.
func (m *Mesh) Reconcile(ctx context.Context, key string, policy Policy) (*Reconciled, error) {
	const op = "s3mesh.Reconcile"
	if _, err := m.begin(ctx, op, key, nil); err != nil {
		return nil, err
	}
	if policy == nil {
		return nil, &InputError{Op: op, Field: "policy", Reason: "nil Policy (s3mesh.NewestWins is the default)"}
	}
	latest, err := m.Versions(ctx, key)
	if err != nil {
		return nil, err
	}
	res := &Reconciled{Key: key}
	if diverged(key, latest) == nil {
		return res, nil
	}
	win, err := policy(key, slices.Clone(latest))
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(latest, func(v Version) bool { return v.Region == win.Region && v.same(win) }) {
		return nil, &InputError{Op: op, Field: "policy", Reason: "the policy returned a version that is not one of the regions' latest"}
	}
	res.Winner = win
	var target multiregion.Region
	for _, r := range m.store.Rank(m.store.Set(), nil) {
		if !latest[m.pos(r)].same(win) {
			target = r
			break
		}
	}
	if target == "" {
		return nil, m.store.NoHealthy(op, m.store.Set(), nil)
	}
	id, err := m.rewrite(ctx, op, key, win, target)
	if err != nil {
		return nil, m.closedErr(err)
	}
	res.Rewrote, res.VersionID = target, id
	return res, nil
}

// rewrite writes win (read from its region) as a new version in target.
func (m *Mesh) rewrite(ctx context.Context, op, key string, win Version, target multiregion.Region) (string, error) {
	if win.DeleteMarker {
		var id string
		err := m.pinned(ctx, op, route.IdempotentWrite, target, func(ctx context.Context, api API) error {
			out, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(m.buckets[target]), Key: aws.String(key)})
			if err == nil {
				id = aws.ToString(out.VersionId)
			}
			return err
		})
		return id, err
	}
	var body []byte
	var src *s3.GetObjectOutput
	err := m.pinned(ctx, op, route.Read, win.Region, func(ctx context.Context, api API) error {
		out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(m.buckets[win.Region]), Key: aws.String(key), VersionId: aws.String(win.VersionID)})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		if body, err = io.ReadAll(out.Body); err != nil {
			return err
		}
		src = out
		return nil
	})
	if err != nil {
		return "", err
	}
	meta := maps.Clone(src.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[MetaReconciledFrom] = win.VersionID
	var id string
	err = m.pinned(ctx, op, route.IdempotentWrite, target, func(ctx context.Context, api API) error {
		out, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(m.buckets[target]), Key: aws.String(key),
			Body: bytes.NewReader(body), ContentType: src.ContentType, Metadata: meta})
		if err == nil {
			id = aws.ToString(out.VersionId)
		}
		return err
	})
	return id, err
}

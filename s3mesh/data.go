package s3mesh

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Put writes body under key in the nearest healthy bucket; S3 replicates
// it to the others. On a regional failure it is written in the next
// healthy region instead (a Put of a whole object sets the same state when
// replayed; at worst the object gets one version more). body is read from
// its start in each attempt. The result names the region and version id.
func (m *Mesh) Put(ctx context.Context, key string, body io.ReadSeeker, optFns ...func(*CallOptions)) (*PutResult, error) {
	const op = "s3mesh.Put"
	co, err := m.begin(ctx, op, key, optFns)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, &InputError{Op: op, Field: "body", Reason: "nil body"}
	}
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, &InputError{Op: op, Field: "body", Reason: "not seekable", Err: err}
	}
	var res *PutResult
	r, err := m.loop.Run(ctx, m.call(op, route.IdempotentWrite, co, ""), func(ctx context.Context, a *route.Attempt) error {
		if _, err := body.Seek(start, io.SeekStart); err != nil {
			return &InputError{Op: op, Field: "body", Reason: "cannot rewind", Err: err}
		}
		out, err := m.clients[a.Region].PutObject(ctx, &s3.PutObjectInput{
			Bucket: m.target(a.Region, co), Key: aws.String(key), Body: body,
			ContentType: nonEmpty(co.ContentType), Metadata: co.Metadata,
		}, mrapOpts(co)...)
		if err != nil {
			return err
		}
		res = &PutResult{Region: m.servedBy(a.Region, co), Bucket: aws.ToString(m.target(a.Region, co)), VersionID: aws.ToString(out.VersionId), ETag: aws.ToString(out.ETag)}
		return nil
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	if !co.ViaMRAP {
		m.ryw.record(key, r, time.Now())
	}
	return res, nil
}

// Get reads key (or CallOptions.VersionID) from the nearest healthy bucket.
// A 404 there may mean the object is still replicating (up to 15 minutes
// under RTC), so Get then tries the other regions in rank order, and
// returns *NotFoundError (ErrNotFound) only when none has it. A 404 for a
// delete marker is an answer, not a gap: it ends the search.
//
// The Object names the region that served it and its replication status.
// A version whose status is FAILED is returned together with a
// *ReplicationFailedError: its data is good, but S3 will never copy it to
// the other buckets. With CheckConsistency a divergence of the regions is
// returned as *DivergenceError instead of the object. The caller closes
// Object.Body.
func (m *Mesh) Get(ctx context.Context, key string, optFns ...func(*CallOptions)) (*Object, error) {
	const op = "s3mesh.Get"
	co, err := m.begin(ctx, op, key, optFns)
	if err != nil {
		return nil, err
	}
	if co.CheckConsistency {
		if err := m.Check(ctx, key); err != nil {
			return nil, err
		}
	}
	obj, _, err := route.RunValue(ctx, m.loop, m.call(op, route.Read, co, m.ryw.prefer(key, time.Now())), func(ctx context.Context, a *route.Attempt) (*Object, error) {
		out, err := m.clients[a.Region].GetObject(ctx, &s3.GetObjectInput{Bucket: m.target(a.Region, co), Key: aws.String(key), VersionId: versionPtr(co.VersionID)}, mrapOpts(co)...)
		if err != nil {
			return nil, m.notHereOrErr(err, co)
		}
		o := m.object(key, a.Region, co, objectHeaders{out.VersionId, out.ReplicationStatus, out.ETag, out.ContentType, out.ContentLength, out.LastModified, out.Metadata})
		o.Body = out.Body
		return o, nil
	})
	return m.objectResult(op, key, co, obj, err)
}

// Head is Get without the body: the same fallback on 404, the same
// replication status and FAILED error, one HEAD request per region tried.
func (m *Mesh) Head(ctx context.Context, key string, optFns ...func(*CallOptions)) (*Object, error) {
	const op = "s3mesh.Head"
	co, err := m.begin(ctx, op, key, optFns)
	if err != nil {
		return nil, err
	}
	obj, _, err := route.RunValue(ctx, m.loop, m.call(op, route.Read, co, m.ryw.prefer(key, time.Now())), func(ctx context.Context, a *route.Attempt) (*Object, error) {
		out, err := m.clients[a.Region].HeadObject(ctx, &s3.HeadObjectInput{Bucket: m.target(a.Region, co), Key: aws.String(key), VersionId: versionPtr(co.VersionID)}, mrapOpts(co)...)
		if err != nil {
			return nil, m.notHereOrErr(err, co)
		}
		return m.object(key, a.Region, co, objectHeaders{out.VersionId, out.ReplicationStatus, out.ETag, out.ContentType, out.ContentLength, out.LastModified, out.Metadata}), nil
	})
	return m.objectResult(op, key, co, obj, err)
}

// objectHeaders are the response headers GetObject and HeadObject share.
type objectHeaders struct {
	versionID   *string
	status      types.ReplicationStatus
	etag, ctype *string
	length      *int64
	modified    *time.Time
	meta        map[string]string
}

// object is the Object of a GetObject or HeadObject answer in r.
func (m *Mesh) object(key string, r multiregion.Region, co CallOptions, h objectHeaders) *Object {
	return &Object{Key: key, Region: m.servedBy(r, co), Bucket: aws.ToString(m.target(r, co)), VersionID: aws.ToString(h.versionID),
		ReplicationStatus: replicationStatus(string(h.status)), ETag: aws.ToString(h.etag),
		ContentType: aws.ToString(h.ctype), ContentLength: aws.ToInt64(h.length),
		LastModified: aws.ToTime(h.modified), Metadata: h.meta}
}

// objectResult finishes a Get or Head: the typed not-found, FAILED.
func (m *Mesh) objectResult(op, key string, co CallOptions, obj *Object, err error) (*Object, error) {
	if err != nil {
		var nf *NotFoundError
		if errors.As(err, &nf) {
			nf.Key, nf.VersionID = key, co.VersionID
			switch {
			case co.ViaMRAP: // the access point's bucket, whichever it was
			case nf.Regions != nil: // a delete marker's region
			case co.Region != "":
				nf.Regions = []multiregion.Region{co.Region}
			default: // a read tries every region not drained before it gives up on 404s
				nf.Regions = m.store.Rank(m.store.Set(), nil)
			}
		}
		return nil, m.closedErr(err)
	}
	if obj.ReplicationStatus == ReplicationFailed {
		return obj, &ReplicationFailedError{Key: key, Region: obj.Region, VersionID: obj.VersionID}
	}
	return obj, nil
}

// Delete deletes key.
//
// Without a version id it writes a delete marker in the nearest healthy
// bucket: the object's versions stay, a Get there answers 404 (a Get of an
// older version still works). S3 copies the marker to the other buckets
// only with Options.DeleteMarkerReplication, and outside RTC's SLA even
// then; without it the other regions keep serving the object, and a Get
// near them returns it.
//
// With CallOptions.VersionID it deletes that version for good, in every
// bucket: S3 never replicates the deletion of a version, so the Mesh sends
// it to each region (a version missing in one is not an error). With
// CallOptions.Region only that region's copy is deleted.
func (m *Mesh) Delete(ctx context.Context, key string, optFns ...func(*CallOptions)) (*DeleteResult, error) {
	const op = "s3mesh.Delete"
	co, err := m.begin(ctx, op, key, optFns)
	if err != nil {
		return nil, err
	}
	if co.VersionID != "" && co.Region == "" && !co.ViaMRAP {
		return m.deleteVersionEverywhere(ctx, op, key, co)
	}
	var res *DeleteResult
	_, err = m.loop.Run(ctx, m.call(op, route.IdempotentWrite, co, ""), func(ctx context.Context, a *route.Attempt) error {
		out, err := m.clients[a.Region].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: m.target(a.Region, co), Key: aws.String(key), VersionId: versionPtr(co.VersionID)}, mrapOpts(co)...)
		if err != nil {
			return err
		}
		res = &DeleteResult{Region: m.servedBy(a.Region, co), VersionID: aws.ToString(out.VersionId), DeleteMarker: aws.ToBool(out.DeleteMarker)}
		return nil
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	return res, nil
}

// deleteVersionEverywhere deletes one version in each bucket, one pinned
// call per region.
func (m *Mesh) deleteVersionEverywhere(ctx context.Context, op, key string, co CallOptions) (*DeleteResult, error) {
	err := m.eachRegion(ctx, func(ctx context.Context, r multiregion.Region) error {
		_, err := m.loop.Run(ctx, route.Call{Op: op, Kind: route.IdempotentWrite, Pin: r, AttemptTimeout: m.opts.AttemptTimeout}, func(ctx context.Context, a *route.Attempt) error {
			_, err := m.clients[r].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(m.buckets[r]), Key: aws.String(key), VersionId: aws.String(co.VersionID)})
			if isNotFound(err) {
				return nil // not there (S3 itself answers 204 for a missing version)
			}
			return err
		})
		return err
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	return &DeleteResult{VersionID: co.VersionID}, nil
}

// notHereOrErr turns a 404 into notHere (try the next region), unless it
// is a delete marker's (that is the region's answer) or came through the
// access point (which chose the bucket already).
func (m *Mesh) notHereOrErr(err error, co CallOptions) error {
	if !isNotFound(err) || co.ViaMRAP {
		return err
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Header.Get("x-amz-delete-marker") == "true" {
		return &deleteMarkerErr{err: err}
	}
	return &notHere{err: err}
}

// deleteMarkerErr is a 404 whose latest version is a delete marker.
type deleteMarkerErr struct{ err error }

func (e *deleteMarkerErr) Error() string { return "deleted (delete marker): " + e.err.Error() }
func (e *deleteMarkerErr) Unwrap() error { return e.err }

// begin checks a data-plane call: open, context, key, options.
func (m *Mesh) begin(ctx context.Context, op, key string, optFns []func(*CallOptions)) (CallOptions, error) {
	if err := m.checkOpen(ctx); err != nil {
		return CallOptions{}, err
	}
	co, err := callOptions(op, key, optFns)
	if err != nil {
		return co, err
	}
	if co.ViaMRAP && (m.opts.MRAPARN == "" || co.Region != "" || co.CheckConsistency) {
		return co, &InputError{Op: op, Field: "CallOptions.ViaMRAP", Reason: "needs Options.MRAPARN, and excludes Region and CheckConsistency"}
	}
	if co.Region != "" {
		if _, ok := m.buckets[co.Region]; !ok {
			return co, &InputError{Op: op, Field: "CallOptions.Region", Reason: "region " + string(co.Region) + " has no bucket in the mesh"}
		}
	}
	return co, nil
}

// target is the Bucket parameter of a call sent through r's client: r's
// bucket, or the access point's ARN.
func (m *Mesh) target(r multiregion.Region, co CallOptions) *string {
	if co.ViaMRAP {
		return aws.String(m.opts.MRAPARN)
	}
	return aws.String(m.buckets[r])
}

// mrapOpts are the per-request client options of a call: virtual-host
// addressing through the access point (the SDK refuses path style for ARN
// buckets).
func mrapOpts(co CallOptions) []func(*s3.Options) {
	if !co.ViaMRAP {
		return nil
	}
	return []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = false }}
}

// servedBy is the region a result names: "" through the access point.
func (m *Mesh) servedBy(r multiregion.Region, co CallOptions) multiregion.Region {
	if co.ViaMRAP {
		return ""
	}
	return r
}

// call is the loop's Call of one data-plane operation.
func (m *Mesh) call(op string, kind route.Kind, co CallOptions, prefer multiregion.Region) route.Call {
	return route.Call{Op: op, Kind: kind, Pin: co.Region, Prefer: prefer, AttemptTimeout: m.opts.AttemptTimeout}
}

// closedErr is ErrClosed when the Mesh (not only its Client) closed.
func (m *Mesh) closedErr(err error) error {
	if errors.Is(err, multiregion.ErrClosed) && m.closed.Load() {
		return ErrClosed
	}
	return err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

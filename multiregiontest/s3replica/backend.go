package s3replica

import (
	"bytes"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// backend is one region's view of the World, as the gofakes3 front end
// sees it: versioned buckets whose versions keep their id and LastModified
// when replicated, and whose Get and Head answer a delete marker as S3
// does (x-amz-delete-marker: true with the 404).
type backend struct {
	w      *World
	region string
}

var (
	_ gofakes3.Backend          = (*backend)(nil)
	_ gofakes3.VersionedBackend = (*backend)(nil)
)

// now is the time stamp of a new version: S3 keeps milliseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// keepMeta keeps what S3 stores with an object out of the request headers
// gofakes3 passes on (it passes every X-Amz-* header, signing ones too).
func keepMeta(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		switch {
		case strings.HasPrefix(k, "X-Amz-Meta-"), k == "Content-Type", k == "Content-Disposition",
			k == "Content-Language", k == "Cache-Control", k == "X-Amz-Storage-Class",
			k == "X-Amz-Tagging", k == "X-Amz-Website-Redirect-Location":
			out[k] = v
		case k == "Content-Encoding" && v != "aws-chunked":
			out[k] = strings.TrimPrefix(strings.TrimPrefix(v, "aws-chunked,"), "aws-chunked, ")
		}
	}
	return out
}

// toObject renders v for gofakes3. Under w.mu.
func (v *version) toObject(rng *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	meta := maps.Clone(v.meta)
	if meta == nil {
		meta = map[string]string{}
	}
	delete(meta, "X-Amz-Tagging")
	if t := v.meta["X-Amz-Tagging"]; t != "" {
		meta["X-Amz-Tagging-Count"] = strconv.Itoa(len(parseTags(t)))
	}
	meta["Last-Modified"] = v.lastModified.Format(httpTime)
	if v.status != "" {
		meta["X-Amz-Replication-Status"] = v.status
	}
	obj := &gofakes3.Object{
		Name: v.key, Metadata: meta, Size: int64(len(v.body)), Hash: v.md5,
		VersionID: gofakes3.VersionID(v.id), IsDeleteMarker: v.deleteMarker,
		Contents: io.NopCloser(bytes.NewReader(nil)),
	}
	if withBody && !v.deleteMarker {
		r, err := rng.Range(obj.Size)
		if err != nil {
			return nil, err
		}
		data := v.body
		if r != nil {
			data = data[r.Start : r.Start+r.Length]
		}
		obj.Range = r
		obj.Contents = io.NopCloser(bytes.NewReader(data))
	}
	return obj, nil
}

// httpTime is the HTTP date format S3 uses for Last-Modified.
const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

func (be *backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	// ListBuckets is global in S3: every region's endpoint lists them all.
	out := make([]gofakes3.BucketInfo, 0, len(be.w.buckets))
	for _, b := range be.w.buckets {
		out = append(out, gofakes3.BucketInfo{Name: b.name, CreationDate: gofakes3.NewContentTime(b.created)})
	}
	return out, nil
}

// CreateBucket is reached only through the handler, which has checked the
// name and where it may live.
func (be *backend) CreateBucket(name string) error {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	if be.w.buckets[name] != nil {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	be.w.buckets[name] = &bucket{name: name, region: be.region, created: now(), objects: map[string]*object{}}
	return nil
}

func (be *backend) BucketExists(name string) (bool, error) {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	_, err := be.w.bucketIn(be.region, name)
	return err == nil, nil
}

func (be *backend) DeleteBucket(name string) error { return be.deleteBucket(name, false) }

func (be *backend) ForceDeleteBucket(name string) error { return be.deleteBucket(name, true) }

func (be *backend) deleteBucket(name string, force bool) error {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	b, err := be.w.bucketIn(be.region, name)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 && !force {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	delete(be.w.buckets, name)
	return nil
}

// find returns key's version id ("" latest) in bucket. Under w.mu.
func (be *backend) find(name, key, id string) (*version, error) {
	b, err := be.w.bucketIn(be.region, name)
	if err != nil {
		return nil, err
	}
	o := b.objects[key]
	if o == nil || o.latest() == nil {
		if id != "" {
			return nil, gofakes3.ErrNoSuchVersion
		}
		return nil, gofakes3.KeyNotFound(key)
	}
	if id == "" {
		return o.latest(), nil
	}
	for _, v := range o.versions {
		if v.id == id {
			return v, nil
		}
	}
	return nil, gofakes3.ErrNoSuchVersion
}

func (be *backend) GetObject(name, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return be.GetObjectVersion(name, key, "", rng)
}

func (be *backend) HeadObject(name, key string) (*gofakes3.Object, error) {
	return be.HeadObjectVersion(name, key, "")
}

func (be *backend) GetObjectVersion(name, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	v, err := be.find(name, key, string(id))
	if err != nil {
		return nil, err
	}
	return v.toObject(rng, true)
}

func (be *backend) HeadObjectVersion(name, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	v, err := be.find(name, key, string(id))
	if err != nil {
		return nil, err
	}
	return v.toObject(nil, false)
}

func (be *backend) PutObject(name, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	id, err := be.w.put(be.region, name, newVersion(key, body, meta, now()), cond)
	return gofakes3.PutObjectResult{VersionID: gofakes3.VersionID(id)}, err
}

// CopyObject is not reached: the handler serves copies (gofakes3 ignores
// the source's versionId and answers the source's version id).
func (be *backend) CopyObject(_, _, _, _ string, _ map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObjectResult{}, gofakes3.ErrNotImplemented
}

func (be *backend) DeleteObject(name, key string) (gofakes3.ObjectDeleteResult, error) {
	id, marker, err := be.w.deleteLatest(be.region, name, key)
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: marker, VersionID: gofakes3.VersionID(id)}, err
}

func (be *backend) DeleteObjectVersion(name, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	marker, err := be.w.deleteVersion(be.region, name, key, string(id))
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: marker, VersionID: id}, err
}

func (be *backend) DeleteMulti(name string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	ids := make([]gofakes3.ObjectID, len(keys))
	for i, k := range keys {
		ids[i] = gofakes3.ObjectID{Key: k}
	}
	return be.DeleteMultiVersions(name, ids...)
}

func (be *backend) DeleteMultiVersions(name string, ids ...gofakes3.ObjectID) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, o := range ids {
		var err error
		if o.VersionID != "" {
			_, err = be.w.deleteVersion(be.region, name, o.Key, o.VersionID)
		} else {
			_, _, err = be.w.deleteLatest(be.region, name, o.Key)
		}
		if err != nil {
			if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
				return res, err
			}
			res.Error = append(res.Error, gofakes3.ErrorResultFromError(err))
			continue
		}
		res.Deleted = append(res.Deleted, o)
	}
	return res, nil
}

func (be *backend) VersioningConfiguration(name string) (gofakes3.VersioningConfiguration, error) {
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	b, err := be.w.bucketIn(be.region, name)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, err
	}
	return gofakes3.VersioningConfiguration{Status: b.versioning}, nil
}

// SetVersioningConfiguration is reached only through the handler, which
// refuses to suspend versioning under a replication configuration.
func (be *backend) SetVersioningConfiguration(name string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrNotImplemented
	}
	return be.w.setVersioning(be.region, name, v.Status)
}

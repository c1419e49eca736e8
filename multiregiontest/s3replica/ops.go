package s3replica

import (
	"fmt"
	"net/http"

	"github.com/johannesboyne/gofakes3"
)

// Error is an S3 error answer: the HTTP status, S3's error code and message.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("s3replica: %s: %s", e.Code, e.Message) }

func invalidRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: fmt.Sprintf(format, args...)}
}

// put stores v in bucket name of region, with a new version id when the
// bucket is versioning-enabled; the id is returned.
func (w *World) put(region, name string, v *version, cond *gofakes3.PutConditions) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return "", err
	}
	if cond != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		if o := b.objects[v.key]; o != nil && o.latest() != nil && !o.latest().deleteMarker {
			info.Exists, info.Hash = true, o.latest().md5
		}
		if err := gofakes3.CheckPutConditions(cond, info); err != nil {
			return "", err
		}
	}
	if b.versioning == gofakes3.VersioningEnabled {
		v.id = w.newVersionID()
	}
	w.store(b, v, v.lastModified)
	return v.id, nil
}

// deleteLatest deletes key without a version id: a new delete marker in a
// versioning-enabled bucket (even for a key that does not exist, as S3
// does), a null delete marker in a suspended one, else the object.
func (w *World) deleteLatest(region, name, key string) (id string, marker bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return "", false, err
	}
	switch b.versioning {
	case gofakes3.VersioningEnabled, gofakes3.VersioningSuspended:
		at := now()
		m := &version{key: key, deleteMarker: true, lastModified: at}
		if b.versioning == gofakes3.VersioningEnabled {
			m.id = w.newVersionID()
		}
		w.store(b, m, at)
		return m.id, true, nil
	default:
		delete(b.objects, key)
		return "", false, nil
	}
}

// deleteVersion removes one version for good ("null" is the null
// version). S3 never replicates this. A missing version is no error.
func (w *World) deleteVersion(region, name, key, id string) (marker bool, err error) {
	if id == "null" {
		id = ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return false, err
	}
	o := b.objects[key]
	if o == nil {
		return false, nil
	}
	for i, v := range o.versions {
		if v.id == id {
			o.versions = append(o.versions[:i], o.versions[i+1:]...)
			marker = v.deleteMarker
			break
		}
	}
	if len(o.versions) == 0 {
		delete(b.objects, key)
	}
	return marker, nil
}

// setVersioning sets a bucket's versioning; S3 refuses to suspend it under
// a replication configuration.
func (w *World) setVersioning(region, name string, status gofakes3.VersioningStatus) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return err
	}
	switch status {
	case gofakes3.VersioningEnabled:
		b.versioning = status
	case gofakes3.VersioningSuspended:
		if b.config != nil {
			return &Error{Status: http.StatusConflict, Code: "InvalidBucketState",
				Message: "Replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration."}
		}
		if b.versioning == gofakes3.VersioningEnabled {
			b.versioning = status
		}
	default:
		return &Error{Status: http.StatusBadRequest, Code: "IllegalVersioningConfigurationException",
			Message: "The versioning configuration specified in the request is invalid."}
	}
	return nil
}

// copyObject copies srcKey (version srcID, "" latest) of srcBucket, in
// any region, to dstKey of dstBucket in region, as CopyObject does: a new
// version of the destination with the source's body and, unless replace
// is set, its metadata.
func (w *World) copyObject(region, srcBucket, srcKey, srcID, dstBucket, dstKey string, meta map[string]string, replace bool) (src, dst *version, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sb := w.buckets[srcBucket]
	if sb == nil {
		return nil, nil, gofakes3.BucketNotFound(srcBucket)
	}
	db, err := w.bucketIn(region, dstBucket)
	if err != nil {
		return nil, nil, err
	}
	be := backend{w: w, region: sb.region}
	src, err = be.find(srcBucket, srcKey, srcID)
	if err != nil {
		return nil, nil, err
	}
	if src.deleteMarker {
		if srcID != "" {
			return nil, nil, &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "The source of a copy request may not specifically refer to a delete marker by version id."}
		}
		return nil, nil, gofakes3.KeyNotFound(srcKey)
	}
	at := now()
	dst = &version{key: dstKey, body: src.body, md5: src.md5, meta: src.meta, lastModified: at}
	if replace {
		dst.meta = keepMeta(meta)
	}
	if db.versioning == gofakes3.VersioningEnabled {
		dst.id = w.newVersionID()
	}
	w.store(db, dst, at)
	return src, dst, nil
}

package s3replica

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// copyObject serves CopyObject, honouring the source's versionId.
func (h *handler) copyObject(rw http.ResponseWriter, r *http.Request, bucket, key string) {
	src := r.Header.Get("X-Amz-Copy-Source")
	path, query, _ := strings.Cut(src, "?")
	path, err := url.PathUnescape(strings.TrimPrefix(path, "/"))
	srcBucket, srcKey, ok := strings.Cut(path, "/")
	if err != nil || !ok || srcBucket == "" || srcKey == "" {
		writeError(rw, r, gofakes3.ErrorInvalidArgument("x-amz-copy-source", src, "Invalid copy source"))
		return
	}
	srcQ, _ := url.ParseQuery(query)
	meta := map[string]string{}
	for k, v := range r.Header {
		if len(v) > 0 {
			meta[k] = v[0]
		}
	}
	replace := strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE")
	sv, dv, err := h.w.copyObject(h.region, srcBucket, srcKey, srcQ.Get("versionId"), bucket, key, meta, replace)
	if err != nil {
		writeError(rw, r, err)
		return
	}
	if sv.id != "" {
		rw.Header().Set("x-amz-copy-source-version-id", sv.id)
	}
	if dv.id != "" {
		rw.Header().Set("x-amz-version-id", dv.id)
	}
	writeXML(rw, &struct {
		XMLName      xml.Name             `xml:"CopyObjectResult"`
		LastModified gofakes3.ContentTime `xml:"LastModified"`
		ETag         string               `xml:"ETag"`
	}{LastModified: gofakes3.NewContentTime(dv.lastModified), ETag: gofakes3.FormatETag(dv.md5)})
}

// objectVersion answers GET and HEAD of a version: a delete marker is 405
// with x-amz-delete-marker (gofakes3 says 404), and HEAD honours the
// versionId (gofakes3 answers the latest version's headers).
func (h *handler) objectVersion(rw http.ResponseWriter, r *http.Request, bucket, key, id string) {
	be := &backend{w: h.w, region: h.region}
	if id == "null" {
		id = ""
	}
	obj, err := be.HeadObjectVersion(bucket, key, gofakes3.VersionID(id))
	if err != nil {
		writeError(rw, r, err)
		return
	}
	if obj.IsDeleteMarker {
		rw.Header().Set("x-amz-delete-marker", "true")
		rw.Header().Set("x-amz-version-id", string(obj.VersionID))
		rw.Header().Set("Allow", "DELETE")
		writeError(rw, r, &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
			Message: "The specified method is not allowed against this resource."})
		return
	}
	if r.Method == http.MethodGet {
		h.fake.ServeHTTP(rw, r)
		return
	}
	for k, v := range obj.Metadata {
		rw.Header().Set(k, v)
	}
	if obj.VersionID != "" {
		rw.Header().Set("x-amz-version-id", string(obj.VersionID))
	}
	rw.Header().Set("ETag", gofakes3.FormatETag(obj.Hash))
	rw.Header().Set("Accept-Ranges", "bytes")
	rw.Header().Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	rw.WriteHeader(http.StatusOK)
}

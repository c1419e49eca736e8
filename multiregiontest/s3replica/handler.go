package s3replica

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// unimplemented are bucket and object subresources gofakes3's router does
// not know and would misroute (PUT ?tagging on an object would overwrite
// it with the tagging XML): the lab answers 501 NotImplemented instead.
var unimplemented = []string{
	"acl", "policy", "policyStatus", "tagging", "lifecycle", "cors", "encryption", "website", "logging",
	"notification", "ownershipControls", "publicAccessBlock", "object-lock", "accelerate",
	"requestPayment", "analytics", "inventory", "metrics", "intelligent-tiering", "legal-hold",
	"retention", "restore", "select", "attributes", "torrent",
}

// maxConfigBytes is S3's limit on a replication configuration (2 MB).
const maxConfigBytes = 2 << 20

// Handler serves region's S3 API (path-style requests): gofakes3 for the
// object and listing calls, and the World itself for what gofakes3 gets
// wrong or lacks: ?replication (which gofakes3 routes to CreateBucket and
// ListObjects), CreateBucket's location constraint and global names,
// CopyObject of a version, HeadObject of a version, ?location, and a
// bucket of another region (301 PermanentRedirect, as S3 answers). It
// also serves Multi-Region Access Points (mrap_http.go).
func (w *World) Handler(region string) http.Handler {
	fake := gofakes3.New(&backend{w: w, region: region}, gofakes3.WithLogger(gofakes3.DiscardLog()))
	h := &handler{w: w, region: region, fake: fake.Server()}
	w.mu.Lock()
	if w.routers[region] == nil {
		w.routers[region] = h
	}
	w.mu.Unlock()
	return h
}

type handler struct {
	w      *World
	region string
	fake   http.Handler
}

func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Body == nil { // a client-side request served in memory
		r.Body = http.NoBody
	}
	if r.Header.Get("Content-Length") == "" && r.ContentLength >= 0 {
		// gofakes3 reads the header, which a client-side request served in
		// memory carries in ContentLength only.
		r.Header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	rw.Header().Set("Server", "AmazonS3")
	if h.mrapHandler(rw, r) {
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	if bucket != "" {
		if owner := h.w.Owner(bucket); owner != "" && owner != h.region {
			if r.Method == http.MethodPut && key == "" && len(q) == 0 {
				writeError(rw, r, &Error{Status: http.StatusConflict, Code: "BucketAlreadyOwnedByYou",
					Message: "Your previous request to create the named bucket succeeded and you already own it."})
				return
			}
			rw.Header().Set("x-amz-bucket-region", owner)
			writeError(rw, r, &Error{Status: http.StatusMovedPermanently, Code: "PermanentRedirect",
				Message: "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint."})
			return
		}
	}
	_, versionID := q["versionId"]
	switch {
	case bucket != "" && key == "" && has(q, "replication"):
		h.replication(rw, r, bucket)
	case bucket != "" && key == "" && has(q, "versioning") && r.Method == http.MethodPut:
		h.putVersioning(rw, r, bucket)
	case bucket != "" && key == "" && has(q, "location") && r.Method == http.MethodGet:
		h.location(rw, r, bucket)
	case bucket != "" && key == "" && len(q) == 0 && r.Method == http.MethodPut:
		h.createBucket(rw, r, bucket)
	case key != "" && r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" && !has(q, "uploadId"):
		h.copyObject(rw, r, bucket, key)
	case key != "" && versionID && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		h.objectVersion(rw, r, bucket, key, q.Get("versionId"))
	default:
		for _, sub := range unimplemented {
			if has(q, sub) {
				writeError(rw, r, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
					Message: "?" + sub + " is not implemented by the lab's S3"})
				return
			}
		}
		if r.Method == http.MethodHead && key == "" {
			rw.Header().Set("x-amz-bucket-region", h.region)
		}
		h.fake.ServeHTTP(rw, r)
	}
}

func has(q url.Values, k string) bool { _, ok := q[k]; return ok }

func (h *handler) replication(rw http.ResponseWriter, r *http.Request, bucket string) {
	switch r.Method {
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxConfigBytes+1))
		if err != nil || len(body) > maxConfigBytes {
			writeError(rw, r, malformed("the replication configuration could not be read or exceeds 2 MB"))
			return
		}
		var c ReplicationConfiguration
		if err := xml.Unmarshal(body, &c); err != nil {
			writeError(rw, r, malformed("The XML you provided was not well-formed or did not validate against our published schema"))
			return
		}
		if err := h.w.putReplication(h.region, bucket, &c); err != nil {
			writeError(rw, r, err)
			return
		}
		rw.WriteHeader(http.StatusOK)
	case http.MethodGet:
		c, err := h.w.replication(h.region, bucket)
		if err != nil {
			writeError(rw, r, err)
			return
		}
		writeXML(rw, c)
	case http.MethodDelete:
		if err := h.w.deleteReplication(h.region, bucket); err != nil {
			writeError(rw, r, err)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	default:
		writeError(rw, r, gofakes3.ErrMethodNotAllowed)
	}
}

func (h *handler) putVersioning(rw http.ResponseWriter, r *http.Request, bucket string) {
	var in gofakes3.VersioningConfiguration
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		writeError(rw, r, gofakes3.ErrMalformedXML)
		return
	}
	if in.MFADelete.Enabled() {
		writeError(rw, r, gofakes3.ErrNotImplemented)
		return
	}
	if err := h.w.setVersioning(h.region, bucket, in.Status); err != nil {
		writeError(rw, r, err)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

func (h *handler) location(rw http.ResponseWriter, r *http.Request, bucket string) {
	if h.w.Owner(bucket) != h.region {
		writeError(rw, r, gofakes3.BucketNotFound(bucket))
		return
	}
	loc := h.region
	if loc == "us-east-1" {
		loc = "" // S3 reports us-east-1 as an empty constraint
	}
	writeXML(rw, &struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Value: loc})
}

// createBucket creates a bucket as S3 does in a regional endpoint: outside
// us-east-1 the LocationConstraint must name the endpoint's region.
func (h *handler) createBucket(rw http.ResponseWriter, r *http.Request, bucket string) {
	if err := gofakes3.ValidateBucketName(bucket); err != nil {
		writeError(rw, r, err)
		return
	}
	var in struct {
		LocationConstraint string `xml:"LocationConstraint"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := xml.Unmarshal(body, &in); err != nil {
			writeError(rw, r, gofakes3.ErrMalformedXML)
			return
		}
	}
	want := h.region
	if want == "us-east-1" {
		want = ""
	}
	if in.LocationConstraint != want {
		msg := "The " + strconv.Quote(in.LocationConstraint) + " location constraint is incompatible for the region specific endpoint this request was sent to."
		if in.LocationConstraint == "" {
			msg = "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."
		}
		writeError(rw, r, &Error{Status: http.StatusBadRequest, Code: "IllegalLocationConstraintException", Message: msg})
		return
	}
	if err := (&backend{w: h.w, region: h.region}).CreateBucket(bucket); err != nil {
		writeError(rw, r, &Error{Status: http.StatusConflict, Code: "BucketAlreadyOwnedByYou",
			Message: "Your previous request to create the named bucket succeeded and you already own it."})
		return
	}
	rw.Header().Set("Location", "/"+bucket)
	rw.WriteHeader(http.StatusOK)
}

func writeXML(rw http.ResponseWriter, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/xml")
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write([]byte(xml.Header))
	_, _ = rw.Write(out)
}

// writeError answers err in S3's error XML (no body for HEAD).
func writeError(rw http.ResponseWriter, r *http.Request, err error) {
	e := &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "internal error"}
	var own *Error
	var coded interface{ ErrorCode() gofakes3.ErrorCode }
	switch {
	case errors.As(err, &own):
		e = own
	case errors.As(err, &coded):
		code := coded.ErrorCode()
		e = &Error{Status: code.Status(), Code: string(code), Message: code.Message()}
		var resp *gofakes3.ErrorResponse
		if errors.As(err, &resp) && resp.Message != "" {
			e.Message = resp.Message
		}
	}
	rw.Header().Set("Content-Type", "application/xml")
	rw.WriteHeader(e.Status)
	if r.Method == http.MethodHead {
		return
	}
	out, _ := xml.Marshal(&struct {
		XMLName  xml.Name `xml:"Error"`
		Code     string   `xml:"Code"`
		Message  string   `xml:"Message"`
		Resource string   `xml:"Resource,omitempty"`
	}{Code: e.Code, Message: e.Message, Resource: r.URL.Path})
	_, _ = rw.Write([]byte(xml.Header))
	_, _ = rw.Write(out)
}

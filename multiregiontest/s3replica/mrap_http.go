package s3replica

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
)

// The S3 Control API's path prefix and XML namespace.
const (
	controlPrefix = "/v20180820/"
	controlXMLNS  = "http://awss3control.amazonaws.com/doc/2018-08-20/"
)

// mrapHandler reports whether r is for a Multi-Region Access Point (the
// control API or a data request whose first path segment is an alias)
// and serves it.
func (h *handler) mrapHandler(rw http.ResponseWriter, r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		h.control(rw, r)
		return true
	}
	first, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !strings.HasSuffix(first, ".mrap") || !h.w.isMRAP(first) {
		return false // a bucket whose name ends in .mrap
	}
	route, err := h.w.route(first)
	if err != nil {
		writeError(rw, r, err)
		return true
	}
	// Served as the routed region's bucket, by that region's handler.
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + route.Bucket + "/" + rest
	r2.URL.RawPath = ""
	h.w.router(route.Region).ServeHTTP(rw, r2)
	return true
}

func (w *World) isMRAP(alias string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mraps[alias] != nil
}

// router returns region's handler.
func (w *World) router(region string) http.Handler {
	w.mu.Lock()
	rt := w.routers[region]
	w.mu.Unlock()
	if rt == nil {
		rt = w.Handler(region)
	}
	return rt
}

// control serves GetMultiRegionAccessPointRoutes and
// SubmitMultiRegionAccessPointRoutes (REST-XML) in any region.
func (h *handler) control(rw http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, controlPrefix+"mrap/instances/")
	arn, ok := strings.CutSuffix(rest, "/routes")
	if rest == r.URL.Path || !ok {
		writeControlError(rw, r, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented",
			Message: "only the Multi-Region Access Point routes API is implemented by the lab's S3 Control"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		routes, err := h.w.Routes(arn)
		if err != nil {
			writeControlError(rw, r, err)
			return
		}
		writeXML(rw, &struct {
			XMLName xml.Name `xml:"GetMultiRegionAccessPointRoutesResult"`
			Xmlns   string   `xml:"xmlns,attr"`
			Mrap    string   `xml:"Mrap"`
			Routes  []Route  `xml:"Routes>Route"`
		}{Xmlns: controlXMLNS, Mrap: arn, Routes: routes})
	case http.MethodPatch:
		var in struct {
			Routes []Route `xml:"RouteUpdates>Route"`
		}
		if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
			writeControlError(rw, r, malformed("The XML you provided was not well-formed or did not validate against our published schema"))
			return
		}
		if err := h.w.submitRoutes(arn, in.Routes); err != nil {
			writeControlError(rw, r, err)
			return
		}
		writeXML(rw, &struct {
			XMLName xml.Name `xml:"SubmitMultiRegionAccessPointRoutesResult"`
			Xmlns   string   `xml:"xmlns,attr"`
		}{Xmlns: controlXMLNS})
	default:
		writeControlError(rw, r, &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
			Message: "The specified method is not allowed against this resource."})
	}
}

// writeControlError answers as S3 Control does: the error wrapped in
// <ErrorResponse>.
func writeControlError(rw http.ResponseWriter, r *http.Request, err error) {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "internal error"}
	}
	rw.Header().Set("Content-Type", "application/xml")
	rw.WriteHeader(e.Status)
	out, _ := xml.Marshal(&struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Code    string   `xml:"Error>Code"`
		Message string   `xml:"Error>Message"`
	}{Code: e.Code, Message: e.Message})
	_, _ = rw.Write([]byte(xml.Header))
	_, _ = rw.Write(out)
}

package multiregion

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of TransportOptions.
const (
	DefaultHealthPath        = "/healthz"
	DefaultIdempotencyHeader = "Idempotency-Key"
)

// DefaultIdempotentMethods are the methods a Transport fails over by
// default: the safe ones (GET, HEAD, OPTIONS) and the idempotent ones of
// RFC 9110 §9.2.2 (PUT, DELETE), whose replay in a second region leaves the
// same state as one request.
var DefaultIdempotentMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete}

// TransportOptions configures a Transport. The zero value of every field is
// a sensible default, filled in by NewTransport, which copies the struct.
type TransportOptions struct {
	// StoreName is the name of the Transport's Store on the Client (its
	// routing state, shown by Client.Status and the status page).
	// default: "http:" + host
	StoreName string

	// HealthPath is probed in every region, below the region's base URL
	// (base https://api.us-east-1.example.com/v1 and "/healthz" probe
	// https://api.us-east-1.example.com/v1/healthz), with an HTTP GET every
	// Options.ProbeInterval, bounded by Options.ProbeTimeout, timed as
	// HTTPProber times it; an answer below 500 is healthy. The probe ranks
	// the regions and readmits an ejected one.
	// default: "/healthz"
	HealthPath string

	// DisableProbe turns the health probe off: the Transport then ranks by
	// the Client's network view (the AWS region's distance) and readmits an
	// ejected region only when a request that fell through to it succeeds.
	// default: false
	DisableProbe bool

	// Next sends the rewritten requests and the probes, and every request
	// for another host untouched. The Transport closes its idle connections
	// on Close only when it made it.
	// default: a clone of http.DefaultTransport of the Transport's own (so
	// ProxyFromEnvironment, HTTP/2 and the dial timeouts are as usual)
	Next http.RoundTripper

	// IdempotencyHeader names the request header whose presence makes any
	// request idempotent: the server promises to apply a replay of it once,
	// so a POST carrying it fails over like a PUT. "" keeps the default;
	// "-" disables it.
	// default: "Idempotency-Key"
	IdempotencyHeader string

	// Methods lists the methods whose requests fail over after they may
	// have reached a region (a 5xx, a connection cut after sending, a
	// timeout). Other requests fail over only when nothing was sent (the
	// dial failed). GET, HEAD and OPTIONS move on to ejected regions too, as
	// a last resort; the others move on to healthy regions only.
	// default: DefaultIdempotentMethods (GET, HEAD, OPTIONS, PUT, DELETE)
	Methods []string

	// AttemptTimeout bounds the time one attempt may take to get response
	// headers. An attempt that hits it is a failure of the region with an
	// unknown outcome: idempotent requests move on. Reading the body is not
	// bounded by it (use the request's context).
	// default: 0 (only the request's context bounds an attempt)
	AttemptTimeout time.Duration
}

// resolveTransportOptions fills the defaults for host.
func resolveTransportOptions(o *TransportOptions, host string) {
	if o.StoreName == "" {
		o.StoreName = "http:" + host
	}
	if o.HealthPath == "" {
		o.HealthPath = DefaultHealthPath
	}
	switch o.IdempotencyHeader {
	case "":
		o.IdempotencyHeader = DefaultIdempotencyHeader
	case "-":
		o.IdempotencyHeader = ""
	}
	if o.Methods == nil {
		o.Methods = DefaultIdempotentMethods
	}
	o.Methods = append([]string(nil), o.Methods...)
}

// validateTransportOptions checks the options that can be wrong.
func validateTransportOptions(o *TransportOptions) error {
	if o.AttemptTimeout < 0 {
		return &OptionError{Field: "TransportOptions.AttemptTimeout", Value: o.AttemptTimeout.String(), Reason: "must not be negative"}
	}
	if !strings.HasPrefix(o.HealthPath, "/") || strings.ContainsAny(o.HealthPath, "?#") {
		return &OptionError{Field: "TransportOptions.HealthPath", Value: fmt.Sprintf("%q", o.HealthPath), Reason: "must be a path starting with /, without query or fragment"}
	}
	return nil
}

// validateHost checks the logical host callers address.
func validateHost(host string) error {
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return &OptionError{Field: "NewTransport host", Value: fmt.Sprintf("%q", host), Reason: "must be a host name, optionally with :port (e.g. api.example.com)"}
	}
	return nil
}

// parseBase validates the base URL of region r: http or https, a host, an
// optional path prefix, and nothing else. The URL is not printed in errors
// beyond its scheme and host, since a rejected one may carry user info.
func parseBase(r Region, raw string) (*url.URL, error) {
	field := fmt.Sprintf("NewTransport bases[%s]", r)
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL
		}
		return nil, &OptionError{Field: field, Value: "(unparsable)", Reason: "not a URL: " + err.Error()}
	}
	shown := u.Scheme + "://" + u.Host
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &OptionError{Field: field, Value: fmt.Sprintf("%q", u.Scheme+"://"), Reason: "scheme must be http or https (e.g. https://api.us-east-1.example.com)"}
	case u.Host == "" || u.Opaque != "":
		return nil, &OptionError{Field: field, Value: shown, Reason: "no host"}
	case u.User != nil:
		return nil, &OptionError{Field: field, Value: shown, Reason: "user info is not allowed in a base URL (send credentials in headers)"}
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, &OptionError{Field: field, Value: shown, Reason: "a base URL has no query or fragment"}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	return u, nil
}

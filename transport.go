package multiregion

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// ErrNotFailedOver: a request failed in one region and the Transport did
// not try another, because a replay could act twice or could not be sent.
// Matched by a *NotFailedOverError, which says why.
var ErrNotFailedOver = errors.New("multiregion: request not failed over")

// NotFailedOverError is the Err of the *RegionError a Transport returns
// when a request failed in one region and may not move on: its body cannot
// be replayed (no GetBody), or it is not idempotent and may have reached
// the region. Err is the failure in that region.
type NotFailedOverError struct {
	Reason string
	Err    error
}

func (e *NotFailedOverError) Error() string {
	return fmt.Sprintf("not failed over: %s: %v", e.Reason, e.Err)
}

// Unwrap returns the failure in the region.
func (e *NotFailedOverError) Unwrap() error { return e.Err }

// Is matches ErrNotFailedOver.
func (e *NotFailedOverError) Is(target error) bool { return target == ErrNotFailedOver }

// StatusError is the failure a 5xx answer counts as: in a region's last
// errors, and in the attempts of a *NoHealthyRegionError.
type StatusError struct {
	StatusCode int
}

func (e *StatusError) Error() string { return fmt.Sprintf("answered HTTP %d", e.StatusCode) }

// Transport is an http.RoundTripper for a service of your own that runs in
// several regions. Requests for its logical host (api.example.com) go to
// the nearest healthy region's base URL (https://api.us-east-1.example.com)
// and fail over in rank order; requests for any other host go to Next
// untouched. Its Store on the Client holds each region's health and
// latency, from the health probe and from every request (time to response
// headers; a 5xx or a connection error is a failure of the region, a 4xx
// is the service's answer and a success).
//
// Which requests move to another region after a failure:
//
//   - Idempotent ones (TransportOptions.Methods: GET, HEAD, OPTIONS, PUT,
//     DELETE, or any request carrying the Idempotency-Key header) after any
//     failure: a 5xx, a connection error, an attempt timeout.
//   - Any request when nothing was sent: the dial failed.
//   - A request with a body only if the body can be replayed: the request
//     has GetBody (http.NewRequest sets it for bytes, strings and
//     bytes.Buffer readers). Otherwise the first attempt runs alone, and its
//     error says why it was not failed over.
//
// A 5xx answer that is not failed over, or that came from the last region
// left, is returned as it is, as a proxy would; a connection error of the
// last region left ends the request with a *NoHealthyRegionError holding
// every attempt. A request that may not move on returns a *RegionError
// whose Err is a *NotFailedOverError (errors.Is ErrNotFailedOver). The
// caller's cancellation is returned as it is and never counts against a
// region. Its errors name the method, the region and the cause, never a
// header value, a body or a query (http.Client wraps them in a *url.Error
// with the URL it was given).
//
// A request is the Transport's when its URL's host is host, compared
// without case; "api.example.com:8443" is another host than
// "api.example.com".
//
// The caller's request is never modified: each attempt is a clone whose URL
// has the region's scheme, host and path prefix, and whose Host header is
// the region's host. The response's Request is that clone; ServedBy reads
// the region from it. A Transport is safe for concurrent use.
type Transport struct {
	host    string
	store   *Store
	bases   map[Region]*url.URL
	index   map[Region]int
	next    http.RoundTripper
	ownNext *http.Transport // Next when the Transport made it, to close
	opts    TransportOptions
	methods map[string]bool

	closeOnce sync.Once
}

// NewTransport returns a Transport on c for the logical host host (e.g.
// "api.example.com", with a port if callers use one), routing to bases:
// each region's base URL, http or https, a host, an optional path prefix,
// no user info, query or fragment. Every region must be one of c's.
// Invalid input returns an *OptionError (errors.Is ErrInvalidOptions;
// ErrUnknownRegion too for a region c does not have); a closed Client,
// ErrClosed.
func NewTransport(c *Client, host string, bases map[Region]string, optFns ...func(*TransportOptions)) (*Transport, error) {
	if c == nil {
		return nil, &OptionError{Field: "NewTransport client", Value: "nil", Reason: "a Client is required"}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if err := validateHost(host); err != nil {
		return nil, err
	}
	if len(bases) == 0 {
		return nil, &OptionError{Field: "NewTransport bases", Value: "{}", Reason: "at least one region's base URL is required"}
	}
	var o TransportOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	resolveTransportOptions(&o, host)
	if err := validateTransportOptions(&o); err != nil {
		return nil, err
	}
	t := &Transport{host: host, bases: map[Region]*url.URL{}, index: map[Region]int{}, opts: o, methods: map[string]bool{}}
	// Sorted, so that the first bad region reported is always the same one.
	for _, r := range slices.Sorted(maps.Keys(bases)) {
		i, err := c.Index(r)
		if err != nil {
			if errors.Is(err, ErrClosed) {
				return nil, err
			}
			return nil, &OptionError{Field: "NewTransport bases", Value: string(r), Reason: "region not on the Client", Err: err}
		}
		u, err := parseBase(r, bases[r])
		if err != nil {
			return nil, err
		}
		t.bases[r], t.index[r] = u, i
	}
	for _, m := range o.Methods {
		t.methods[strings.ToUpper(m)] = true
	}
	t.next = o.Next
	if t.next == nil {
		t.ownNext = newDefaultNext()
		t.next = t.ownNext
	}
	var prober Prober
	if !o.DisableProbe {
		prober = t.healthProber()
	}
	st, err := c.NewStore(o.StoreName, slices.Collect(maps.Keys(bases)), func(so *StoreOptions) { so.Prober = prober })
	if err != nil {
		t.closeIdle()
		return nil, err
	}
	t.store = st
	return t, nil
}

// newDefaultNext is a Transport's own clone of http.DefaultTransport, so
// that closing its idle connections touches no one else's.
func newDefaultNext() *http.Transport {
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		return dt.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
}

// healthProber probes HealthPath below each region's base through Next,
// without following redirects (a redirect is an answer: the region is up).
func (t *Transport) healthProber() *HTTPProber {
	urls := make(map[Region]string, len(t.bases))
	for r, u := range t.bases {
		hu := *u
		hu.Path += t.opts.HealthPath
		if hu.RawPath != "" {
			hu.RawPath += t.opts.HealthPath
		}
		urls[r] = hu.String()
	}
	return &HTTPProber{
		Client: &http.Client{Transport: t.next, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		URL:    func(r Region) string { return urls[r] },
	}
}

// Host returns the logical host the Transport routes.
func (t *Transport) Host() string { return t.host }

// Store returns the Transport's routing state on the Client.
func (t *Transport) Store() *Store { return t.store }

// Status returns the Transport's view of its regions: pick order, health,
// latency, last errors.
func (t *Transport) Status() StoreStatus { return t.store.Status() }

// Refresh probes every region's health URL once and waits for the results
// (with DisableProbe it does nothing). Use it at start-up to rank the
// regions before the first request.
func (t *Transport) Refresh(ctx context.Context) error { return t.store.Refresh(ctx) }

// Close closes the Transport's Store (requests for its host then fail with
// ErrClosed; others still go to Next) and the idle connections of the Next
// it made. It does not close the Client. Safe to call more than once.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		_ = t.store.Close()
		t.closeIdle()
	})
	return nil
}

func (t *Transport) closeIdle() {
	if t.ownNext != nil {
		t.ownNext.CloseIdleConnections()
	}
}

// CloseIdleConnections closes the idle connections of the Next the
// Transport made, so that http.Client.CloseIdleConnections reaches them.
func (t *Transport) CloseIdleConnections() { t.closeIdle() }

// servedKey keys the region on the context of the request a Transport sent.
type servedKey struct{}

// ServedBy returns the region whose answer resp is, when a Transport
// routed it.
func ServedBy(resp *http.Response) (Region, bool) {
	if resp == nil || resp.Request == nil {
		return "", false
	}
	r, ok := resp.Request.Context().Value(servedKey{}).(Region)
	return r, ok
}

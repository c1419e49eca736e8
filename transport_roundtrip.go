package multiregion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// errAttemptTimeout is the cause of an attempt context that hit
// TransportOptions.AttemptTimeout, told apart from the caller's deadline.
var errAttemptTimeout = errors.New("attempt timeout")

// RoundTrip implements http.RoundTripper: pick → attempt → observe → fail
// over in rank order, as the adapters' call loop does.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil || !strings.EqualFold(req.URL.Host, t.host) {
		return t.next.RoundTrip(req)
	}
	op := "http " + method(req)
	ctx := req.Context()
	r, err := t.first(ctx, op)
	if err != nil {
		closeBody(req) // a RoundTripper always closes the body
		return nil, err
	}
	idem := t.idempotent(req)
	replay := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var (
		attempts []Attempt
		tried    RegionSet
	)
	body := req.Body // the first attempt sends the caller's body
	for {
		res := t.attempt(ctx, req, body, r, op)
		if res.err == nil && res.resp.StatusCode < 500 {
			return res.resp, nil
		}
		if err := ctx.Err(); err != nil { // the caller gave up: not the region's answer
			drop(res.resp)
			return nil, err
		}
		tried = tried.With(t.index[r])
		why := noFailover(req, idem, replay, res.sent)
		var next Region
		if why == "" {
			next = t.nextRegion(t.store.Set()&^tried, safe(req))
		}
		if next == "" && res.resp != nil {
			return res.resp, nil // the region's own answer, as a proxy returns it
		}
		re := &RegionError{Region: r, Op: op, OutcomeUnknown: res.sent, Err: res.err}
		if next != "" && req.Body != nil && req.Body != http.NoBody {
			if body, err = req.GetBody(); err != nil {
				why = "GetBody failed: " + err.Error()
			}
		}
		if why != "" {
			drop(res.resp)
			re.Err = &NotFailedOverError{Reason: why, Err: res.err}
			return nil, re
		}
		attempts = append(attempts, Attempt{Region: r, Err: re})
		if next == "" {
			return nil, t.store.NoHealthy(op, t.store.Set(), attempts)
		}
		drop(res.resp)
		r = next
	}
}

// first is the region of the first attempt: the store's pick.
func (t *Transport) first(ctx context.Context, op string) (Region, error) {
	if err := t.store.Err(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r, err := t.store.Pick(t.store.Set())
	if errors.Is(err, ErrNoHealthyRegion) {
		return "", t.store.NoHealthy(op, t.store.Set(), nil)
	}
	return r, err
}

// nextRegion is the next region to try among remaining, in rank order: any
// region for safe requests (ejected ones come last), healthy ones for the
// others, as the call loop moves reads and idempotent writes.
func (t *Transport) nextRegion(remaining RegionSet, anyHealth bool) Region {
	if remaining == 0 {
		return ""
	}
	var buf [8]Region
	for _, r := range t.store.Rank(remaining, buf[:0]) {
		if anyHealth || t.store.Healthy(r) {
			return r
		}
	}
	return ""
}

// idempotent reports whether a replay of req in another region leaves the
// same state as one request.
func (t *Transport) idempotent(req *http.Request) bool {
	if t.methods[method(req)] {
		return true
	}
	return t.opts.IdempotencyHeader != "" && len(req.Header.Values(t.opts.IdempotencyHeader)) > 0
}

// noFailover says why a failed attempt may not move on, or "" if it may.
func noFailover(req *http.Request, idem, replay, sent bool) string {
	switch {
	case !replay:
		return "the request body cannot be replayed (no GetBody)"
	case sent && !idem:
		return fmt.Sprintf("%s without an idempotency key is not idempotent, and the request may have reached the region", method(req))
	}
	return ""
}

// attemptResult is one attempt's outcome: a response below 500 with a nil
// err, a 5xx response with its *StatusError, or a transport error. sent is
// false when the request surely did not leave (the dial failed).
type attemptResult struct {
	resp *http.Response
	err  error
	sent bool
}

// attempt sends one clone of req to r and observes the outcome, except the
// caller's cancellation.
func (t *Transport) attempt(ctx context.Context, req *http.Request, body io.ReadCloser, r Region, op string) attemptResult {
	actx, stop := t.attemptContext(ctx)
	out := req.Clone(context.WithValue(actx, servedKey{}, r))
	out.Body = body
	rewrite(out, t.bases[r])
	start := time.Now()
	resp, err := t.next.RoundTrip(out)
	rtt := time.Since(start)
	if err != nil {
		timedOut := context.Cause(actx) == errAttemptTimeout
		stop(true)
		if ctx.Err() != nil {
			return attemptResult{err: err, sent: true}
		}
		err = cause(err)
		if timedOut { // not the context.Canceled it surfaces as, which Observe skips
			err = fmt.Errorf("%w: no response headers within %v", errAttemptTimeout, t.opts.AttemptTimeout)
		}
		sent := !dialFailed(err)
		t.store.Observe(r, 0, &RegionError{Region: r, Op: op, OutcomeUnknown: sent, Err: err})
		return attemptResult{err: err, sent: sent}
	}
	// A 101's body is the upgraded connection (an io.ReadWriteCloser): left
	// unwrapped, its context is released when the caller's ends.
	if stop(false) && resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { stop(true) }}
	}
	resp.Request = out
	if resp.StatusCode >= 500 {
		se := &StatusError{StatusCode: resp.StatusCode}
		t.store.Observe(r, 0, &RegionError{Region: r, Op: op, OutcomeUnknown: true, Err: se})
		return attemptResult{resp: resp, err: se, sent: true}
	}
	t.store.Observe(r, rtt, nil)
	return attemptResult{resp: resp}
}

// attemptContext bounds the wait for response headers by AttemptTimeout.
// stop(false) disarms the timer once headers came and reports whether the
// context still needs stop(true), which the response body's Close then
// calls: cancelling at once would cut the body the caller is about to read.
func (t *Transport) attemptContext(ctx context.Context) (context.Context, func(done bool) bool) {
	if t.opts.AttemptTimeout <= 0 {
		return ctx, func(bool) bool { return false }
	}
	actx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(t.opts.AttemptTimeout, func() { cancel(errAttemptTimeout) })
	return actx, func(done bool) bool {
		timer.Stop()
		if done {
			cancel(nil)
		}
		return true
	}
}

// cancelOnClose releases an attempt's context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	once   sync.Once
	cancel func()
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.cancel)
	return err
}

// rewrite points out at base: its scheme, host and path prefix, and its
// host as the Host header (the region's own name, which its certificate
// and virtual host know).
func rewrite(out *http.Request, base *url.URL) {
	u := out.URL
	if u.RawPath != "" {
		u.RawPath = base.EscapedPath() + ensureSlash(u.RawPath)
	} else if base.RawPath != "" {
		u.RawPath = base.RawPath + ensureSlash(u.EscapedPath())
	}
	u.Path = base.Path + ensureSlash(u.Path)
	u.Scheme, u.Host = base.Scheme, base.Host
	out.Host = base.Host
}

func ensureSlash(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// cause strips the *url.Error a RoundTripper may add: it repeats the URL,
// query and all, which an error must not carry; the RegionError names the
// method and region instead.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// dialFailed reports whether the request surely never left: the
// connection could not be made.
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// safe reports whether req is a read that may move on to an ejected region.
func safe(req *http.Request) bool {
	switch method(req) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

func method(req *http.Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// drop drains a little of a failed answer and closes it, so that its
// connection can be reused.
func drop(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
}

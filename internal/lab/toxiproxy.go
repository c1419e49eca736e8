package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Toxic names the lab uses for latency, one per direction.
const (
	toxicUpstream   = "latency_upstream"
	toxicDownstream = "latency_downstream"
)

// httpClient talks to Toxiproxy. No keep-alive: no idle connection (nor goroutine)
// outlives a call, and a call is a few loopback round trips anyway.
var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}

// Down takes region down: every proxy of the region is disabled, so its listeners
// close, new connections are refused and open ones are cut. Servers keep running
// (replication between them goes on, as across real regions).
func (e *Env) Down(ctx context.Context, region string) error {
	return e.setEnabled(ctx, region, false)
}

// Up brings region back: its proxies listen again.
func (e *Env) Up(ctx context.Context, region string) error {
	return e.setEnabled(ctx, region, true)
}

func (e *Env) setEnabled(ctx context.Context, region string, on bool) error {
	r, err := e.Region(region)
	if err != nil {
		return err
	}
	op := map[bool]string{true: "up", false: "down"}[on]
	// All proxies at once: the region goes down (or up) within one loopback round trip.
	return forEach(r.Proxies, func(p string) error {
		return e.call(ctx, op, p, http.MethodPost, "/proxies/"+url.PathEscape(p), map[string]any{"enabled": on}, nil)
	})
}

// forEach runs f on every item concurrently and joins the errors, in items order.
func forEach(items []string, f func(string) error) error {
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() { errs[i] = f(it) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// IsUp reports whether every proxy of region is enabled.
func (e *Env) IsUp(ctx context.Context, region string) (bool, error) {
	r, err := e.Region(region)
	if err != nil {
		return false, err
	}
	for _, p := range r.Proxies {
		var got struct {
			Enabled bool `json:"enabled"`
		}
		if err := e.call(ctx, "status", p, http.MethodGet, "/proxies/"+url.PathEscape(p), nil, &got); err != nil {
			return false, err
		}
		if !got.Enabled {
			return false, nil
		}
	}
	return true, nil
}

// SetLatency sets the one-way latency between the client and region on every proxy
// of the region: oneWay on the way in and oneWay on the way out, so a round trip
// costs about 2*oneWay. Toxiproxy counts whole milliseconds (oneWay is rounded).
// It changes the live lab, not the env file: restore it with Reset or
// SetLatency(ctx, region, r.Latency()).
func (e *Env) SetLatency(ctx context.Context, region string, oneWay time.Duration) error {
	r, err := e.Region(region)
	if err != nil {
		return err
	}
	if oneWay < 0 {
		return fmt.Errorf("lab: set latency %s: negative latency %v", region, oneWay)
	}
	ms := oneWay.Round(time.Millisecond).Milliseconds()
	return forEach(r.Proxies, func(p string) error {
		return errors.Join(e.upsertLatency(ctx, p, "upstream", ms), e.upsertLatency(ctx, p, "downstream", ms))
	})
}

func (e *Env) upsertLatency(ctx context.Context, proxy, stream string, ms int64) error {
	name := toxicDownstream
	if stream == "upstream" {
		name = toxicUpstream
	}
	attrs := map[string]any{"latency": ms, "jitter": 0}
	base := "/proxies/" + url.PathEscape(proxy) + "/toxics"
	err := e.call(ctx, "set latency", proxy, http.MethodPost, base+"/"+name, map[string]any{"attributes": attrs}, nil)
	var pe *ProxyError
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return e.call(ctx, "set latency", proxy, http.MethodPost, base, map[string]any{
			"name": name, "type": "latency", "stream": stream, "toxicity": 1.0, "attributes": attrs,
		}, nil)
	}
	return err
}

// Latency reads the live one-way latency of region from Toxiproxy (the downstream
// latency toxic of its first proxy; 0 if it has none).
func (e *Env) Latency(ctx context.Context, region string) (time.Duration, error) {
	r, err := e.Region(region)
	if err != nil {
		return 0, err
	}
	if len(r.Proxies) == 0 {
		return 0, fmt.Errorf("lab: %w: region %s has no proxies", ErrBadEnv, region)
	}
	p := r.Proxies[0]
	var toxics []struct {
		Name       string `json:"name"`
		Attributes struct {
			Latency int64 `json:"latency"`
		} `json:"attributes"`
	}
	if err := e.call(ctx, "get latency", p, http.MethodGet, "/proxies/"+url.PathEscape(p)+"/toxics", nil, &toxics); err != nil {
		return 0, err
	}
	for _, t := range toxics {
		if t.Name == toxicDownstream {
			return time.Duration(t.Attributes.Latency) * time.Millisecond, nil
		}
	}
	return 0, nil
}

// Reset brings every region up and restores its configured latency (the env
// file's latency_ms). Tests call it from t.Cleanup.
func (e *Env) Reset(ctx context.Context) error {
	var errs []error
	for _, name := range e.order {
		if err := e.Up(ctx, name); err != nil {
			errs = append(errs, err)
		}
		if err := e.SetLatency(ctx, name, e.regions[name].Latency()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// call does one request to Toxiproxy; body (if not nil) is sent as JSON and a 2xx
// response is decoded into out (if not nil).
func (e *Env) call(ctx context.Context, op, proxy, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return &ProxyError{Op: op, Proxy: proxy, Err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.Toxiproxy+path, rd)
	if err != nil {
		return &ProxyError{Op: op, Proxy: proxy, Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return &ProxyError{Op: op, Proxy: proxy, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &ProxyError{Op: op, Proxy: proxy, Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		return &ProxyError{Op: op, Proxy: proxy, Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return &ProxyError{Op: op, Proxy: proxy, Status: resp.StatusCode, Err: fmt.Errorf("decode response: %w", err)}
		}
	}
	return nil
}

package multiregion_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

func TestHandler_StatusJSON(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(http.StripPrefix("/debug/multiregion", f.mr.Handler()))
	defer srv.Close()

	before := time.Now()
	resp, body := get(t, http.MethodGet, srv.URL+"/debug/multiregion/status.json")
	after := time.Now()
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	want := f.mr.Status() // no background probes: nothing changed since the request

	var got wireStatus
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.False(t, got.Closed)
	gen, err := time.Parse(time.RFC3339Nano, got.GeneratedAt)
	require.NoError(t, err)
	assert.False(t, gen.Before(before.Truncate(time.Second)) || gen.After(after), "generatedAt %s", gen)

	checkRegionsJSON(t, want.Network, got.Network)
	ej, ok := want.Region(f.ejected)
	require.True(t, ok)
	require.False(t, ej.Healthy)
	i := slices.IndexFunc(got.Network, func(r wireRegion) bool { return r.Region == string(f.ejected) })
	require.GreaterOrEqual(t, i, 0)
	assert.False(t, got.Network[i].Healthy)
	assert.NotEmpty(t, got.Network[i].LastError, "an ejected region shows why")
	assert.GreaterOrEqual(t, got.Network[i].ConsecutiveFailures, f.mr.Options().FailureThreshold)
	assert.True(t, got.Network[0].Measured && got.Network[0].LatencyMs > 0, "the nearest region has a latency")

	require.Len(t, got.Stores, len(want.Stores))
	for k, ws := range want.Stores {
		gs := got.Stores[k]
		assert.Equal(t, ws.Name, gs.Name)
		assert.Equal(t, ws.Kind.String(), gs.Kind)
		assert.Equal(t, ws.OwnLatency, gs.OwnLatency)
		assert.Equal(t, ws.Closed, gs.Closed)
		left := []string{}
		for _, r := range ws.LeftOut {
			left = append(left, string(r))
		}
		assert.Equal(t, left, gs.LeftOut, ws.Name)
		checkRegionsJSON(t, ws.Regions, gs.Regions)
		if ws.Topology == nil {
			assert.Nil(t, gs.Topology, ws.Name)
			continue
		}
		require.NotNil(t, gs.Topology, ws.Name)
		assert.Equal(t, string(ws.Topology.Writer), gs.Topology.Writer)
		assert.Equal(t, ws.Topology.Generation, gs.Topology.Generation)
		assert.Equal(t, rfc3339(t, ws.Topology.LoadedAt), gs.Topology.LoadedAt)
		assert.Equal(t, rfc3339(t, ws.Topology.LastAttempt), gs.Topology.LastAttempt)
		assert.Equal(t, errString(ws.Topology.LastError), gs.Topology.LastError)
		assert.Equal(t, ws.Topology.ConsecutiveFailures, gs.Topology.ConsecutiveFailures)
	}
	sessions, ok := want.Store("cache:sessions")
	require.True(t, ok)
	require.NotNil(t, sessions.Topology, "the fixture's single-writer store reports a topology")
	assert.Equal(t, []multiregion.Region{"ap-south-1"}, sessions.LeftOut)

	// The documented field names, exactly: a rename breaks every script
	// that reads the page.
	var raw struct {
		Top     map[string]any
		Network []map[string]any `json:"network"`
		Stores  []map[string]any `json:"stores"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &raw.Top))
	require.NoError(t, json.Unmarshal([]byte(body), &raw))
	assert.Equal(t, []string{"closed", "drained", "generatedAt", "network", "stores"}, keys(raw.Top))
	regionKeys := []string{"consecutiveFailures", "drained", "ejections", "healthy", "lastError", "lastProbe", "latency", "latencyMs", "measured", "region", "samples"}
	for _, r := range raw.Network {
		assert.Equal(t, regionKeys, keys(r))
	}
	for _, s := range raw.Stores {
		assert.Equal(t, []string{"closed", "kind", "leftOut", "name", "ownLatency", "regions", "topology"}, keys(s))
		if topo, ok := s["topology"].(map[string]any); ok {
			assert.Equal(t, []string{"consecutiveFailures", "generation", "lastAttempt", "lastError", "loadedAt", "writer"}, keys(topo))
		}
	}
}

func TestHandler_AfterClose(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(f.mr.Handler())
	defer srv.Close()
	require.NoError(t, f.mr.Close())

	resp, body := get(t, http.MethodGet, srv.URL+"/status.json")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var got wireStatus
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.True(t, got.Closed, "a closed Client still answers, and says so")
	assert.Len(t, got.Network, len(f.mr.Regions()))
	resp, _ = get(t, http.MethodGet, srv.URL+"/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestHandler_Escaping: hostile text travels as JSON data only. The page is
// static markup and the JSON escapes <, > and &, so neither response holds
// the text as markup (the browser test checks the rendered DOM).
func TestHandler_Escaping(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(f.mr.Handler())
	defer srv.Close()

	_, page := get(t, http.MethodGet, srv.URL+"/")
	_, js := get(t, http.MethodGet, srv.URL+"/app.js")
	_, body := get(t, http.MethodGet, srv.URL+"/status.json")
	for _, s := range []string{page, js, body} {
		assert.NotContains(t, s, hostile)
		assert.NotContains(t, s, "<img src=x")
	}
	assert.Contains(t, body, `\u003cscript\u003ealert(1)\u003c/script\u003e`)
	var got wireStatus
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	names := []string{}
	for _, s := range got.Stores {
		names = append(names, s.Name)
	}
	assert.Contains(t, names, hostile, "the name arrives intact, as data")

	// The script must never turn data into markup.
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		assert.NotContains(t, js, sink)
	}
	// Every script is a file of the page's own (the CSP allows no inline
	// script), and every reference is relative, so it stays same-origin
	// under any mount.
	assert.Equal(t, strings.Count(page, "<script"), strings.Count(page, `<script src="`))
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		u, err := url.Parse(m[1])
		require.NoError(t, err)
		assert.False(t, u.IsAbs() || strings.HasPrefix(m[1], "/"), "reference %q is not relative", m[1])
	}
}

func TestHandler_Headers(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(f.mr.Handler())
	defer srv.Close()
	for path, ctype := range map[string]string{
		"/":            "text/html; charset=utf-8",
		"/status.json": "application/json; charset=utf-8",
		"/app.js":      "text/javascript; charset=utf-8",
		"/style.css":   "text/css; charset=utf-8",
	} {
		resp, body := get(t, http.MethodGet, srv.URL+path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, ctype, resp.Header.Get("Content-Type"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"), path)
		csp := resp.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
			assert.Contains(t, csp, d, path)
		}
		assert.NotContains(t, csp, "unsafe", path)
		assert.NotEmpty(t, body, path)

		head, hbody := get(t, http.MethodHead, srv.URL+path)
		assert.Equal(t, http.StatusOK, head.StatusCode, "HEAD "+path)
		assert.Empty(t, hbody, "HEAD "+path)
		assert.Equal(t, ctype, head.Header.Get("Content-Type"), "HEAD "+path)
		assert.Equal(t, "nosniff", head.Header.Get("X-Content-Type-Options"), "HEAD "+path)
		if path != "/status.json" { // the JSON's generatedAt may change its length
			assert.Equal(t, resp.ContentLength, head.ContentLength, "HEAD "+path)
		}
	}
}

func TestHandler_MethodsAndNotFound(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(http.StripPrefix("/debug/multiregion", f.mr.Handler()))
	defer srv.Close()
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, p := range []string{"/", "/status.json"} {
			resp, _ := get(t, m, srv.URL+"/debug/multiregion"+p)
			assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, m+" "+p)
			assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"), m+" "+p)
		}
	}
	for _, p := range []string{"/nope", "/status.xml", "/index.html", "/statuspage_assets/app.js", "/status.json.bak"} {
		resp, _ := get(t, http.MethodGet, srv.URL+"/debug/multiregion"+p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
		resp, _ = get(t, http.MethodHead, srv.URL+"/debug/multiregion"+p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "HEAD "+p)
	}
}

// TestHandler_MountStyles: the page and every URL it refers to answer under
// http.StripPrefix, mounted directly on a mux with a prefix, and at a
// prefix of a service's own choosing; the bare prefix redirects to the page.
func TestHandler_MountStyles(t *testing.T) {
	f := newStatusFixture(t)
	h := f.mr.Handler()
	mounts := map[string]struct {
		handler http.Handler
		prefix  string
		slashed bool // the mount strips the slash too: the bare prefix is not its
	}{
		"StripPrefix on a mux":     {handler: muxWith("/debug/multiregion/", http.StripPrefix("/debug/multiregion", h)), prefix: "/debug/multiregion"},
		"StripPrefix alone":        {handler: http.StripPrefix("/debug/multiregion", h), prefix: "/debug/multiregion"},
		"StripPrefix of the slash": {handler: http.StripPrefix("/debug/multiregion/", h), prefix: "/debug/multiregion", slashed: true},
		"direct on a mux":          {handler: muxWith("/debug/multiregion/", h), prefix: "/debug/multiregion"},
		"direct, deeper":           {handler: muxWith("/admin/routing/mr/", h), prefix: "/admin/routing/mr"},
		"direct, method, wildcard": {handler: muxWith("GET /t/{tenant}/mr/", h), prefix: "/t/acme/mr"},
	}
	for name, m := range mounts {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(m.handler)
			defer srv.Close()

			page := srv.URL + m.prefix // no slash: redirected to the page
			if m.slashed {
				page += "/"
			}
			resp, body := get(t, http.MethodGet, page)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, m.prefix+"/", resp.Request.URL.Path, "redirected to the page's own URL")
			assert.Contains(t, body, "multiregion status")
			pageURL := resp.Request.URL

			refs := []string{"status.json"} // what app.js fetches
			for _, r := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
				refs = append(refs, r[1])
			}
			require.Len(t, refs, 3, "status.json, app.js and style.css")
			for _, ref := range refs {
				u, err := pageURL.Parse(ref)
				require.NoError(t, err)
				resp, body := get(t, http.MethodGet, u.String())
				assert.Equal(t, http.StatusOK, resp.StatusCode, u.Path)
				assert.NotContains(t, body, "404 page not found", u.Path)
			}
			resp, body = get(t, http.MethodGet, srv.URL+m.prefix+"/status.json")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var got wireStatus
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Len(t, got.Stores, 3)
			for _, p := range []string{"/unknown", "/x/", "/statuspage_assets/app.js", "/x/status.json"} {
				resp, _ = get(t, http.MethodGet, srv.URL+m.prefix+p)
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, p)
			}
		})
	}
}

func muxWith(pattern string, h http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	return mux
}

// A drained region is listed with its source and marked in every view.
func TestHandler_Drained(t *testing.T) {
	f := newStatusFixture(t)
	srv := httptest.NewServer(http.StripPrefix("/debug/multiregion", f.mr.Handler()))
	t.Cleanup(srv.Close)
	r := f.mr.Regions()[0]
	require.NoError(t, f.mr.Drain(r))
	_, body := get(t, http.MethodGet, srv.URL+"/debug/multiregion/status.json")
	var got wireStatus
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Drained, 1)
	assert.Equal(t, string(r), got.Drained[0].Region)
	assert.Equal(t, []string{multiregion.DrainOperator}, got.Drained[0].By)
	for _, views := range append([][]wireRegion{got.Network}, storesRegions(got)...) {
		for _, reg := range views {
			assert.Equal(t, reg.Region == string(r), reg.Drained, reg.Region)
		}
	}
	require.NoError(t, f.mr.Undrain(r))
	_, body = get(t, http.MethodGet, srv.URL+"/debug/multiregion/status.json")
	got = wireStatus{}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.NotNil(t, got.Drained)
	assert.Empty(t, got.Drained)
}

func storesRegions(s wireStatus) [][]wireRegion {
	var out [][]wireRegion
	for _, st := range s.Stores {
		out = append(out, st.Regions)
	}
	return out
}

package multiregion

import (
	"embed"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// statusAssets are the status page's static files. The page is static: the
// data arrives by status.json and the script puts it in the DOM as text, so
// no text from outside (a store name, an error) is ever parsed as markup.
//
//go:embed statuspage_assets/index.html statuspage_assets/app.js statuspage_assets/style.css
var statusAssets embed.FS

// statusAsset is one file the handler serves, by its path relative to
// where the handler is mounted.
type statusAsset struct {
	file, contentType string
}

var statusAssetByPath = map[string]statusAsset{
	"/":          {"statuspage_assets/index.html", "text/html; charset=utf-8"},
	"/app.js":    {"statuspage_assets/app.js", "text/javascript; charset=utf-8"},
	"/style.css": {"statuspage_assets/style.css", "text/css; charset=utf-8"},
}

// statusCSP lets the page load its own script and style and fetch its own
// status.json, and nothing else: no inline script, no other origin, no
// framing, no forms.
const statusCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler returns an http.Handler that serves the Client's routing state
// (Status) as a status page, for a service to mount under
// /debug/multiregion as it would net/http/pprof:
//
//	mux.Handle("/debug/multiregion/", http.StripPrefix("/debug/multiregion", mr.Handler()))
//	// or, without StripPrefix:
//	mux.Handle("/debug/multiregion/", mr.Handler())
//
// It answers GET and HEAD (anything else is 405 with an Allow header):
//
//   - <mount>/ is an HTML page that fetches status.json every second
//     (?refresh=500ms or ?refresh=2s changes the period) and shows the
//     network view, each store's regions in pick order with latency,
//     health and last error, and the writer of each single-writer store.
//     Ejected regions are rows with data-healthy="false" and the text
//     "ejected".
//   - <mount>/status.json is the same state as JSON, in the stable shape
//     the package documentation's "Status page" section lists: fields are
//     added, never renamed or removed.
//   - <mount>/app.js and <mount>/style.css are the page's own assets.
//
// Paths are relative to where the handler is mounted: under
// http.StripPrefix, or directly on an http.ServeMux with a subtree pattern
// (the mux's r.Pattern tells the handler its mount point; with another
// router, use StripPrefix). The page refers to its script, style and JSON
// by relative URLs, so it needs no configuration of its prefix. Any other
// path is 404; the mount point without its slash redirects to the page.
// Drains are not shown: the SDK has none yet.
//
// Every response has Cache-Control: no-store, X-Content-Type-Options:
// nosniff and a Content-Security-Policy that allows only the page's own
// script, style and status.json. After Close the handler still answers,
// with "closed": true.
//
// The page exposes region names, store names, latencies and error texts
// (never credentials: errors in this SDK do not carry them), so mount it
// on an internal or admin listener only, as pprof. The handler is safe for
// concurrent use; each request takes a fresh Status.
func (c *Client) Handler() http.Handler { return statusHandler{c: c} }

type statusHandler struct{ c *Client }

func (h statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", statusCSP)
	hd.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rel := relPath(r)
	if rel == "" {
		if strings.HasSuffix(requestPath(r), "/") {
			rel = "/" // StripPrefix("/debug/multiregion/") and asked for the page
		} else {
			// StripPrefix("/debug/multiregion") and asked for
			// "/debug/multiregion": the page's relative URLs need the slash.
			redirectToSlash(w, r)
			return
		}
	}
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	if rel == "/status.json" {
		h.serveJSON(w, r)
		return
	}
	a, ok := statusAssetByPath[rel]
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := statusAssets.ReadFile(a.file)
	if err != nil { // cannot happen: the files are embedded
		http.Error(w, "status page asset missing", http.StatusInternalServerError)
		return
	}
	writeBody(w, r, a.contentType, body)
}

func (h statusHandler) serveJSON(w http.ResponseWriter, r *http.Request) {
	// json.Marshal escapes <, > and & too, so the JSON is inert even if a
	// browser were tricked into reading it as HTML.
	body, err := json.MarshalIndent(newStatusJSON(h.c.Status(), h.c.opts.Clock.Now()), "", "  ")
	if err != nil { // cannot happen: the view holds strings, numbers and bools
		http.Error(w, "status: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, r, "application/json; charset=utf-8", append(body, '\n'))
}

// writeBody writes body, or only its headers for HEAD.
func writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a client gone away is not the handler's error
	}
}

// redirectToSlash redirects to the request's own path with a slash added,
// as a relative reference (the last element of the original path plus
// "/"): the stripped prefix is not known, and a relative Location resolves
// against the URL the browser asked for. http.Redirect would resolve it
// against the stripped path instead.
func redirectToSlash(w http.ResponseWriter, r *http.Request) {
	orig := requestPath(r)
	base := path.Base(orig)
	if !strings.HasPrefix(orig, "/") || base == "/" || base == "." {
		http.NotFound(w, r)
		return
	}
	loc := "./" + base + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// requestPath is the path the client asked for, before any StripPrefix.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return p
}

// relPath is the request's path relative to where the handler is mounted.
// Under http.StripPrefix that is the path as given. Mounted directly on an
// http.ServeMux with a subtree pattern ("/debug/multiregion/"), the mux
// names the pattern in r.Pattern, and as many leading segments of the path
// as the pattern has are its mount point; they are cut off. A path that
// does not start with the pattern's segments was stripped already.
func relPath(r *http.Request) string {
	p := r.URL.Path
	pat := r.Pattern
	if i := strings.IndexAny(pat, " \t"); i >= 0 { // "GET /debug/multiregion/"
		pat = strings.TrimLeft(pat[i:], " \t")
	}
	i := strings.IndexByte(pat, '/') // after a host, if any
	if i < 0 {
		return p
	}
	pat = strings.TrimSuffix(pat[i:], "{$}")
	if j := strings.LastIndex(pat, "/{"); j >= 0 && strings.HasSuffix(pat, "...}") {
		pat = pat[:j+1] // "/debug/{rest...}" mounts at "/debug/"
	}
	if pat == "/" || !strings.HasSuffix(pat, "/") {
		return p
	}
	rest := p
	for _, seg := range strings.Split(pat[1:len(pat)-1], "/") {
		got, after, ok := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
		if !strings.HasPrefix(rest, "/") || !ok || (got != seg && !strings.HasPrefix(seg, "{")) {
			return p // not the pattern's mount point: already stripped
		}
		rest = "/" + after
	}
	return rest
}

package s3replica

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// AccountID is the account of the lab's Multi-Region Access Point ARNs.
const AccountID = "123456789012"

// Route is one region's route of a Multi-Region Access Point.
type Route struct {
	Bucket                string `xml:"Bucket,omitempty"`
	Region                string `xml:"Region,omitempty"`
	TrafficDialPercentage int    `xml:"TrafficDialPercentage"`
}

// mrap is a Multi-Region Access Point over regional buckets.
type mrap struct {
	alias   string
	routes  []Route // sorted by region
	pending []routeChange
}

// routeChange is a SubmitMultiRegionAccessPointRoutes not yet in effect.
type routeChange struct {
	at      time.Time
	updates []Route
}

// apply puts the submitted changes due by now into effect.
func (m *mrap) apply(now time.Time) {
	kept := m.pending[:0]
	for _, c := range m.pending {
		if c.at.After(now) {
			kept = append(kept, c)
			continue
		}
		for _, u := range c.updates {
			for i := range m.routes {
				if m.routes[i].Region == u.Region || (u.Region == "" && m.routes[i].Bucket == u.Bucket) {
					m.routes[i].TrafficDialPercentage = u.TrafficDialPercentage
				}
			}
		}
	}
	m.pending = kept
}

var aliasPattern = regexp.MustCompile(`^[a-z0-9]{1,50}\.mrap$`)

// MRAPARN returns the ARN of the access point alias.
func MRAPARN(alias string) string { return "arn:aws:s3::" + AccountID + ":accesspoint/" + alias }

// aliasOf returns the alias of an MRAP ARN (or of an alias).
func aliasOf(s string) string {
	if _, a, ok := strings.Cut(s, ":accesspoint/"); ok {
		return a
	}
	return s
}

// CreateMRAP makes a Multi-Region Access Point alias ("<name>.mrap") over
// buckets (region to bucket), every route at 100 %, and returns its ARN.
func (w *World) CreateMRAP(alias string, buckets map[string]string) (string, error) {
	if !aliasPattern.MatchString(alias) {
		return "", fmt.Errorf("s3replica: MRAP alias %q: want lowercase letters and digits ending in .mrap", alias)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.mraps[alias] != nil {
		return "", fmt.Errorf("s3replica: MRAP %s exists", alias)
	}
	m := &mrap{alias: alias}
	for region, name := range buckets {
		if _, err := w.bucketIn(region, name); err != nil {
			return "", fmt.Errorf("s3replica: MRAP %s: bucket %s in %s: %w", alias, name, region, err)
		}
		m.routes = append(m.routes, Route{Bucket: name, Region: region, TrafficDialPercentage: 100})
	}
	if len(m.routes) == 0 {
		return "", fmt.Errorf("s3replica: MRAP %s: no buckets", alias)
	}
	sort.Slice(m.routes, func(i, j int) bool { return m.routes[i].Region < m.routes[j].Region })
	w.mraps[alias] = m
	return MRAPARN(alias), nil
}

// Routes returns the routes of an MRAP (ARN or alias) now in effect.
func (w *World) Routes(mrapARN string) ([]Route, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.mraps[aliasOf(mrapARN)]
	if m == nil {
		return nil, errNoSuchMRAP
	}
	m.apply(time.Now())
	return append([]Route(nil), m.routes...), nil
}

var errNoSuchMRAP = &Error{Status: http.StatusNotFound, Code: "NoSuchMultiRegionAccessPoint",
	Message: "The specified Multi-Region Access Point does not exist."}

// submitRoutes schedules route updates, in effect after MRAPRouteDelay
// (AWS: up to 2 minutes).
func (w *World) submitRoutes(mrapARN string, updates []Route) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.mraps[aliasOf(mrapARN)]
	if m == nil {
		return errNoSuchMRAP
	}
	for _, u := range updates {
		if u.TrafficDialPercentage < 0 || u.TrafficDialPercentage > 100 {
			return invalidRequest("TrafficDialPercentage must be between 0 and 100")
		}
		found := false
		for _, r := range m.routes {
			found = found || r.Region == u.Region || (u.Region == "" && r.Bucket == u.Bucket)
		}
		if !found {
			return invalidRequest("route %s/%s is not part of the Multi-Region Access Point", u.Region, u.Bucket)
		}
	}
	m.pending = append(m.pending, routeChange{at: time.Now().Add(w.opts.MRAPRouteDelay), updates: updates})
	return nil
}

// route picks the region an MRAP request goes to: among reachable regions
// the highest dial, then the lowest latency (Options.Latency), as MRAP
// sends a request to the nearest active route and fails over.
func (w *World) route(alias string) (Route, error) {
	w.mu.Lock()
	m := w.mraps[alias]
	if m == nil {
		w.mu.Unlock()
		return Route{}, errNoSuchMRAP
	}
	m.apply(time.Now())
	routes := append([]Route(nil), m.routes...)
	w.mu.Unlock()
	var best *Route
	var bestLat time.Duration
	for i := range routes {
		r := &routes[i]
		if r.TrafficDialPercentage == 0 || !w.opts.IsUp(r.Region) {
			continue
		}
		lat := w.opts.Latency(r.Region)
		if best == nil || r.TrafficDialPercentage > best.TrafficDialPercentage ||
			r.TrafficDialPercentage == best.TrafficDialPercentage && lat < bestLat {
			best, bestLat = r, lat
		}
	}
	if best == nil {
		return Route{}, &Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable",
			Message: "No route of the Multi-Region Access Point is active and reachable."}
	}
	return *best, nil
}

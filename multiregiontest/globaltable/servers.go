package globaltable

import (
	"net/http/httptest"
)

// Servers are running HTTP endpoints, one per replica region, on
// 127.0.0.1 with ephemeral ports. Safe for concurrent use; Close once done.
type Servers struct {
	order    []string
	byRegion map[string]*httptest.Server
}

// Start serves every replica region on its own local HTTP server (the
// witness gets none: it serves nothing). Point an SDK client's BaseEndpoint
// at Servers.URL(region).
func (e *Emulator) Start() (*Servers, error) {
	if e.closed() {
		return nil, ErrClosed
	}
	s := &Servers{byRegion: map[string]*httptest.Server{}}
	for _, r := range e.regions {
		s.order = append(s.order, r.name)
		s.byRegion[r.name] = httptest.NewServer(e.Handler(r.name))
	}
	return s, nil
}

// URL returns the base URL of region's endpoint, or "" if it has none.
func (s *Servers) URL(region string) string {
	if srv, ok := s.byRegion[region]; ok {
		return srv.URL
	}
	return ""
}

// Close shuts every server down, waiting for in-flight requests and closing
// idle client connections, so no connection goroutine outlives it.
func (s *Servers) Close() {
	for _, name := range s.order {
		s.byRegion[name].Close()
	}
}

package lab

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeToxiproxy is the part of Toxiproxy's HTTP API the lab uses, in memory.
type fakeToxiproxy struct {
	mu      sync.Mutex
	enabled map[string]bool
	toxics  map[string]map[string]int64 // proxy -> toxic name -> latency ms
	calls   []string
	fail    int // if not 0, every request answers this status
}

func newFakeToxiproxy(t *testing.T, env *Env) *fakeToxiproxy {
	t.Helper()
	f := &fakeToxiproxy{enabled: map[string]bool{}, toxics: map[string]map[string]int64{}}
	for _, r := range env.Regions() {
		reg, _ := env.Region(r)
		for _, p := range reg.Proxies {
			f.enabled[p] = true
			f.toxics[p] = map[string]int64{}
		}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	env.Toxiproxy = srv.URL
	return f
}

func (f *fakeToxiproxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, req.Method+" "+req.URL.Path)
	if f.fail != 0 {
		http.Error(w, `{"error":"boom"}`, f.fail)
		return
	}
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "proxies" {
		http.NotFound(w, req)
		return
	}
	proxy := parts[1]
	if _, ok := f.enabled[proxy]; !ok {
		http.Error(w, `{"error":"proxy not found"}`, http.StatusNotFound)
		return
	}
	var body struct {
		Enabled    *bool  `json:"enabled"`
		Name       string `json:"name"`
		Attributes struct {
			Latency int64 `json:"latency"`
		} `json:"attributes"`
	}
	if req.Method == http.MethodPost {
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	switch {
	case len(parts) == 2 && req.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(map[string]any{"name": proxy, "enabled": f.enabled[proxy]})
	case len(parts) == 2 && req.Method == http.MethodPost:
		if body.Enabled != nil {
			f.enabled[proxy] = *body.Enabled
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"name": proxy, "enabled": f.enabled[proxy]})
	case len(parts) == 3 && req.Method == http.MethodGet:
		var out []map[string]any
		for name, ms := range f.toxics[proxy] {
			out = append(out, map[string]any{"name": name, "type": "latency", "attributes": map[string]any{"latency": ms}})
		}
		_ = json.NewEncoder(w).Encode(out)
	case len(parts) == 3 && req.Method == http.MethodPost: // create
		if _, ok := f.toxics[proxy][body.Name]; ok {
			http.Error(w, `{"error":"toxic already exists"}`, http.StatusConflict)
			return
		}
		f.toxics[proxy][body.Name] = body.Attributes.Latency
		_, _ = w.Write([]byte(`{}`))
	case len(parts) == 4 && req.Method == http.MethodPost: // update
		if _, ok := f.toxics[proxy][parts[3]]; !ok {
			http.Error(w, `{"error":"toxic not found"}`, http.StatusNotFound)
			return
		}
		f.toxics[proxy][parts[3]] = body.Attributes.Latency
		_, _ = w.Write([]byte(`{}`))
	default:
		http.Error(w, "unexpected", http.StatusMethodNotAllowed)
	}
}

func mustParse(t *testing.T) *Env {
	t.Helper()
	env, err := Parse([]byte(sampleEnv))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestDownUp(t *testing.T) {
	env := mustParse(t)
	f := newFakeToxiproxy(t, env)
	ctx := context.Background()

	if err := env.Down(ctx, "us-west-2"); err != nil {
		t.Fatal(err)
	}
	for p, on := range f.enabled {
		if want := !strings.HasPrefix(p, "us-west-2-"); on != want {
			t.Errorf("after Down(us-west-2): %s enabled=%v, want %v", p, on, want)
		}
	}
	if up, err := env.IsUp(ctx, "us-west-2"); err != nil || up {
		t.Errorf("IsUp(us-west-2) = %v, %v after Down", up, err)
	}
	if err := env.Up(ctx, "us-west-2"); err != nil {
		t.Fatal(err)
	}
	if up, err := env.IsUp(ctx, "us-west-2"); err != nil || !up {
		t.Errorf("IsUp(us-west-2) = %v, %v after Up", up, err)
	}
	if err := env.Down(ctx, "nowhere-1"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("Down(nowhere-1): %v, want ErrUnknownRegion", err)
	}
}

func TestSetLatencyCreatesThenUpdates(t *testing.T) {
	env := mustParse(t)
	f := newFakeToxiproxy(t, env)
	ctx := context.Background()

	if err := env.SetLatency(ctx, "eu-west-1", 80*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := env.SetLatency(ctx, "eu-west-1", 120400*time.Microsecond); err != nil { // rounds to 120 ms
		t.Fatal(err)
	}
	for _, p := range []string{"eu-west-1-redis", "eu-west-1-s3"} {
		got := f.toxics[p]
		if got[toxicUpstream] != 120 || got[toxicDownstream] != 120 || len(got) != 2 {
			t.Errorf("%s toxics = %v, want 120 ms each way", p, got)
		}
	}
	if len(f.toxics["us-east-1-redis"]) != 0 {
		t.Errorf("another region's toxics changed: %v", f.toxics["us-east-1-redis"])
	}
	if got, err := env.Latency(ctx, "eu-west-1"); err != nil || got != 120*time.Millisecond {
		t.Errorf("Latency(eu-west-1) = %v, %v; want 120ms", got, err)
	}
	if got, err := env.Latency(ctx, "us-east-1"); err != nil || got != 0 {
		t.Errorf("Latency(us-east-1) = %v, %v; want 0 (no toxic)", got, err)
	}
	if err := env.SetLatency(ctx, "eu-west-1", -time.Millisecond); err == nil {
		t.Error("SetLatency accepted a negative latency")
	}
}

func TestResetRestoresConfigured(t *testing.T) {
	env := mustParse(t)
	f := newFakeToxiproxy(t, env)
	ctx := context.Background()
	if err := env.Down(ctx, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	if err := env.SetLatency(ctx, "us-west-2", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := env.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	for p, on := range f.enabled {
		if !on {
			t.Errorf("%s still down after Reset", p)
		}
	}
	for r, want := range map[string]int64{"us-east-1": 5, "us-west-2": 35, "eu-west-1": 80} {
		if got := f.toxics[r+"-postgres"][toxicDownstream]; got != want {
			t.Errorf("%s latency %d ms after Reset, want %d", r, got, want)
		}
	}
}

func TestProxyErrorsAreTyped(t *testing.T) {
	env := mustParse(t)
	f := newFakeToxiproxy(t, env)
	f.fail = http.StatusInternalServerError
	err := env.Down(context.Background(), "us-east-1")
	if !errors.Is(err, ErrProxy) {
		t.Fatalf("Down: %v, want ErrProxy", err)
	}
	var pe *ProxyError
	if !errors.As(err, &pe) || pe.Status != 500 || pe.Op != "down" || !strings.HasPrefix(pe.Proxy, "us-east-1-") || !strings.Contains(pe.Body, "boom") {
		t.Errorf("ProxyError = %+v", pe)
	}
}

func TestProxyUnreachableAndCanceled(t *testing.T) {
	env := mustParse(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	env.Toxiproxy = srv.URL
	srv.Close() // nothing listens there any more

	err := env.Up(context.Background(), "us-east-1")
	var pe *ProxyError
	if !errors.As(err, &pe) || pe.Status != 0 || pe.Err == nil {
		t.Fatalf("Up with no toxiproxy: %v, want a ProxyError with a transport error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := env.SetLatency(ctx, "us-east-1", time.Millisecond); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrProxy) {
		t.Errorf("SetLatency with a canceled context: %v, want context.Canceled and ErrProxy", err)
	}
}

package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// EnvVar names the environment variable that overrides the env file's path.
const EnvVar = "MULTIREGION_LAB_ENV"

// DefaultPath is the env file's path relative to the repository root.
const DefaultPath = ".lab/env.json"

// Service is one of the lab's servers in a region.
type Service string

// The lab's services.
const (
	Redis    Service = "redis"    // ElastiCache Global Datastore shape: primary + replicaof
	Postgres Service = "postgres" // Aurora PostgreSQL global database shape: primary + hot standbys
	MongoDB  Service = "mongodb"  // DocumentDB global cluster shape: FerretDB over each region's PostgreSQL
	DynamoDB Service = "dynamodb" // dynalite per region (no replication between them)
	S3       Service = "s3"       // versitygw per region, versioning on (no replication)
	MariaDB  Service = "mariadb"  // RDS MySQL-family read replicas / Aurora MySQL shape: GTID primary + read_only replicas
)

// Services lists every service, in the lab's order.
func Services() []Service { return []Service{Redis, Postgres, MongoDB, DynamoDB, S3, MariaDB} }

// canonicalOrder is the lab's region order; unknown regions sort after it by name.
var canonicalOrder = []string{"us-east-1", "us-west-2", "eu-west-1"}

// Endpoints holds one address per service.
type Endpoints struct {
	Redis    string `json:"redis"`    // host:port
	Postgres string `json:"postgres"` // postgres:// URL (database "lab", user postgres, no password)
	MongoDB  string `json:"mongodb"`  // mongodb:// URL
	DynamoDB string `json:"dynamodb"` // http:// base endpoint
	S3       string `json:"s3"`       // http:// base endpoint (path-style)
	// MariaDB is a go-sql-driver/mysql DSN, user:password@tcp(host:port)/lab, of the
	// application's account: subject to read_only, so a replica refuses its writes
	// with error 1290.
	MariaDB string `json:"mariadb"`
	// MariaDBAdmin is the same server's DSN for the lab's admin account, which has
	// READ_ONLY ADMIN: it may SET GLOBAL read_only (promotion) and so also writes on a
	// read_only replica. Tests change the topology with it, never write data with it.
	MariaDBAdmin string `json:"mariadb_admin"`
}

// Get returns the address of s, or "" for an unknown service.
func (e Endpoints) Get(s Service) string {
	switch s {
	case Redis:
		return e.Redis
	case Postgres:
		return e.Postgres
	case MongoDB:
		return e.MongoDB
	case DynamoDB:
		return e.DynamoDB
	case S3:
		return e.S3
	case MariaDB:
		return e.MariaDB
	}
	return ""
}

// Region is one region of the lab. The embedded Endpoints go through the region's
// proxies (use these); Direct bypasses them (no latency, no outage).
type Region struct {
	Name string `json:"-"`
	// LatencyMS is the configured one-way latency from the client, in milliseconds.
	LatencyMS int `json:"latency_ms"`
	Endpoints
	// Proxies names the region's Toxiproxy proxies.
	Proxies []string  `json:"proxies"`
	Direct  Endpoints `json:"direct"`
}

// Latency is the configured one-way latency.
func (r Region) Latency() time.Duration { return time.Duration(r.LatencyMS) * time.Millisecond }

// RoundTrip is the configured round-trip time through the proxy (twice the one-way latency).
func (r Region) RoundTrip() time.Duration { return 2 * r.Latency() }

// Env is a parsed env file. It is safe for concurrent use.
type Env struct {
	// Writer is the region that takes writes (Redis primary, PostgreSQL primary).
	Writer string
	// Toxiproxy is the base URL of Toxiproxy's HTTP API.
	Toxiproxy   string
	S3AccessKey string
	S3SecretKey string
	// Path is the file the Env was loaded from ("" for Parse).
	Path string

	regions map[string]Region
	order   []string
}

type envFile struct {
	Writer      string            `json:"writer"`
	Toxiproxy   string            `json:"toxiproxy"`
	Regions     map[string]Region `json:"regions"`
	S3AccessKey string            `json:"s3_access_key"`
	S3SecretKey string            `json:"s3_secret_key"`
}

// Load reads the env file that `scripts/lab up` wrote: $MULTIREGION_LAB_ENV if set,
// else .lab/env.json in the working directory or the nearest parent holding one,
// stopping at the module root (the directory holding go.mod). A missing file gives
// an error that errors.Is ErrNotRunning.
func Load() (*Env, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	return LoadFile(path)
}

// Path returns the env file Load would read. The file may not exist (the lab is
// down): the path is then where `scripts/lab up` would write it.
func Path() (string, error) {
	if p := os.Getenv(EnvVar); p != "" {
		return p, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("lab: working directory: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, filepath.FromSlash(DefaultPath))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return p, nil // module root: the file would be here
		}
		if filepath.Dir(dir) == dir {
			return filepath.Join(wd, filepath.FromSlash(DefaultPath)), nil
		}
	}
}

// LoadFile reads and parses the env file at path.
func LoadFile(path string) (*Env, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab: %w: no env file at %s (run scripts/lab up)", ErrNotRunning, path)
	}
	if err != nil {
		return nil, fmt.Errorf("lab: read env file: %w", err)
	}
	env, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	env.Path = path
	return env, nil
}

// Parse parses an env file's content and checks it: a writer that is one of the
// regions, a Toxiproxy URL, and every service's address in every region.
func Parse(b []byte) (*Env, error) {
	var f envFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("lab: %w: %w", ErrBadEnv, err)
	}
	var problems []string
	if len(f.Regions) == 0 {
		problems = append(problems, "no regions")
	}
	if _, ok := f.Regions[f.Writer]; !ok {
		problems = append(problems, fmt.Sprintf("writer %q is not a region", f.Writer))
	}
	if u, err := url.Parse(f.Toxiproxy); err != nil || u.Scheme != "http" || u.Host == "" {
		problems = append(problems, fmt.Sprintf("toxiproxy %q is not an http URL", f.Toxiproxy))
	}
	env := &Env{
		Writer:      f.Writer,
		Toxiproxy:   strings.TrimRight(f.Toxiproxy, "/"),
		S3AccessKey: f.S3AccessKey,
		S3SecretKey: f.S3SecretKey,
		regions:     make(map[string]Region, len(f.Regions)),
	}
	for name, r := range f.Regions {
		r.Name = name
		if r.LatencyMS < 0 {
			problems = append(problems, fmt.Sprintf("%s: negative latency_ms", name))
		}
		for _, s := range Services() {
			if r.Get(s) == "" {
				problems = append(problems, fmt.Sprintf("%s: no %s address", name, s))
			}
		}
		if r.MariaDBAdmin == "" || r.Direct.MariaDBAdmin == "" {
			problems = append(problems, fmt.Sprintf("%s: no mariadb_admin DSN", name))
		}
		if len(r.Proxies) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no proxies", name))
		}
		env.regions[name] = r
		env.order = append(env.order, name)
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("lab: %w: %s", ErrBadEnv, strings.Join(problems, "; "))
	}
	slices.SortFunc(env.order, compareRegions)
	return env, nil
}

func compareRegions(a, b string) int {
	ia, ib := slices.Index(canonicalOrder, a), slices.Index(canonicalOrder, b)
	switch {
	case ia >= 0 && ib >= 0:
		return ia - ib
	case ia >= 0:
		return -1
	case ib >= 0:
		return 1
	}
	return strings.Compare(a, b)
}

// Regions returns the region names: the lab's order (us-east-1, us-west-2,
// eu-west-1), then any others by name. The slice is a copy.
func (e *Env) Regions() []string { return slices.Clone(e.order) }

// Replicas returns the regions other than the writer, in Regions order.
func (e *Env) Replicas() []string {
	var out []string
	for _, r := range e.order {
		if r != e.Writer {
			out = append(out, r)
		}
	}
	return out
}

// Region returns one region; an unknown name gives an error that errors.Is
// ErrUnknownRegion.
func (e *Env) Region(name string) (Region, error) {
	r, ok := e.regions[name]
	if !ok {
		return Region{}, fmt.Errorf("lab: %w: %q (have %s)", ErrUnknownRegion, name, strings.Join(e.order, ", "))
	}
	r.Proxies = slices.Clone(r.Proxies)
	return r, nil
}

// Endpoint returns the client-facing (proxied) address of service s in region.
func (e *Env) Endpoint(region string, s Service) (string, error) {
	r, err := e.Region(region)
	if err != nil {
		return "", err
	}
	addr := r.Get(s)
	if addr == "" {
		return "", fmt.Errorf("lab: %w: %q", ErrUnknownService, s)
	}
	return addr, nil
}

// HostPort returns the host:port of an endpoint in any of the lab's forms
// (host:port, http://host:port, postgres://user@host:port/db?..., mongodb://host:port/,
// user:password@tcp(host:port)/db). Its errors never quote the endpoint, which may
// hold a password.
func HostPort(endpoint string) (string, error) {
	if i := strings.Index(endpoint, "@tcp("); i >= 0 {
		rest := endpoint[i+len("@tcp("):]
		j := strings.IndexByte(rest, ')')
		if j <= 0 {
			return "", fmt.Errorf("lab: %w: a MySQL DSN without its tcp(host:port) address", ErrBadEnv)
		}
		return rest[:j], nil
	}
	if !strings.Contains(endpoint, "://") {
		return endpoint, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("lab: %w: an endpoint URL has no host", ErrBadEnv)
	}
	return u.Host, nil
}

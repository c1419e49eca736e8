package lab

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleEnv is what scripts/lab up writes for LAB_BASE_PORT=27100.
const sampleEnv = `{"writer":"us-east-1","toxiproxy":"http://127.0.0.1:27100",
 "regions":{"us-east-1":{"latency_ms":5,
   "redis":"127.0.0.1:27110","postgres":"postgres://postgres@127.0.0.1:27111/lab?sslmode=disable",
   "mongodb":"mongodb://127.0.0.1:27112/","dynamodb":"http://127.0.0.1:27113","s3":"http://127.0.0.1:27114",
   "mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27115)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27115)/lab",
   "proxies":["us-east-1-redis","us-east-1-postgres","us-east-1-mongodb","us-east-1-dynamodb","us-east-1-s3","us-east-1-mariadb"],
   "direct":{"redis":"127.0.0.1:27150","postgres":"postgres://postgres@127.0.0.1:27151/lab?sslmode=disable","mongodb":"mongodb://127.0.0.1:27152/","dynamodb":"http://127.0.0.1:27153","s3":"http://127.0.0.1:27154","mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27155)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27155)/lab"}},
  "eu-west-1":{"latency_ms":80,
   "redis":"127.0.0.1:27130","postgres":"postgres://postgres@127.0.0.1:27131/lab?sslmode=disable",
   "mongodb":"mongodb://127.0.0.1:27132/","dynamodb":"http://127.0.0.1:27133","s3":"http://127.0.0.1:27134",
   "mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27135)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27135)/lab",
   "proxies":["eu-west-1-redis","eu-west-1-postgres","eu-west-1-mongodb","eu-west-1-dynamodb","eu-west-1-s3","eu-west-1-mariadb"],
   "direct":{"redis":"127.0.0.1:27170","postgres":"postgres://postgres@127.0.0.1:27171/lab?sslmode=disable","mongodb":"mongodb://127.0.0.1:27172/","dynamodb":"http://127.0.0.1:27173","s3":"http://127.0.0.1:27174","mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27175)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27175)/lab"}},
  "us-west-2":{"latency_ms":35,
   "redis":"127.0.0.1:27120","postgres":"postgres://postgres@127.0.0.1:27121/lab?sslmode=disable",
   "mongodb":"mongodb://127.0.0.1:27122/","dynamodb":"http://127.0.0.1:27123","s3":"http://127.0.0.1:27124",
   "mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27125)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27125)/lab",
   "proxies":["us-west-2-redis","us-west-2-postgres","us-west-2-mongodb","us-west-2-dynamodb","us-west-2-s3","us-west-2-mariadb"],
   "direct":{"redis":"127.0.0.1:27160","postgres":"postgres://postgres@127.0.0.1:27161/lab?sslmode=disable","mongodb":"mongodb://127.0.0.1:27162/","dynamodb":"http://127.0.0.1:27163","s3":"http://127.0.0.1:27164","mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27165)/lab","mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27165)/lab"}}},
 "s3_access_key":"labaccesskey","s3_secret_key":"labsecretkey0123456789"}`

func TestParse(t *testing.T) {
	env, err := Parse([]byte(sampleEnv))
	if err != nil {
		t.Fatal(err)
	}
	if env.Writer != "us-east-1" || env.Toxiproxy != "http://127.0.0.1:27100" {
		t.Errorf("writer %q toxiproxy %q", env.Writer, env.Toxiproxy)
	}
	if env.S3AccessKey != "labaccesskey" || env.S3SecretKey != "labsecretkey0123456789" {
		t.Errorf("s3 keys %q %q", env.S3AccessKey, env.S3SecretKey)
	}
	if got, want := env.Regions(), []string{"us-east-1", "us-west-2", "eu-west-1"}; !slices.Equal(got, want) {
		t.Errorf("Regions() = %v, want %v", got, want)
	}
	if got, want := env.Replicas(), []string{"us-west-2", "eu-west-1"}; !slices.Equal(got, want) {
		t.Errorf("Replicas() = %v, want %v", got, want)
	}
	r, err := env.Region("eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "eu-west-1" || r.LatencyMS != 80 || r.Latency() != 80*time.Millisecond || r.RoundTrip() != 160*time.Millisecond {
		t.Errorf("region %+v", r)
	}
	want := map[Service]string{
		Redis:    "127.0.0.1:27130",
		Postgres: "postgres://postgres@127.0.0.1:27131/lab?sslmode=disable",
		MongoDB:  "mongodb://127.0.0.1:27132/",
		DynamoDB: "http://127.0.0.1:27133",
		S3:       "http://127.0.0.1:27134",
		MariaDB:  "lab:labpass0123456789@tcp(127.0.0.1:27135)/lab",
	}
	for s, w := range want {
		got, err := env.Endpoint("eu-west-1", s)
		if err != nil || got != w {
			t.Errorf("Endpoint(eu-west-1, %s) = %q, %v; want %q", s, got, err, w)
		}
	}
	if r.Direct.Redis != "127.0.0.1:27170" || r.Direct.Get(S3) != "http://127.0.0.1:27174" {
		t.Errorf("direct %+v", r.Direct)
	}
	if r.Direct.MariaDB != "lab:labpass0123456789@tcp(127.0.0.1:27175)/lab" || r.MariaDBAdmin != "labadmin:labadminpass0123456789@tcp(127.0.0.1:27135)/lab" {
		t.Errorf("mariadb %q, admin %q", r.Direct.MariaDB, r.MariaDBAdmin)
	}
	if len(r.Proxies) != 6 || r.Proxies[0] != "eu-west-1-redis" || r.Proxies[5] != "eu-west-1-mariadb" {
		t.Errorf("proxies %v", r.Proxies)
	}
	// Region returns a copy: changing it leaves the Env alone.
	r.Proxies[0] = "changed"
	if r2, _ := env.Region("eu-west-1"); r2.Proxies[0] != "eu-west-1-redis" {
		t.Error("Region shares its Proxies slice")
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		in, want string
	}{
		"not json":        {`{`, "unexpected end"},
		"no regions":      {`{"writer":"us-east-1","toxiproxy":"http://127.0.0.1:1"}`, "no regions"},
		"bad writer":      {strings.Replace(sampleEnv, `"writer":"us-east-1"`, `"writer":"ap-south-1"`, 1), `writer "ap-south-1" is not a region`},
		"bad toxiproxy":   {strings.Replace(sampleEnv, `"http://127.0.0.1:27100"`, `"127.0.0.1:27100"`, 1), "not an http URL"},
		"missing redis":   {strings.Replace(sampleEnv, `"redis":"127.0.0.1:27120",`, ``, 1), "us-west-2: no redis address"},
		"negative delay":  {strings.Replace(sampleEnv, `"latency_ms":35`, `"latency_ms":-1`, 1), "us-west-2: negative latency_ms"},
		"no proxies":      {strings.Replace(sampleEnv, `"proxies":["us-west-2-redis","us-west-2-postgres","us-west-2-mongodb","us-west-2-dynamodb","us-west-2-s3","us-west-2-mariadb"],`, ``, 1), "us-west-2: no proxies"},
		"missing mariadb": {strings.Replace(sampleEnv, `"mariadb":"lab:labpass0123456789@tcp(127.0.0.1:27125)/lab",`, ``, 1), "us-west-2: no mariadb address"},
		"missing admin":   {strings.Replace(sampleEnv, `,"mariadb_admin":"labadmin:labadminpass0123456789@tcp(127.0.0.1:27165)/lab"`, ``, 1), "us-west-2: no mariadb_admin DSN"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if !errors.Is(err, ErrBadEnv) {
				t.Fatalf("err = %v, want ErrBadEnv", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestUnknownRegionAndService(t *testing.T) {
	env, err := Parse([]byte(sampleEnv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Region("ap-south-1"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("Region: %v, want ErrUnknownRegion", err)
	}
	if _, err := env.Endpoint("ap-south-1", Redis); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("Endpoint: %v, want ErrUnknownRegion", err)
	}
	if _, err := env.Endpoint("us-east-1", "memcached"); !errors.Is(err, ErrUnknownService) {
		t.Errorf("Endpoint: %v, want ErrUnknownService", err)
	}
}

func TestRegionsOrderUnknownLast(t *testing.T) {
	in := strings.Replace(sampleEnv, `"us-west-2":{`, `"ap-south-1":{`, 1)
	env, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := env.Regions(), []string{"us-east-1", "eu-west-1", "ap-south-1"}; !slices.Equal(got, want) {
		t.Errorf("Regions() = %v, want %v", got, want)
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:27110": "127.0.0.1:27110",
		"postgres://postgres@127.0.0.1:27111/lab?sslmode=disable": "127.0.0.1:27111",
		"mongodb://127.0.0.1:27112/":                              "127.0.0.1:27112",
		"http://127.0.0.1:27113":                                  "127.0.0.1:27113",
		"lab:labpass0123456789@tcp(127.0.0.1:27115)/lab":          "127.0.0.1:27115",
	} {
		if got, err := HostPort(in); err != nil || got != want {
			t.Errorf("HostPort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := HostPort("http://"); !errors.Is(err, ErrBadEnv) {
		t.Errorf("HostPort(http://): %v, want ErrBadEnv", err)
	}
	// A DSN's error names no part of it: it holds a password.
	if _, err := HostPort("lab:secretpw@tcp(127.0.0.1/lab"); !errors.Is(err, ErrBadEnv) || strings.Contains(err.Error(), "secretpw") {
		t.Errorf("HostPort(unclosed tcp): %v, want ErrBadEnv without the password", err)
	}
}

func TestLoadFromEnvVar(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "env.json")
	if err := os.WriteFile(p, []byte(sampleEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, p)
	env, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if env.Path != p || len(env.Regions()) != 3 {
		t.Errorf("Load: path %q regions %v", env.Path, env.Regions())
	}
}

func TestLoadMissingIsNotRunning(t *testing.T) {
	t.Setenv(EnvVar, filepath.Join(t.TempDir(), "absent.json"))
	_, err := Load()
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Load: %v, want ErrNotRunning", err)
	}
	if !strings.Contains(err.Error(), "scripts/lab up") {
		t.Errorf("error %q does not say how to start the lab", err)
	}
}

func TestLoadBadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(p, []byte(`{"writer":`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(p)
	if !errors.Is(err, ErrBadEnv) || !strings.Contains(err.Error(), p) {
		t.Fatalf("LoadFile: %v, want ErrBadEnv naming the file", err)
	}
}

func TestPathWalksUpToModuleRoot(t *testing.T) {
	t.Setenv(EnvVar, "")
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	want := filepath.Join(root, ".lab", "env.json")

	// No file yet: the path is the module root's, and Load says "not running".
	if got, err := Path(); err != nil || got != want {
		t.Fatalf("Path() = %q, %v; want %q", got, err, want)
	}
	if _, err := Load(); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Load: %v, want ErrNotRunning", err)
	}

	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte(sampleEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	env, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if env.Path != want {
		t.Errorf("Load read %q, want %q", env.Path, want)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/multiregiontest"
)

func TestBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"no regions", nil, []string{"-regions is required"}},
		{"typo region", []string{"-regions", "us-east-1,us-wset-2"}, []string{`unknown region "us-wset-2"`, "did you mean us-west-2?"}},
		{"unknown region", []string{"-regions", "zz-nowhere-1"}, []string{`unknown region "zz-nowhere-1"`}},
		{"malformed region", []string{"-regions", "US_EAST_1"}, []string{`"US_EAST_1" is not an AWS region name`}},
		{"duplicate region", []string{"-regions", "us-east-1,us-east-1"}, []string{"us-east-1 is listed twice"}},
		{"unknown service", []string{"-regions", "us-east-1", "-services", "dynamodb,dynamo"},
			[]string{`unknown service "dynamo"`, "known services: dynamodb, dynamodb-streams, s3, rds, elasticache"}},
		{"no service", []string{"-regions", "us-east-1", "-services", ","}, []string{"-services is empty"}},
		{"n zero", []string{"-regions", "us-east-1", "-n", "0"}, []string{"-n 0: want at least 1"}},
		{"n not a number", []string{"-regions", "us-east-1", "-n", "ten"}, []string{`invalid value "ten" for flag -n`}},
		{"negative interval", []string{"-regions", "us-east-1", "-interval", "-1s"}, []string{"-interval -1s: want 0 or more"}},
		{"zero timeout", []string{"-regions", "us-east-1", "-timeout", "0"}, []string{"-timeout 0s: want more than 0"}},
		{"unknown flag", []string{"-regions", "us-east-1", "-count", "3"}, []string{"flag provided but not defined: -count"}},
		{"argument", []string{"-regions", "us-east-1", "eu-west-1"}, []string{`unexpected argument "eu-west-1"`}},
		{"endpoint no URL", []string{"-regions", "us-east-1", "-endpoints", "us-east-1"}, []string{"want REGION=URL"}},
		{"endpoint bad URL", []string{"-regions", "us-east-1", "-endpoints", "us-east-1=127.0.0.1:4566"}, []string{"is not an http:// or https:// URL"}},
		{"endpoint other region", []string{"-regions", "us-east-1", "-endpoints", "us-west-2=http://127.0.0.1:1"}, []string{"region us-west-2 is not one of -regions"}},
		{"endpoint unknown service", []string{"-regions", "us-east-1", "-endpoints", "dynamo@us-east-1=http://127.0.0.1:1"}, []string{`unknown service "dynamo"`}},
		{"endpoint service not probed", []string{"-regions", "us-east-1", "-endpoints", "s3@us-east-1=http://127.0.0.1:1"}, []string{"service s3 is not one of -services"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t.Context(), t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if !strings.HasPrefix(stderr, "mrprobe: ") || !strings.HasSuffix(stderr, "Run 'mrprobe -h' for usage.\n") {
				t.Errorf("stderr %q: want one message and a pointer to -h", stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCmd(t.Context(), t, "-h")
	if code != exitOK || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 0 and the usage on stderr", code, stdout)
	}
	for _, w := range []string{"Usage: mrprobe -regions", "-endpoints", "SERVICE@REGION=URL", "-progress", "nearest rank", "Exit status"} {
		if !strings.Contains(stderr, w) && !strings.Contains(strings.ReplaceAll(stderr, "\n", " "), w) {
			t.Errorf("usage lacks %q:\n%s", w, stderr)
		}
	}
}

func TestParseEndpoints(t *testing.T) {
	t.Parallel()
	// Service entries win over region-wide ones in either order; of two
	// entries for the same key the later wins.
	cfg, err := parseArgs([]string{
		"-regions", "us-east-1,eu-west-1,ap-south-1", "-services", "s3,DynamoDB",
		"-endpoints", "S3@us-east-1=http://s3.local:1, us-east-1=http://all.local:2,eu-west-1=http://old.local:3,eu-west-1=https://eu.local/x",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s3, _ := lookupService("s3")
	ddb, _ := lookupService("dynamodb")
	for _, tt := range []struct {
		svc  service
		r    multiregion.Region
		want string
	}{
		{s3, "us-east-1", "http://s3.local:1"},
		{ddb, "us-east-1", "http://all.local:2"},
		{s3, "eu-west-1", "https://eu.local/x"},
		{ddb, "eu-west-1", "https://eu.local/x"},
		{s3, "ap-south-1", "https://s3.ap-south-1.amazonaws.com/"},
		{ddb, "ap-south-1", "https://dynamodb.ap-south-1.amazonaws.com/"},
	} {
		if got := cfg.Endpoints.url(tt.svc, tt.r); got != tt.want {
			t.Errorf("%s in %s: %s, want %s", tt.svc.Name, tt.r, got, tt.want)
		}
	}
	if len(cfg.Services) != 2 || cfg.Services[0].Name != "s3" || cfg.Services[1].Name != "dynamodb" {
		t.Errorf("services %v, want s3, dynamodb in the order given", cfg.Services)
	}
	if cfg.N != 10 || cfg.Interval != 200*time.Millisecond || cfg.Timeout != 5*time.Second || cfg.JSON || cfg.Progress != nil {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestAWSURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ svc, region, want string }{
		{"dynamodb", "us-east-1", "https://dynamodb.us-east-1.amazonaws.com/"},
		{"dynamodb-streams", "eu-west-1", "https://streams.dynamodb.eu-west-1.amazonaws.com/"},
		{"rds", "us-gov-west-1", "https://rds.us-gov-west-1.amazonaws.com/"},
		{"s3", "cn-northwest-1", "https://s3.cn-northwest-1.amazonaws.com.cn/"},
		{"elasticache", "eusc-de-east-1", "https://elasticache.eusc-de-east-1.amazonaws.eu/"},
	} {
		s, ok := lookupService(tt.svc)
		if !ok {
			t.Fatalf("no service %s", tt.svc)
		}
		if got := awsURL(s, multiregion.Region(tt.region)); got != tt.want {
			t.Errorf("awsURL(%s, %s) = %s, want %s", tt.svc, tt.region, got, tt.want)
		}
	}
	// A partition added to the SDK must get its DNS suffix here, rather
	// than be probed at amazonaws.com by default.
	for _, r := range multiregion.KnownRegions() {
		if p, _ := multiregion.KnownRegion(r); dnsSuffixes[p] == "" {
			t.Errorf("no DNS suffix for partition %s (region %s)", p, r)
		}
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	seq := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(i+1) * time.Millisecond
		}
		return out
	}
	for _, tt := range []struct {
		n    int
		p    float64
		want time.Duration
	}{
		{1, 50, 1 * time.Millisecond}, {1, 99, 1 * time.Millisecond},
		{10, 50, 5 * time.Millisecond}, {10, 90, 9 * time.Millisecond}, {10, 99, 10 * time.Millisecond},
		{5, 50, 3 * time.Millisecond}, {5, 90, 5 * time.Millisecond},
		{100, 99, 99 * time.Millisecond}, {100, 100, 100 * time.Millisecond}, {200, 99, 198 * time.Millisecond},
	} {
		if got := percentile(seq(tt.n), tt.p); got != tt.want {
			t.Errorf("p%v of 1..%dms = %v, want %v", tt.p, tt.n, got, tt.want)
		}
	}
}

// -endpoints lab reads the env file of scripts/lab; here one written for a
// multiregiontest lab, so the test needs no running lab.
func TestLabEndpoints(t *testing.T) {
	l := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"},
		multiregiontest.WithLatency("us-east-1", 60*time.Millisecond))
	regions := map[string]any{}
	for _, r := range l.Names() {
		u := l.Endpoint(r).URL
		regions[r] = map[string]any{
			"latency_ms": 0, "redis": "127.0.0.1:1", "postgres": "postgres://postgres@127.0.0.1:1/lab",
			"mongodb": "mongodb://127.0.0.1:1/", "dynamodb": u, "s3": u, "proxies": []string{r + "-dynamodb"},
		}
	}
	b, err := json.Marshal(map[string]any{"writer": "us-east-1", "toxiproxy": "http://127.0.0.1:1", "regions": regions})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(lab.EnvVar, path)

	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,eu-west-1", "-services", "dynamodb,s3",
		"-endpoints", "lab", "-n", "2", "-interval", "0", "-json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	rep := decode(t, stdout)
	for i, res := range rep.Results {
		want := []string{"eu-west-1", "us-east-1"}[i%2]
		if res.Region != want || res.URL != l.Endpoint(want).URL || res.OK != 2 {
			t.Errorf("result %d: %s at %s, ok %d; want %s at the lab's %s, 2 answers", i, res.Region, res.URL, res.OK, want, l.Endpoint(want).URL)
		}
	}

	code, _, stderr = runCmd(t.Context(), t, "-regions", "us-east-1", "-services", "rds", "-endpoints", "lab")
	if code != exitUsage || !strings.Contains(stderr, "the lab serves no HTTP endpoint for rds") {
		t.Errorf("rds on the lab: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t.Context(), t, "-regions", "us-west-2", "-endpoints", "lab")
	if code != exitUsage || !strings.Contains(stderr, "unknown lab region") {
		t.Errorf("region not in the lab: exit %d, stderr %q", code, stderr)
	}
}

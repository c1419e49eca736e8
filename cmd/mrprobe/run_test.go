package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/regionkit/multiregion/multiregiontest"
)

// runCmd runs the command with args and returns its exit status and output.
func runCmd(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// labFlag is the -endpoints value for every region of l: one URL per
// region, for every service.
func labFlag(l *multiregiontest.Lab) string {
	var parts []string
	for _, r := range l.Names() {
		parts = append(parts, r+"="+l.Endpoint(r).URL)
	}
	return strings.Join(parts, ",")
}

// decode parses the -json output, which must be one JSON document and
// nothing else (so `mrprobe -json | jq` works).
func decode(t *testing.T, stdout string) report {
	t.Helper()
	var rep report
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout has more than one JSON document:\n%s", stdout)
	}
	return rep
}

// The latencies are far apart (and the order differs from -regions and
// from the alphabet) so that a loaded 2-core machine cannot swap them.
var testLatencies = map[string]time.Duration{
	"us-east-1":      120 * time.Millisecond,
	"eu-west-1":      5 * time.Millisecond,
	"ap-southeast-2": 45 * time.Millisecond,
}

var wantOrder = []string{"eu-west-1", "ap-southeast-2", "us-east-1"}

func startLab(t *testing.T) *multiregiontest.Lab {
	t.Helper()
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	var opts []multiregiontest.Option
	for _, r := range regions {
		opts = append(opts, multiregiontest.WithLatency(r, testLatencies[r]))
	}
	return multiregiontest.Start(t, regions, opts...)
}

func TestRankingJSON(t *testing.T) {
	t.Parallel()
	l := startLab(t)
	const n = 5
	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,eu-west-1,ap-southeast-2",
		"-services", "dynamodb,s3", "-endpoints", labFlag(l), "-n", "5", "-interval", "0", "-timeout", "5s", "-json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing (not a terminal, no -progress)", stderr)
	}
	rep := decode(t, stdout)
	if rep.Rounds != n || rep.Interrupted || rep.Config.N != n || len(rep.Config.Regions) != 3 ||
		strings.Join(rep.Config.Services, ",") != "dynamodb,s3" || rep.Config.Endpoints != labFlag(l) {
		t.Errorf("report header %+v, config %+v", rep, rep.Config)
	}
	if len(rep.Results) != 6 {
		t.Fatalf("%d results, want 3 regions × 2 services", len(rep.Results))
	}
	for i, res := range rep.Results {
		wantService := []string{"dynamodb", "s3"}[i/3]
		if res.Service != wantService || res.Region != wantOrder[i%3] || res.Rank != i%3+1 {
			t.Errorf("result %d is rank %d %s %s, want rank %d %s %s", i, res.Rank, res.Region, res.Service, i%3+1, wantOrder[i%3], wantService)
		}
		if res.URL != l.Endpoint(res.Region).URL {
			t.Errorf("%s probed %s, want the lab's %s", res.Region, res.URL, l.Endpoint(res.Region).URL)
		}
		if res.OK != n || res.Attempts != n || len(res.SamplesMS) != n || res.LastError != "" {
			t.Errorf("%s %s: ok %d/%d, %d samples, error %q; want %d/%d", res.Region, res.Service, res.OK, res.Attempts, len(res.SamplesMS), res.LastError, n, n)
			continue
		}
		// The lab delays every answer by its latency, after the request
		// was written: no sample can be below it.
		lat := ms(testLatencies[res.Region])
		if *res.MinMS < lat {
			t.Errorf("%s: min %.2fms below the injected %.0fms", res.Region, *res.MinMS, lat)
		}
		if !(*res.MinMS <= *res.P50MS && *res.P50MS <= *res.P90MS && *res.P90MS <= *res.P99MS && *res.P99MS <= *res.MaxMS) {
			t.Errorf("%s: min %v p50 %v p90 %v p99 %v max %v out of order", res.Region, *res.MinMS, *res.P50MS, *res.P90MS, *res.P99MS, *res.MaxMS)
		}
		if *res.P50MS > lat+1000 {
			t.Errorf("%s: p50 %.1fms, implausibly far above the injected %.0fms", res.Region, *res.P50MS, lat)
		}
		if !containsFloat(res.SamplesMS, *res.P50MS) || !containsFloat(res.SamplesMS, *res.MaxMS) {
			t.Errorf("%s: p50 %v or max %v is not a sample of %v (nearest rank)", res.Region, *res.P50MS, *res.MaxMS, res.SamplesMS)
		}
		if i%3 > 0 && *res.P50MS <= *rep.Results[i-1].P50MS {
			t.Errorf("%s p50 %v not above the previous rank's %v", res.Region, *res.P50MS, *rep.Results[i-1].P50MS)
		}
	}
}

func containsFloat(xs []float64, x float64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestRankingText(t *testing.T) {
	t.Parallel()
	l := startLab(t)
	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,eu-west-1,ap-southeast-2",
		"-endpoints", labFlag(l), "-n", "3", "-interval", "1ms")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "RANK") || !strings.Contains(lines[0], "LAST ERROR") {
		t.Fatalf("no table:\n%s", stdout)
	}
	for i, want := range wantOrder {
		f := strings.Fields(lines[i+1])
		if len(f) != 10 || f[0] != string(rune('1'+i)) || f[1] != want || f[2] != "dynamodb" || f[8] != "3/3" || f[9] != "-" {
			t.Errorf("row %d = %q, want rank %d %s dynamodb ... 3/3 -", i+1, lines[i+1], i+1, want)
		}
		if !strings.HasSuffix(f[3], "ms") {
			t.Errorf("row %d p50 %q, want milliseconds", i+1, f[3])
		}
	}
	if !strings.Contains(stdout, "3 rounds of 3") || !strings.Contains(stdout, "nearest rank") {
		t.Errorf("no note on the method:\n%s", stdout)
	}
}

func TestFailedRegionsRankLast(t *testing.T) {
	t.Parallel()
	l := multiregiontest.Start(t, []string{"us-east-1", "us-west-2", "eu-west-1"},
		multiregiontest.WithLatency("us-west-2", 40*time.Millisecond))
	l.Endpoint("us-east-1").Down()          // connections refused
	l.Endpoint("eu-west-1").SetErrorRate(1) // every answer HTTP 500
	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,us-west-2,eu-west-1",
		"-endpoints", labFlag(l), "-n", "2", "-interval", "0", "-json")
	if code != exitOK {
		t.Fatalf("exit %d (some regions answered), stderr %q", code, stderr)
	}
	rep := decode(t, stdout)
	want := []struct{ region, err string }{{"us-west-2", ""}, {"us-east-1", "connection refused"}, {"eu-west-1", "HTTP 500"}}
	for i, w := range want {
		res := rep.Results[i]
		if res.Region != w.region || res.Rank != i+1 {
			t.Errorf("rank %d is %s, want %s", res.Rank, res.Region, w.region)
		}
		if w.err == "" {
			if res.OK != 2 || res.P50MS == nil {
				t.Errorf("%s: ok %d, p50 %v; want 2 answers", res.Region, res.OK, res.P50MS)
			}
			continue
		}
		if res.OK != 0 || res.Attempts != 2 || res.P50MS != nil || res.MaxMS != nil || !strings.Contains(res.LastError, w.err) {
			t.Errorf("%s: ok %d/%d, p50 %v, error %q; want 0/2, no figures, %q", res.Region, res.OK, res.Attempts, res.P50MS, res.LastError, w.err)
		}
	}

	// The table: the same order, "0/2" and the short error.
	code, stdout, _ = runCmd(t.Context(), t, "-regions", "us-east-1,us-west-2,eu-west-1",
		"-endpoints", labFlag(l), "-n", "2", "-interval", "0")
	lines := strings.Split(stdout, "\n")
	if code != exitOK || len(lines) < 4 {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if !strings.Contains(lines[2], "us-east-1") || !strings.Contains(lines[2], "0/2") || !strings.Contains(lines[2], "connect: connection refused") ||
		strings.Contains(lines[2], "Get ") {
		t.Errorf("row 2 = %q, want us-east-1 0/2 with the short error", lines[2])
	}
	if !strings.Contains(lines[3], "eu-west-1") || !strings.HasSuffix(strings.Join(strings.Fields(lines[3]), " "), "0/2 HTTP 500") {
		t.Errorf("row 3 = %q, want eu-west-1 0/2 HTTP 500", lines[3])
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	l := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"})
	l.Endpoint("us-east-1").Blackhole(true) // requests hang until the client gives up
	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,eu-west-1", "-endpoints", labFlag(l),
		"-n", "1", "-timeout", "150ms")
	lines := strings.Split(stdout, "\n")
	if code != exitOK || len(lines) < 3 {
		t.Fatalf("exit %d, stderr %q:\n%s", code, stderr, stdout)
	}
	if f := strings.Fields(lines[2]); len(f) < 3 || f[1] != "us-east-1" || !strings.HasSuffix(strings.Join(f, " "), "0/1 timeout (no answer within 150ms)") {
		t.Errorf("row 2 = %q, want us-east-1 last, 0/1, timed out", lines[2])
	}
}

func TestNothingAnswered(t *testing.T) {
	t.Parallel()
	l := multiregiontest.Start(t, []string{"us-east-1"})
	l.Endpoint("us-east-1").Down()
	code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1", "-endpoints", labFlag(l), "-n", "1")
	if code != exitFailed || !strings.Contains(stderr, "no probe got an answer") || !strings.Contains(stdout, "0/1") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 1, the table and a message", code, stderr, stdout)
	}
}

// A region without an override is probed at its AWS endpoint; TestMain's
// proxy settings make that fail here without leaving the machine.
func TestDefaultEndpoint(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCmd(t.Context(), t, "-regions", "cn-north-1", "-services", "s3", "-n", "1", "-timeout", "2s", "-json")
	rep := decode(t, stdout)
	if code != exitFailed || len(rep.Results) != 1 || rep.Results[0].URL != "https://s3.cn-north-1.amazonaws.com.cn/" || rep.Results[0].OK != 0 {
		t.Errorf("exit %d, results %+v; want the AWS URL of s3 in cn-north-1, not reached", code, rep.Results)
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	l := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"})
	for _, tc := range []struct {
		flag string
		want bool
	}{{"-progress", true}, {"-progress=false", false}, {"-n=3", false}} {
		code, stdout, stderr := runCmd(t.Context(), t, "-regions", "us-east-1,eu-west-1", "-endpoints", labFlag(l),
			"-n", "3", "-interval", "0", "-json", tc.flag)
		if code != exitOK {
			t.Fatalf("%s: exit %d, stderr %q", tc.flag, code, stderr)
		}
		decode(t, stdout) // the progress line never reaches stdout
		if !tc.want {
			if stderr != "" {
				t.Errorf("%s: stderr %q, want nothing (stderr is not a terminal)", tc.flag, stderr)
			}
			continue
		}
		want := "\rprobing 2 regions × 1 service: round 1/3\rprobing 2 regions × 1 service: round 2/3\rprobing 2 regions × 1 service: round 3/3\n"
		if stderr != want {
			t.Errorf("%s: stderr %q, want %q", tc.flag, stderr, want)
		}
	}
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	l := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"},
		multiregiontest.WithLatency("eu-west-1", 30*time.Millisecond))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Cancel once a few rounds have run: as Ctrl-C would, mid-probe.
	stop := make(chan struct{})
	go func() {
		defer cancel()
		for l.Endpoint("eu-west-1").Requests() < 3 {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	code, stdout, stderr := runCmd(ctx, t, "-regions", "us-east-1,eu-west-1", "-endpoints", labFlag(l),
		"-n", "1000", "-interval", "0", "-json", "-progress")
	close(stop)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, stderr)
	}
	rep := decode(t, stdout)
	if !rep.Interrupted || rep.Rounds < 1 || rep.Rounds >= 1000 {
		t.Fatalf("interrupted %v after %d rounds, want partial results", rep.Interrupted, rep.Rounds)
	}
	for _, res := range rep.Results {
		// The round cut short counts for no region.
		if res.OK != rep.Rounds || res.Attempts != rep.Rounds || res.LastError != "" {
			t.Errorf("%s: ok %d/%d, error %q; want %d/%d", res.Region, res.OK, res.Attempts, res.LastError, rep.Rounds, rep.Rounds)
		}
	}
	if !strings.HasSuffix(stderr, ", interrupted\n") {
		t.Errorf("progress line %q does not end with the interruption", stderr)
	}
}

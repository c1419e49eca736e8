//go:build linux

package multiregion_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// TestStatusPage_Browser loads the status page in headless Chromium and
// checks the DOM its script built from status.json: every region of the
// network view in Status's order, the ejected one marked ejected, hostile
// store names and errors shown as text. It also saves a screenshot, to
// $MULTIREGION_ARTIFACTS when set (CI keeps it), else to a temp dir.
//
// Without Chromium it skips, unless CI is set: there a missing browser is a
// broken CI image, not a reason to pass.
func TestStatusPage_Browser(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but chromium is not installed (apt-get install -y chromium): the status page's browser test cannot run")
		}
		t.Skip("chromium not installed (apt-get install -y chromium); set CI=1 to make this a failure")
	}
	f := newStatusFixture(t)
	var fetches atomic.Int64 // of status.json: the page refreshes itself
	h := f.mr.Handler()
	mux := http.NewServeMux()
	mux.Handle("/debug/multiregion/", http.StripPrefix("/debug/multiregion", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/status.json" {
			fetches.Add(1)
		}
		h.ServeHTTP(w, r)
	})))
	srv := httptest.NewServer(mux) // 127.0.0.1 only
	defer srv.Close()
	page := srv.URL + "/debug/multiregion/?refresh=200ms"

	dom := runChromium(t, bin, "--dump-dom", page)
	// 3 s of virtual time at ?refresh=200ms is about 15 fetches; at the
	// default period (1 s) it would be 3 or 4.
	t.Logf("status.json fetched %d times", fetches.Load())
	assert.GreaterOrEqual(t, fetches.Load(), int64(6), "the page refreshes itself at ?refresh=200ms")
	require.Contains(t, dom, `<main id="status" data-state="ok"`, "the script rendered status.json:\n%s", dom)

	want := f.mr.Status()
	var order []string
	for _, r := range want.Network {
		order = append(order, string(r.Region))
	}
	rows := regionRows(t, section(t, dom, `<div id="network">`))
	var got []string
	for _, r := range rows {
		got = append(got, r.region)
	}
	assert.Equal(t, order, got, "the network view in Status's pick order")
	for _, r := range rows {
		st, ok := want.Region(multiregion.Region(r.region))
		require.True(t, ok, r.region)
		assert.Equal(t, fmt.Sprint(st.Healthy), r.healthy, r.region)
	}
	assert.Equal(t, rowOf(t, rows, string(f.ejected)).healthy, "false")
	assert.Contains(t, rowOf(t, rows, string(f.ejected)).cells, ">ejected<")
	assert.Equal(t, rowOf(t, rows, string(f.healthy)).healthy, "true")
	assert.Contains(t, rowOf(t, rows, string(f.healthy)).cells, ">healthy<")

	// Every store has its section, in Status's order, its name as text.
	var stores []string
	for _, m := range regexp.MustCompile(`<section class="store" data-store="([^"]*)"`).FindAllStringSubmatch(dom, -1) {
		stores = append(stores, m[1])
	}
	assert.Equal(t, []string{"dynamo:orders", "cache:sessions", "&lt;script&gt;alert(1)&lt;/script&gt;"}, stores)
	assert.Contains(t, dom, `<tr class="topology" data-writer="eu-west-1">`, "the single-writer store's writer")
	assert.Contains(t, dom, "describe failed: &lt;script&gt;alert(1)&lt;/script&gt;", "a hostile error is text")
	assert.Contains(t, dom, `&lt;img src=x onerror="alert(2)"&gt;`)
	assert.NotContains(t, dom, hostile, "no hostile text became markup")
	assert.NotContains(t, dom, "<img")

	dir := os.Getenv("MULTIREGION_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	shot := filepath.Join(dir, "statuspage.png")
	_ = os.Remove(shot) // a stale one from an earlier run must not pass for this one
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1200,800", page)
	fi, err := os.Stat(shot)
	require.NoError(t, err, "chromium wrote no screenshot")
	png, err := os.ReadFile(shot)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "the screenshot is a PNG")
	t.Logf("screenshot: %s (%d bytes)", shot, fi.Size())
}

// chromiumPath is Debian's chromium (or Ubuntu's chromium-browser) on PATH.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs one headless Chromium on a profile of its own and
// returns its standard output. The flags keep it off the internet: no
// background networking, sync, extensions, component updates or default
// apps, and every host name but 127.0.0.1 resolves to nothing. The virtual
// time budget lets the page's timers and fetches run (several refreshes)
// before the DOM is dumped or the screenshot taken. Chromium runs in a
// process group of its own, killed whole when it ends or times out, so that
// no renderer or zygote outlives the test.
func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home := t.TempDir()
	all := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-default-apps",
		"--disable-extensions", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--disable-breakpad", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
		`--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`,
		"--user-data-dir=" + filepath.Join(home, "profile"),
		"--virtual-time-budget=3000",
	}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	// HOME and XDG dirs too: the launcher and Chromium write caches and
	// crash reports there, not only under --user-data-dir.
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		// The main process is gone; its helpers may not be.
		if kerr := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			t.Errorf("killing chromium's process group: %v", kerr)
		}
	}
	t.Logf("chromium %s: %v", args[0], time.Since(start).Round(time.Millisecond))
	require.NoError(t, err, "chromium %s failed; stderr:\n%s", strings.Join(args, " "), tail(stderr.String(), 4000))
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// section is the DOM from start to the end of that element's first table.
func section(t *testing.T, dom, start string) string {
	t.Helper()
	i := strings.Index(dom, start)
	require.GreaterOrEqual(t, i, 0, "no %s in the DOM:\n%s", start, dom)
	j := strings.Index(dom[i:], "</table>")
	require.GreaterOrEqual(t, j, 0, "no table after %s", start)
	return dom[i : i+j]
}

type domRow struct {
	region, healthy, cells string
}

// regionRows are the region rows the script built, in DOM order.
func regionRows(t *testing.T, html string) []domRow {
	t.Helper()
	var rows []domRow
	re := regexp.MustCompile(`(?s)<tr class="[^"]*" data-region="([^"]*)" data-healthy="(true|false)"[^>]*>(.*?)</tr>`)
	for _, m := range re.FindAllStringSubmatch(html, -1) {
		rows = append(rows, domRow{region: m[1], healthy: m[2], cells: m[3]})
	}
	require.NotEmpty(t, rows, "no region rows in:\n%s", html)
	return rows
}

func rowOf(t *testing.T, rows []domRow, region string) domRow {
	t.Helper()
	for _, r := range rows {
		if r.region == region {
			return r
		}
	}
	t.Fatalf("no row for %s", region)
	return domRow{}
}

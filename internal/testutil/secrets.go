package testutil

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Planted is the secret this repository's test suites plant in every
// credential, password, AUTH token and DSN they build (see PlantedIn), so
// that NoSecrets can fail a suite whose logs ever show it.
const Planted = "PLANTED-s3cr3t-d0-n0t-log"

// PlantedIn returns s with the planted secret appended: a password or key
// that still reads as what it stands for in a test failure.
func PlantedIn(s string) string { return s + "-" + Planted }

var capture = &SyncBuffer{}

// Logger returns a logger at Debug level, so every line the SDK could
// write is written, into the capture NoSecrets checks. Safe for concurrent
// use.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(capture, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Record adds text to the capture: tests record the error texts they
// see, so that an error carrying a secret fails the suite as a log line
// would.
func Record(text string) { _, _ = fmt.Fprintln(capture, text) }

// TestingM is the part of *testing.M that goleak.VerifyTestMain needs.
type TestingM interface{ Run() int }

// NoSecrets wraps m: after the tests ran, the suite fails (exit code 1) if
// any captured log line or recorded error contains the planted secret, and
// prints those lines. Use it as goleak.VerifyTestMain(testutil.NoSecrets(m)).
func NoSecrets(m TestingM) TestingM { return noSecrets{m} }

type noSecrets struct{ m TestingM }

func (n noSecrets) Run() int {
	code := n.m.Run()
	text := capture.String()
	var hits []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, Planted) {
			hits = append(hits, line)
		}
	}
	if len(hits) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d log lines or errors carry the planted secret:\n%s\n", len(hits), strings.Join(hits, "\n"))
		return 1
	}
	if code == 0 && os.Getenv("MULTIREGION_SECRETS_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "no secret in %d captured bytes of logs and errors\n", len(text))
	}
	return code
}

// Capture is the writer NoSecrets checks, for a test that logs through a
// handler of its own as well.
func Capture() io.Writer { return capture }

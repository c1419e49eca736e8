package main

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind, and points every
// proxy variable at a closed port first: a probe aimed at a real AWS
// endpoint by mistake fails at once instead of reaching the internet
// (http.ProxyFromEnvironment never proxies loopback, so the labs are
// unaffected). It is read once per process, so it must be set here.
func TestMain(m *testing.M) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		_ = os.Setenv(k, "http://127.0.0.1:1")
	}
	for _, k := range []string{"NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		_ = os.Unsetenv(k)
	}
	goleak.VerifyTestMain(m)
}

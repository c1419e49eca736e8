package testutil

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regionkit/multiregion/internal/lab"
)

// LoadLab is the running lab (scripts/lab) for an integration test; the
// test fails, saying how to start the lab, when it is not running.
func LoadLab(t testing.TB) *lab.Env {
	t.Helper()
	env, err := lab.Load()
	if errors.Is(err, lab.ErrNotRunning) {
		t.Fatal("lab not running: scripts/lab up (or scripts/lab test ./yourpkg/)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// RestoreLab puts every region of the lab back up with its configured
// latency when the test ends, whatever the test did to its proxies.
func RestoreLab(t testing.TB, env *lab.Env) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Reset(ctx); err != nil {
			t.Errorf("restoring the lab: %v", err)
		}
	})
}

// LabEndpoints are region's servers in the lab: through its Toxiproxy
// proxies, or direct (bypassing the region's latency and outages). The
// test fails if the lab has no such region.
func LabEndpoints(t testing.TB, env *lab.Env, region string, direct bool) lab.Endpoints {
	t.Helper()
	r, err := env.Region(region)
	if err != nil {
		t.Fatal(err)
	}
	if direct {
		return r.Direct
	}
	return r.Endpoints
}

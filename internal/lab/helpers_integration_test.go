//go:build integration

package lab

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// labEnv loads the running lab's env file, failing the test (not skipping it) when
// there is none: integration tests run with the lab up (scripts/lab test).
func labEnv(t *testing.T) *Env {
	t.Helper()
	env, err := Load()
	if errors.Is(err, ErrNotRunning) {
		t.Fatalf("%v\nstart the lab first: scripts/lab up (or run scripts/lab test)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// mustRegion returns the endpoints of the lab's region name, failing the
// test if the lab has no such region.
func mustRegion(t *testing.T, env *Env, name string) Region {
	t.Helper()
	r, err := env.Region(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// forEachRegion runs f as a subtest of t for each region of names, named
// after it and given its endpoints.
func forEachRegion(t *testing.T, env *Env, names []string, f func(t *testing.T, name string, r Region)) {
	t.Helper()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f(t, name, mustRegion(t, env, name))
		})
	}
}

// restoreOnCleanup brings every region back up with its configured latency when
// the test ends, whatever it did to them.
func restoreOnCleanup(t *testing.T, env *Env) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Reset(ctx); err != nil {
			t.Errorf("restoring the lab: %v", err)
		}
	})
}

// eventually polls cond every 20 ms until it returns nil or timeout passes, and
// returns its last error.
func eventually(ctx context.Context, timeout time.Duration, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v: %w", timeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var seq atomic.Int64

// unique returns a name no other test run used: prefix, time and a counter.
func unique(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// testContext is a context bounded by the test's deadline-ish budget.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

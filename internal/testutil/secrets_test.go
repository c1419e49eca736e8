package testutil

import (
	"errors"
	"testing"
)

type fakeM func() int

func (f fakeM) Run() int { return f() }

// NoSecrets fails a passing suite whose logs or recorded errors carry the
// planted secret, and keeps a failing suite's code otherwise.
func TestNoSecrets(t *testing.T) {
	capture.Reset()
	if got := NoSecrets(fakeM(func() int { Logger().Info("fine", "password", "***"); return 0 })).Run(); got != 0 {
		t.Fatalf("clean suite: exit %d", got)
	}
	if got := NoSecrets(fakeM(func() int { return 3 })).Run(); got != 3 {
		t.Fatalf("failing suite: exit %d, want its own 3", got)
	}
	if got := NoSecrets(fakeM(func() int {
		Logger().Debug("dial failed", "error", errors.New("auth "+PlantedIn("pw")+" rejected"))
		return 0
	})).Run(); got != 1 {
		t.Fatalf("a log line with the secret: exit %d, want 1", got)
	}
	capture.Reset()
	Record("operation failed: " + PlantedIn("key"))
	if got := NoSecrets(fakeM(func() int { return 0 })).Run(); got != 1 {
		t.Fatalf("a recorded error with the secret: exit %d, want 1", got)
	}
	capture.Reset()
}

package singlewriter_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: refresh
// loops, loads, connects and retire timers must all be gone after Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package lab

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks for leaked goroutines, in unit and integration builds alike.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package multiregion_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain is the only TestMain of the multiregion test binary (internal and
// external test files share it): every test, example and fuzz seed must leave
// no goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

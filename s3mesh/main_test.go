package s3mesh_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/regionkit/multiregion/internal/testutil"
)

// TestMain fails the package if a test leaves a goroutine behind (probe
// loops, emulator workers, client connections). The suite's credentials
// carry the planted secret, which testutil.NoSecrets looks for in logs.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(testutil.NoSecrets(m))
}

//go:build integration

package aurora_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
)

// startStandby starts a hot standby of the lab's primary of the test's
// own (testutil.StartPGStandby), so that no test promotes the lab's, and
// returns its host:port once it accepts connections in recovery.
func startStandby(t *testing.T, env *lab.Env) string {
	t.Helper()
	primary, err := url.Parse(testutil.LabEndpoints(t, env, env.Writer, true).Postgres)
	require.NoError(t, err)
	addr, _, logs := testutil.StartPGStandby(t, primary.Hostname(), primary.Port())
	testutil.AwaitPGRecovery(t, testutil.OpenPG(t, fmt.Sprintf("postgres://postgres@%s/lab?sslmode=disable", addr)), logs)
	return addr
}

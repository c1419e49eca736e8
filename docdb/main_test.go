package docdb_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestMain fails the package if a test leaves a goroutine behind: refresh
// loops, probes, driver monitors.
//
// The suite's AWS credentials carry the planted secret and its Clients log
// at Debug into the capture testutil.NoSecrets checks.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(testutil.NoSecrets(m))
}

const (
	use1 = multiregion.Region("us-east-1")
	usw2 = multiregion.Region("us-west-2")
	euw1 = multiregion.Region("eu-west-1")
)

var labRegions = []multiregion.Region{use1, usw2, euw1}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newLab starts the lab with the DocumentDB control plane and a Client on
// it; probes are off unless probes is true.
func newLab(t *testing.T, probes bool, logs *testutil.SyncBuffer, opts ...func(*multiregiontest.DocDBOptions)) (*multiregiontest.Lab, *multiregion.Client) {
	t.Helper()
	lab := multiregiontest.Start(t, labRegions, multiregiontest.WithDocDB(opts...))
	cfg := lab.Config()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(multiregiontest.TestAccessKeyID, testutil.PlantedIn("secret"), "")
	mr, err := multiregion.New(testCtx(t), cfg, lab.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = !probes
		o.Logger = testutil.Logger()
		if logs != nil {
			o.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs, testutil.Capture()), &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	return lab, mr
}

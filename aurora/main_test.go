package aurora_test

import (
	"context"
	"log"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/go-sql-driver/mysql"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestMain fails the package if a test leaves a goroutine behind (pools,
// lag loops, refreshes) or if any log line or recorded error carries the
// planted password of the suite's DSNs and AWS credentials.
func TestMain(m *testing.M) {
	// go-sql-driver/mysql logs lost connections itself: into the capture too.
	_ = mysql.SetLogger(log.New(testutil.Capture(), "[mysql] ", log.LstdFlags))
	goleak.VerifyTestMain(testutil.NoSecrets(m))
}

const (
	use1 = multiregion.Region("us-east-1")
	usw2 = multiregion.Region("us-west-2")
	euw1 = multiregion.Region("eu-west-1")
)

var labRegions = []multiregion.Region{use1, usw2, euw1}

// password is the planted secret every test DSN carries.
var password = testutil.PlantedIn("pw")

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newClient starts multiregiontest (with opts, e.g. WithRDS) and a Client
// on it whose credentials carry the planted secret and whose logs go to
// the capture NoSecrets checks. Probes are off unless probes.
func newClient(t testing.TB, probes bool, opts ...multiregiontest.Option) (*multiregiontest.Lab, *multiregion.Client) {
	t.Helper()
	lab := multiregiontest.Start(t, labRegions, opts...)
	cfg := lab.Config()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(multiregiontest.TestAccessKeyID, testutil.PlantedIn("secret"), "")
	mr, err := multiregion.New(testCtx(t), cfg, lab.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = !probes
		o.Logger = testutil.Logger()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	return lab, mr
}

// countingListener accepts and counts TCP connections, then closes them:
// a server that proves whether anything dialed it.
type countingListener struct {
	ln    net.Listener
	count atomic.Int32
	done  chan struct{}
}

func listen(t *testing.T) *countingListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.count.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-l.done })
	return l
}

func (l *countingListener) addr() string { return l.ln.Addr().String() }

// closedPort returns a loopback address nobody listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

package cache_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
	"github.com/aws/aws-sdk-go-v2/aws"
	"go.uber.org/goleak"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/multiregiontest"
)

// TestMain fails the package if a test leaves a goroutine behind: lag
// loops, refreshes, go-redis pools, miniredis servers, lab endpoints.
//
// Every store of the suite authenticates with a password carrying the
// planted secret, and every Client logs at Debug into the capture that
// testutil.NoSecrets checks: a log line with the password fails the suite.
func TestMain(m *testing.M) { goleak.VerifyTestMain(testutil.NoSecrets(m)) }

// The fake regions' AUTH user; the password carries the planted secret.
var cacheUser, cachePassword = "app", testutil.PlantedIn("pw")

const (
	use1 = multiregion.Region("us-east-1")
	usw2 = multiregion.Region("us-west-2")
	euw1 = multiregion.Region("eu-west-1")
	aps1 = multiregion.Region("ap-south-1")
)

var regions3 = []multiregion.Region{use1, usw2, euw1}

// fakeRegion is one region's Redis: a miniredis (a real RESP server over
// TCP) that, while it plays a replica, refuses writes with the READONLY
// reply a real replica sends, and answers INFO replication with what the
// test set.
type fakeRegion struct {
	region   multiregion.Region
	m        *miniredis.Miniredis
	replica  atomic.Bool
	info     atomic.Pointer[string]
	commands atomic.Int64 // commands that reached the server (connection setup included)
	getDelay atomic.Int64 // a time.Duration every GET waits before it is answered
}

// alwaysAllowed are the commands a replica answers besides the read-only ones.
var alwaysAllowed = map[string]bool{"HELLO": true, "CLIENT": true, "AUTH": true, "SELECT": true, "INFO": true,
	"PING": true, "QUIT": true, "COMMAND": true, "ECHO": true}

func newFakeRegion(t testing.TB, r multiregion.Region) *fakeRegion {
	t.Helper()
	f := &fakeRegion{region: r, m: miniredis.RunT(t)}
	f.m.RequireUserAuth(cacheUser, cachePassword)
	f.m.Server().SetPreHook(func(p *server.Peer, cmd string, args ...string) bool {
		f.commands.Add(1)
		c := strings.ToUpper(cmd)
		if d := time.Duration(f.getDelay.Load()); d > 0 && c == "GET" {
			time.Sleep(d)
		}
		if c == "INFO" && len(args) > 0 && strings.EqualFold(args[0], "replication") {
			if s := f.info.Load(); s != nil {
				p.WriteBulk(*s)
				return true
			}
		}
		if f.replica.Load() && !alwaysAllowed[c] && !cache.ReadOnlyCommand(cmd) {
			p.WriteError("READONLY You can't write against a read only replica.")
			return true
		}
		return false
	})
	return f
}

// setInfo sets what INFO replication answers.
func (f *fakeRegion) setInfo(role string, offset int64, linkUp bool) {
	var s string
	if role == "master" {
		s = fmt.Sprintf("# Replication\r\nrole:master\r\nconnected_slaves:2\r\nmaster_repl_offset:%d\r\n", offset)
	} else {
		link := "up"
		if !linkUp {
			link = "down"
		}
		s = fmt.Sprintf("# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_link_status:%s\r\nmaster_last_io_seconds_ago:0\r\nslave_repl_offset:%d\r\nmaster_repl_offset:%d\r\n", link, offset, offset)
	}
	f.info.Store(&s)
}

// env is a Global Datastore of fake regions: a Client over the three
// regions whose network view ranks them by rtt, the fake servers, and
// (with the control plane) the lab's ElastiCache mock.
type env struct {
	t    testing.TB
	mr   *multiregion.Client
	reg  map[multiregion.Region]*fakeRegion
	lab  *multiregiontest.Lab
	rtt  map[multiregion.Region]time.Duration
	rttM sync.Mutex
}

// newEnv starts three fake regions; primary takes writes, the others
// refuse them. withControlPlane serves their topology from the lab's
// ElastiCache mock instead of a static one. The network view ranks
// us-east-1, us-west-2, eu-west-1 (10, 20, 30 ms) until setRTT.
func newEnv(t testing.TB, primary multiregion.Region, withControlPlane bool, labOpts ...func(*multiregiontest.ElastiCacheOptions)) *env {
	t.Helper()
	e := &env{t: t, reg: map[multiregion.Region]*fakeRegion{},
		rtt: map[multiregion.Region]time.Duration{use1: 10 * time.Millisecond, usw2: 20 * time.Millisecond, euw1: 30 * time.Millisecond}}
	addrs := map[string]string{}
	for _, r := range regions3 {
		f := newFakeRegion(t, r)
		f.replica.Store(r != primary)
		e.reg[r] = f
		addrs[string(r)] = f.m.Addr()
	}
	prober := multiregion.ProberFunc(func(_ context.Context, r multiregion.Region) (time.Duration, error) {
		e.rttM.Lock()
		defer e.rttM.Unlock()
		return e.rtt[r], nil
	})
	opts := []func(*multiregion.Options){multiregion.WithRegions(regions3...)}
	cfg := aws.Config{}
	if withControlPlane {
		fns := append([]func(*multiregiontest.ElastiCacheOptions){func(o *multiregiontest.ElastiCacheOptions) {
			o.GlobalReplicationGroupID = "ldgnf-sessions"
			o.Primary = string(primary)
			o.Endpoints = addrs
		}}, labOpts...)
		e.lab = multiregiontest.Start(t, regions3, multiregiontest.WithElastiCache(fns...))
		cfg = e.lab.Config()
		opts = append(opts, e.lab.Options())
	}
	opts = append(opts, func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Prober = prober
		o.Logger = testutil.Logger()
	})
	mr, err := multiregion.New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	if err := mr.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.mr = mr
	return e
}

// setRTT changes the network view of r and refreshes it.
func (e *env) setRTT(r multiregion.Region, d time.Duration) {
	e.t.Helper()
	e.rttM.Lock()
	e.rtt[r] = d
	e.rttM.Unlock()
	if err := e.mr.Refresh(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// static returns the Static topology of the env's servers.
func (e *env) static(primary multiregion.Region) *cache.Static {
	s := &cache.Static{Primary: primary, Addrs: map[multiregion.Region]string{}}
	for r, f := range e.reg {
		s.Addrs[r] = f.m.Addr()
	}
	return s
}

// store opens a Store on the env; closed at cleanup. Without a
// control plane it is static with primary us-east-1 unless an option
// changes it.
func (e *env) store(optFns ...func(*cache.Options)) *cache.Store {
	e.t.Helper()
	base := func(o *cache.Options) {
		if e.lab != nil {
			o.GlobalReplicationGroupID = e.lab.ElastiCache().GlobalReplicationGroupID()
		} else {
			o.Static = e.static(use1)
		}
		o.DisableProbe = true
		o.LagInterval = -1
		o.RefreshInterval = -1
		o.Username, o.Password = cacheUser, cachePassword
	}
	s, err := cache.New(testCtx(e.t), e.mr, append([]func(*cache.Options){base}, optFns...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = s.Close() })
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond every 5 ms for up to 5 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

//go:build integration

package aurora_test

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/internal/testutil"
)

// Servers of the tests' own, so that no test promotes, restarts nor
// reconfigures the lab's: a dedicated hot standby of the lab's primary,
// and a TCP proxy whose target can move (a DNS name that moves). The
// standby follows docdb's promotion test (pg_basebackup, streaming without
// a slot).

// pgBin is the lab's PostgreSQL bin directory (scripts/lab: PG_BIN).
func pgBin() string {
	if p := os.Getenv("LAB_PG_BIN"); p != "" {
		return p
	}
	return "/usr/lib/postgresql/15/bin"
}

// asPostgres runs cmd as the user postgres when the test runs as root.
func asPostgres(t testing.TB, cmd *exec.Cmd) (uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		return -1, -1
	}
	u, err := user.Lookup("postgres")
	require.NoError(t, err, "user postgres (it comes with the postgresql package)")
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return uid, gid
}

// startStandby starts a hot standby of the lab's primary on a free
// loopback port and returns its host:port; t.Cleanup stops it.
func startStandby(t *testing.T, env *lab.Env) string {
	t.Helper()
	r, err := env.Region(env.Writer)
	require.NoError(t, err)
	primary, err := url.Parse(r.Direct.Postgres)
	require.NoError(t, err)
	base, err := os.MkdirTemp("", "aurora-standby-") // not t.TempDir: postgres could not reach it
	require.NoError(t, err)
	require.NoError(t, os.Chmod(base, 0o755))
	t.Cleanup(func() {
		for range 50 { // the postmaster's children may still be leaving
			if os.RemoveAll(base) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	dir := filepath.Join(base, "data")
	require.NoError(t, os.Mkdir(dir, 0o700))
	backup := exec.Command(filepath.Join(pgBin(), "pg_basebackup"), "-h", primary.Hostname(), "-p", primary.Port(),
		"-U", "postgres", "-D", dir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if uid, gid := asPostgres(t, backup); uid >= 0 {
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	out, err := backup.CombinedOutput()
	require.NoError(t, err, "pg_basebackup: %s", out)

	addr := closedPort(t)
	_, port, _ := net.SplitHostPort(addr)
	var logs testutil.SyncBuffer
	pg := exec.Command(filepath.Join(pgBin(), "postgres"), "-D", dir, "-p", port, "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "hot_standby=on", "-c", "cluster_name=aurora-standby-"+port)
	pg.Stdout, pg.Stderr = &logs, &logs
	asPostgres(t, pg)
	require.NoError(t, pg.Start())
	done := make(chan struct{})
	go func() { _ = pg.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = pg.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = pg.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("standby's log:\n%s", logs.String())
		}
	})
	db := openPG(t, fmt.Sprintf("postgres://postgres@%s/lab?sslmode=disable", addr))
	require.Eventually(t, func() bool {
		var rec bool
		return db.QueryRowContext(testCtx(t), "select pg_is_in_recovery()").Scan(&rec) == nil && rec
	}, 30*time.Second, 50*time.Millisecond, "the standby accepts connections in recovery; log:\n%s", logs.String())
	return addr
}

// movingProxy forwards TCP connections to a target that can change: a DNS
// name whose address moved. moveTo changes the target of new connections
// and, with cut, closes the open ones.
type movingProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	target string
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newMovingProxy(t *testing.T, target string) *movingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &movingProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *movingProxy) addr() string { return p.ln.Addr().String() }

func (p *movingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		up, err := net.DialTimeout("tcp", target, 2*time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *movingProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = dst.Close()
	_ = src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

func (p *movingProxy) moveTo(target string, cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	if cut {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

func (p *movingProxy) close() {
	_ = p.ln.Close()
	p.moveTo("", true)
	p.wg.Wait()
}

package testutil

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// MovingProxy forwards TCP connections to a target that can change: a DNS
// name whose address moves (a switchover, a failover), for the promotion
// tests against the lab. MoveTo changes the target of new connections and,
// with cut, closes the open ones; SetDelay makes it a stand-in for a
// region's network too (a one-way latency). Safe for concurrent use.
type MovingProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	target string
	cuts   int          // MoveTo calls with cut, so that a dial racing one is cut too
	delay  atomic.Int64 // one-way latency per chunk, ns
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewMovingProxy listens on a loopback port and forwards to target;
// t.Cleanup closes it and waits for its goroutines.
func NewMovingProxy(t testing.TB, target string) *MovingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &MovingProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *MovingProxy) Addr() string { return p.ln.Addr().String() }

// SetDelay holds every chunk read from either side for d before it is
// forwarded: a one-way latency (0, the default, forwards at once).
func (p *MovingProxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

func (p *MovingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target, cuts := p.target, p.cuts
		p.mu.Unlock()
		up, err := net.DialTimeout("tcp", target, 2*time.Second)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		if p.cuts != cuts { // a MoveTo with cut ran while dialing the old target
			p.mu.Unlock()
			_ = c.Close()
			_ = up.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *MovingProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
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

// MoveTo sends new connections to target; with cut it closes the open ones.
func (p *MovingProxy) MoveTo(target string, cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	if cut {
		p.cuts++
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// Close stops listening, cuts every connection and waits for the pipes.
func (p *MovingProxy) Close() {
	_ = p.ln.Close()
	p.MoveTo("", true)
	p.wg.Wait()
}

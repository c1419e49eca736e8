package singlewriter_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// fakeConn is a fake data-plane client of one region.
type fakeConn struct {
	Region   multiregion.Region
	Endpoint string
	Role     singlewriter.Role
	N        int           // the n-th connect of the fakeConns
	closed   chan struct{} // closed by the first close
}

func (c *fakeConn) IsClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// fakeConns records connects and closes.
type fakeConns struct {
	mu         sync.Mutex
	conns      []*fakeConn
	closes     int
	dupCloses  int
	active     map[multiregion.Region]int
	maxActive  int
	failNext   error
	gate       chan struct{}
	connectCtx []context.Context
}

func newFakeConns() *fakeConns { return &fakeConns{active: map[multiregion.Region]int{}} }

func (f *fakeConns) Connect(ctx context.Context, m singlewriter.Member) (*fakeConn, error) {
	f.mu.Lock()
	f.active[m.Region]++
	f.maxActive = max(f.maxActive, f.active[m.Region])
	gate, fail := f.gate, f.failNext
	f.failNext = nil
	f.connectCtx = append(f.connectCtx, ctx)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active[m.Region]--
		f.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail != nil {
		return nil, fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeConn{Region: m.Region, Endpoint: m.Endpoint, Role: m.Role, N: len(f.conns) + 1, closed: make(chan struct{})}
	f.conns = append(f.conns, c)
	return c, nil
}

func (f *fakeConns) Close(c *fakeConn) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.IsClosed() {
		f.dupCloses++
		return fmt.Errorf("%s closed twice", c.Region)
	}
	f.closes++
	close(c.closed)
	return nil
}

// Connects counts the successful connects to r ("" for all).
func (f *fakeConns) Connects(r multiregion.Region) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.conns {
		if r == "" || c.Region == r {
			n++
		}
	}
	return n
}

// Closes returns the number of clients closed, and of second closes.
func (f *fakeConns) Closes() (closes, dup int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closes, f.dupCloses
}

func (f *fakeConns) All() []*fakeConn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeConn(nil), f.conns...)
}

func (f *fakeConns) Block() (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		if f.gate == gate {
			f.gate = nil
			close(gate)
		}
		f.mu.Unlock()
	}
}

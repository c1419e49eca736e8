package singlewriter

import (
	"context"
	"errors"
	"fmt"

	"github.com/regionkit/multiregion"
)

// conn is one region's client, or the attempt to build it. ready, c and
// err are written once, under Kit.mu, before done closes; after done, they
// are read without the lock.
type conn[C any] struct {
	member Member // what it was built for
	done   chan struct{}
	ready  bool
	c      C
	err    error
}

// retiree is a client to close once calls already using it had time to end.
type retiree[C any] struct {
	region multiregion.Region
	c      C
}

// sameConn reports whether a client built for a still serves b. The role
// counts: an adapter may build a writer's client differently, and after a
// switchover a pool's open connections may hold the old role's sessions.
func sameConn(a, b Member) bool {
	return a.Endpoint == b.Endpoint && a.ReaderEndpoint == b.ReaderEndpoint && a.ID == b.ID && a.Role == b.Role
}

// Client returns the data-plane client of region r, building it with the
// connect func at the first call for r (lazily: a region that cannot be
// reached does not fail New, and regions never used cost nothing). One
// connect runs at a time per region; concurrent callers wait for it, each
// no longer than its own ctx. A failed connect is not cached: the next call
// tries again. Its error is a *multiregion.RegionError (a regional failure,
// for the call loop to observe and fail over).
//
// When a refresh changes r's member (Endpoint, ReaderEndpoint, ID or
// Role) or removes it, the next Client call builds a new client; the old
// one stays open Options.RetireDelay for the calls already using it, then
// is closed. So hold a client for one call, not across calls.
//
// A region that is not a member returns a *MemberError (ErrNotMember).
func (k *Kit[C]) Client(ctx context.Context, r multiregion.Region) (C, error) {
	const op = "Client"
	var zero C
	if ctx == nil {
		return zero, &InputError{Op: "singlewriter.Client", Arg: "ctx", Reason: "nil context"}
	}
	if k.closed.Load() {
		return zero, closedError(k.opts.Store, op)
	}
	i, ok := k.idx[r]
	if !ok {
		return zero, &MemberError{Store: k.opts.Store, Op: op, Region: r, Err: &multiregion.UnknownRegionError{Region: r}}
	}
	if e := k.slots[i].Load(); e != nil && isDone(e.done) && e.err == nil {
		return e.c, nil // the hot path: built, no lock
	}
	e, err := k.startConnect(ctx, i, r)
	if err != nil {
		return zero, err
	}
	select {
	case <-e.done:
		if e.err != nil {
			return zero, e.err
		}
		return e.c, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-k.base.Done():
		return zero, closedError(k.opts.Store, op)
	}
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// startConnect returns region i's conn that is built or being built, or
// starts building one for r's current member.
func (k *Kit[C]) startConnect(ctx context.Context, i int, r multiregion.Region) (*conn[C], error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed.Load() {
		return nil, closedError(k.opts.Store, "Client")
	}
	m, ok := k.snap.Load().topo.Member(r)
	if !ok {
		return nil, &MemberError{Store: k.opts.Store, Op: "Client", Region: r}
	}
	if e := k.slots[i].Load(); e != nil && (!e.ready || e.err == nil) {
		return e, nil
	}
	e := &conn[C]{member: m, done: make(chan struct{})}
	k.slots[i].Store(e)
	cctx, cancel := k.detach(ctx, k.opts.ConnectTimeout)
	k.wg.Add(1)
	go k.runConnect(cctx, cancel, i, e)
	return e, nil
}

// runConnect is the goroutine that builds one client. A client whose slot
// was taken while it was built (its member changed) still goes to the
// callers waiting for it, and is retired; one built after Close is closed.
func (k *Kit[C]) runConnect(ctx context.Context, cancel context.CancelFunc, i int, e *conn[C]) {
	defer k.wg.Done()
	c, err := k.callConnect(ctx, e.member)
	cancel()
	built := err == nil
	if err != nil {
		err = &multiregion.RegionError{Region: e.member.Region, Op: k.opts.Store + " connect", Err: err}
	}
	k.mu.Lock()
	closed, orphan := k.closed.Load(), k.slots[i].Load() != e
	if closed {
		err = closedError(k.opts.Store, "Client")
	}
	e.c, e.err, e.ready = c, err, true
	k.mu.Unlock()
	close(e.done)
	switch {
	case built && closed:
		_ = k.closeAll([]retiree[C]{{e.member.Region, c}})
	case built && orphan:
		k.retire([]retiree[C]{{e.member.Region, c}})
	}
}

// callConnect runs the connect func; a panic becomes an error.
func (k *Kit[C]) callConnect(ctx context.Context, m Member) (c C, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("connect panicked: %v", p)
		}
	}()
	return k.connect(ctx, m)
}

// invalidate empties the slots whose member next changed or removed, and
// returns their built clients for retirement. A client still being built
// is retired by its connect goroutine, which finds its slot taken. Called
// under mu, with next already published, so that startConnect never builds
// for a stale member.
func (k *Kit[C]) invalidate(next *snapshot) []retiree[C] {
	var out []retiree[C]
	for i := range k.slots {
		e := k.slots[i].Load()
		if e == nil {
			continue
		}
		if m, ok := next.topo.Member(k.regions[i]); ok && sameConn(m, e.member) {
			continue
		}
		k.slots[i].Store(nil)
		if e.ready && e.err == nil {
			out = append(out, retiree[C]{k.regions[i], e.c})
		}
	}
	return out
}

// takeClients empties every slot and returns the built clients. Under mu.
func (k *Kit[C]) takeClients() []retiree[C] {
	var out []retiree[C]
	for i := range k.slots {
		if e := k.slots[i].Swap(nil); e != nil && e.ready && e.err == nil {
			out = append(out, retiree[C]{k.regions[i], e.c})
		}
	}
	return out
}

// retire closes list after RetireDelay, or at Close. It is only called
// from the kit's own goroutines, so its wg.Add never races Close's Wait.
func (k *Kit[C]) retire(list []retiree[C]) {
	if len(list) == 0 {
		return
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		t := k.opts.Clock.NewTimer(k.opts.RetireDelay)
		select {
		case <-t.C():
		case <-k.base.Done():
			t.Stop()
		}
		_ = k.closeAll(list)
	}()
}

// closeAll closes the clients of list and returns their errors, each as a
// *multiregion.RegionError; it logs them too, since retirements have no
// caller to return them to.
func (k *Kit[C]) closeAll(list []retiree[C]) error {
	if k.closeClient == nil {
		return nil
	}
	var errs []error
	for _, r := range list {
		if err := k.callClose(r.c); err != nil {
			err = &multiregion.RegionError{Region: r.region, Op: k.opts.Store + " close", Err: err}
			k.opts.Logger.Warn("singlewriter: closing a client failed", "store", k.opts.Store, "region", string(r.region), "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (k *Kit[C]) callClose(c C) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("close panicked: %v", p)
		}
	}()
	return k.closeClient(c)
}

// inClient reports whether r is one of the Client's regions.
func (k *Kit[C]) inClient(r multiregion.Region) bool {
	_, ok := k.idx[r]
	return ok
}

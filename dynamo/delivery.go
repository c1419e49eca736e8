package dynamo

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/regionkit/multiregion/dynamo/detect"
)

// delivery hands conflicts and gaps to the handlers or the channel from
// one goroutine per Table, outside every lock.
//
// Why: the stream readers only queue (they never wait for a handler), so
// a slow handler delays delivery, not detection in any region; and a
// handler may call any Table method, Close and Flush included, because
// nothing it could wait for is held while it runs. Handler calls are
// one at a time, in queue order. Safe for concurrent use.
type delivery struct {
	mu    sync.Mutex
	queue []deliverable
	enq   uint64 // items queued so far
	wake  chan struct{}

	handler  func(Conflict)
	gaps     func(Gap)
	out      chan Conflict // nil with a handler
	surfaced func(Conflict)

	done    atomic.Uint64 // items delivered so far
	moved   signal        // fired whenever done advances
	quit    chan struct{}
	quitted sync.Once
	exited  chan struct{}
	gid     atomic.Uint64 // the delivery goroutine's id, to spot calls from a handler
}

// deliverable is a conflict (with the loss to resolve once delivered) or a gap.
type deliverable struct {
	c    Conflict
	loss detect.Loss
	gap  *Gap
}

func newDelivery(handler func(Conflict), gaps func(Gap), buffer int, surfaced func(Conflict)) *delivery {
	d := &delivery{handler: handler, gaps: gaps, surfaced: surfaced,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{})}
	if handler == nil {
		d.out = make(chan Conflict, buffer)
	}
	started := make(chan struct{})
	go d.run(started)
	<-started // gid is set before anyone asks onDelivery
	return d
}

// push queues items and returns the count queued after them; it never blocks.
func (d *delivery) push(items ...deliverable) uint64 {
	d.mu.Lock()
	d.queue = append(d.queue, items...)
	d.enq += uint64(len(items))
	n := d.enq
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return n
}

func (d *delivery) pop() (deliverable, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queue) == 0 {
		return deliverable{}, false
	}
	it := d.queue[0]
	d.queue[0] = deliverable{}
	d.queue = d.queue[1:]
	return it, true
}

func (d *delivery) run(started chan<- struct{}) {
	d.gid.Store(goid())
	close(started)
	defer close(d.exited)
	if d.out != nil {
		defer close(d.out) // only this goroutine sends
	}
	for {
		select {
		case <-d.quit:
			d.drain()
			return
		case <-d.wake:
		}
		for {
			it, ok := d.pop()
			if !ok {
				break
			}
			if !d.send(it) {
				return
			}
			d.done.Add(1)
			d.moved.fire()
		}
	}
}

// drain delivers what was queued before the Table closed: to the
// handler, or to the channel as far as its buffer takes them without
// waiting for a receiver. What is left is not resolved: with a
// Checkpointer its records are read again by the next Table.
func (d *delivery) drain() {
	for {
		it, ok := d.pop()
		if !ok {
			return
		}
		if it.gap == nil && d.handler == nil {
			select {
			case d.out <- it.c:
				if d.surfaced != nil {
					d.surfaced(it.c)
				}
				it.loss.Resolve()
				continue
			default:
				return
			}
		}
		d.send(it)
	}
}

// send delivers one item; false if the Table closed before a channel
// receiver took it.
func (d *delivery) send(it deliverable) bool {
	if it.gap != nil {
		if d.gaps != nil {
			d.gaps(*it.gap)
		}
		return true
	}
	if d.surfaced != nil {
		d.surfaced(it.c)
	}
	if d.handler != nil {
		d.handler(it.c)
	} else {
		select {
		case d.out <- it.c:
		case <-d.quit:
			return false
		}
	}
	it.loss.Resolve()
	return true
}

// onDelivery reports whether the caller runs on the delivery goroutine:
// a handler calling back into the Table.
func (d *delivery) onDelivery() bool { return d.gid.Load() == goid() }

// stop ends delivery. It waits for the goroutine unless called from it
// (a handler calling Close): that goroutine ends when the handler returns.
func (d *delivery) stop() {
	d.quitted.Do(func() { close(d.quit) })
	if !d.onDelivery() {
		<-d.exited
	}
}

// signal is a broadcast: wait returns a channel closed by the next fire.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) fire() {
	s.mu.Lock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
	s.mu.Unlock()
}

// goid is the calling goroutine's id. Used only to tell a handler's
// call of Close or Flush (which must not wait for the goroutine it runs
// on) from another goroutine's; never on a hot path.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	n, _ := strconv.ParseUint(string(b), 10, 64)
	return n
}

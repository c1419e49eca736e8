package singlewriter_test

import (
	"context"
	"sync"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

const (
	use1 = multiregion.Region("us-east-1")
	usw2 = multiregion.Region("us-west-2")
	euw1 = multiregion.Region("eu-west-1")
	aps1 = multiregion.Region("ap-south-1") // not one of the Client's regions
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeStore is a fake control plane: a Source whose writer can be moved,
// that counts its calls, and that can be made to fail, to return any
// topology (invalid ones included) or to block until released.
type fakeStore struct {
	mu      sync.Mutex
	topo    singlewriter.Topology
	calls   int
	err     error
	panicV  any
	gate    chan struct{} // when non-nil, a load waits for it (or its ctx)
	entered chan struct{} // one token per load that started
	ctxErrs []error       // ctx.Err() of each load when it returned
	reorder bool          // list the members reversed every other call
}

// newFakeStore returns a store whose writer is writer and whose readers are
// the other regions, each with a known lag of 100ms.
func newFakeStore(writer multiregion.Region, regions ...multiregion.Region) *fakeStore {
	t := singlewriter.Topology{Writer: writer, Attributes: map[string]string{"engine_version": "7.1"}}
	for _, r := range regions {
		m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, Endpoint: string(r) + ".cache.example:6379",
			Lag: 100 * time.Millisecond, LagKnown: true, Status: "available", ID: "rg-" + string(r)}
		if r == writer {
			m.Role, m.Lag, m.LagKnown = singlewriter.RoleWriter, 0, false
		}
		t.Members = append(t.Members, m)
	}
	return &fakeStore{topo: t, entered: make(chan struct{}, 1000)}
}

func (s *fakeStore) LoadTopology(ctx context.Context) (singlewriter.Topology, error) {
	s.mu.Lock()
	s.calls++
	gate, t, err, p, reverse := s.gate, s.topo.Clone(), s.err, s.panicV, s.reorder && s.calls%2 == 0
	s.mu.Unlock()
	s.entered <- struct{}{}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	s.mu.Unlock()
	if p != nil {
		panic(p)
	}
	if err := ctx.Err(); err != nil {
		return singlewriter.Topology{}, err
	}
	if err != nil {
		return singlewriter.Topology{}, err
	}
	// The order a control plane lists members in must not matter.
	if reverse {
		for i, j := 0, len(t.Members)-1; i < j; i, j = i+1, j-1 {
			t.Members[i], t.Members[j] = t.Members[j], t.Members[i]
		}
	}
	return t, nil
}

func (s *fakeStore) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Switchover makes to the writer and the old writer a reader.
func (s *fakeStore) Switchover(to multiregion.Region) {
	s.update(func(t *singlewriter.Topology) {
		t.Writer = to
		for i := range t.Members {
			m := &t.Members[i]
			if m.Region == to {
				m.Role, m.Lag, m.LagKnown = singlewriter.RoleWriter, 0, false
			} else {
				m.Role, m.Lag, m.LagKnown = singlewriter.RoleReader, 100*time.Millisecond, true
			}
		}
	})
}

func (s *fakeStore) SetLag(r multiregion.Region, d time.Duration, known bool) {
	s.updateMember(r, func(m *singlewriter.Member) { m.Lag, m.LagKnown = d, known })
}

func (s *fakeStore) SetEndpoint(r multiregion.Region, ep string) {
	s.updateMember(r, func(m *singlewriter.Member) { m.Endpoint = ep })
}

func (s *fakeStore) updateMember(r multiregion.Region, fn func(*singlewriter.Member)) {
	s.update(func(t *singlewriter.Topology) {
		for i := range t.Members {
			if t.Members[i].Region == r {
				fn(&t.Members[i])
			}
		}
	})
}

func (s *fakeStore) update(fn func(*singlewriter.Topology)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.topo)
}

// Set replaces the topology, e.g. with an invalid one.
func (s *fakeStore) Set(t singlewriter.Topology) {
	s.update(func(p *singlewriter.Topology) { *p = t.Clone() })
}

func (s *fakeStore) Fail(err error) { s.update(func(*singlewriter.Topology) { s.err = err }) }

func (s *fakeStore) Panic(v any) { s.update(func(*singlewriter.Topology) { s.panicV = v }) }

// Block makes loads wait until release is called.
func (s *fakeStore) Block() (release func()) {
	gate := make(chan struct{})
	s.update(func(*singlewriter.Topology) { s.gate = gate })
	var once sync.Once
	return func() {
		once.Do(func() {
			s.update(func(*singlewriter.Topology) { s.gate = nil })
			close(gate)
		})
	}
}

func (s *fakeStore) CtxErrs() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.ctxErrs...)
}

package aurora

import (
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regionkit/multiregion"
)

// pool is one region's *sql.DB, the kit's client. rebuild swaps in a new
// *sql.DB when the server behind the endpoint turned out to be the wrong
// one (an old writer under a DNS name that has moved): the new pool dials,
// and so resolves the name, again. The old one is closed after a delay so
// that calls already using it can end. Safe for concurrent use.
type pool struct {
	region multiregion.Region
	open   func() (*sql.DB, error)
	db     atomic.Pointer[sql.DB]

	mu      sync.Mutex
	closed  bool
	retired []*sql.DB
	timers  []*time.Timer
	lastAt  time.Time
}

func newPool(r multiregion.Region, open func() (*sql.DB, error)) (*pool, error) {
	db, err := open()
	if err != nil {
		return nil, err
	}
	p := &pool{region: r, open: open}
	p.db.Store(db)
	return p, nil
}

// DB is the current *sql.DB.
func (p *pool) DB() *sql.DB { return p.db.Load() }

// minRebuild spaces rebuilds: a DNS name that still points at the old
// server after a rebuild is checked again at the next round, not in a loop.
const minRebuild = time.Second

// rebuild replaces the *sql.DB; it reports whether it did.
func (p *pool) rebuild(retireAfter time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || time.Since(p.lastAt) < minRebuild {
		return false
	}
	db, err := p.open()
	if err != nil {
		return false
	}
	p.lastAt = time.Now()
	old := p.db.Swap(db)
	old.SetMaxIdleConns(-1) // no idle connection to the wrong server is reused
	p.retired = append(p.retired, old)
	p.timers = append(p.timers, time.AfterFunc(retireAfter, func() { p.closeRetired(old) }))
	return true
}

func (p *pool) closeRetired(db *sql.DB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, r := range p.retired {
		if r == db {
			p.retired = append(p.retired[:i], p.retired[i+1:]...)
			_ = db.Close()
			return
		}
	}
}

// close closes the pool and the retired ones.
func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, t := range p.timers {
		t.Stop()
	}
	errs := []error{p.db.Load().Close()}
	for _, r := range p.retired {
		errs = append(errs, r.Close())
	}
	p.retired, p.timers = nil, nil
	return errors.Join(errs...)
}

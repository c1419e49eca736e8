package multiregion_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// An outage of the nearest region under load: 8 goroutines send GETs
// continuously; mid-way us-east-1 cuts every connection and answers 503
// (its health URL too). Not one request fails: those in flight move on,
// and once us-east-1 is ejected no request tries it.
func TestTransport_OutageMidLoad(t *testing.T) {
	const (
		workers  = 8
		duration = 1500 * time.Millisecond
		outageAt = 600 * time.Millisecond
	)
	regions := []multiregion.Region{use1, usw2, euw1}
	servers, bases := startServices(t, regions, map[multiregion.Region]time.Duration{
		use1: 0, usw2: 40 * time.Millisecond, euw1: 80 * time.Millisecond,
	})
	// The hits us-east-1 had when the Transport's store ejected it, taken
	// in the HealthTracer at that very moment (a polling loop would see
	// the ejection late and count requests sent before it as after).
	var hitsAtEjection atomic.Int64
	hitsAtEjection.Store(-1)
	tracer := healthTracerFunc(func(d multiregion.TraceHealthChangeData) {
		if d.Store == "http:"+apiHost && d.Region == use1 && !d.Healthy {
			hitsAtEjection.CompareAndSwap(-1, servers[use1].hits.Load())
		}
	})
	c := newTestClient(t, regions, func(o *multiregion.Options) {
		o.DisableBackgroundProbes = false // the health probe runs as in production
		o.ProbeInterval = 50 * time.Millisecond
		o.HealthTracer = tracer
	})
	tr := newTransport(t, c, bases)
	require.NoError(t, tr.Refresh(context.Background()))
	require.Equal(t, use1, tr.Status().Regions[0].Region, "us-east-1 is the nearest")
	hc := &http.Client{Transport: tr}

	type result struct {
		at     time.Duration
		region multiregion.Region
		err    error
		status int
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
		seq     atomic.Int64
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < duration {
				at := time.Since(start)
				res := result{at: at}
				resp, err := hc.Get(fmt.Sprintf("http://%s/orders/%d", apiHost, seq.Add(1)))
				if err == nil {
					res.status, res.region = resp.StatusCode, servedBy(resp)
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				res.err = err
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
			}
		}()
	}

	time.Sleep(outageAt - time.Since(start))
	down := time.Since(start)
	servers[use1].mode.Store(mode503)
	servers[use1].down.Store(true)
	servers[use1].srv.CloseClientConnections()
	var detected time.Duration
	for time.Since(start) < duration {
		if !tr.Store().Healthy(use1) {
			detected = time.Since(start)
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	wg.Wait()

	require.NotZero(t, detected, "us-east-1 was never ejected")
	var failed int
	before, after := map[multiregion.Region]int{}, map[multiregion.Region]int{}
	var nBefore, nAfter int
	for _, r := range results {
		if r.err != nil || r.status != http.StatusOK {
			failed++
			t.Errorf("request at %v failed: status %d, %v", r.at, r.status, r.err)
			continue
		}
		if r.at < down {
			before[r.region]++
			nBefore++
		} else {
			after[r.region]++
			nAfter++
		}
	}
	require.GreaterOrEqual(t, hitsAtEjection.Load(), int64(0), "the HealthTracer saw the ejection")
	lateHits := servers[use1].hits.Load() - hitsAtEjection.Load()
	t.Logf("FIGURE transport outage: %d GETs by %d workers in %v, failed %d; before the outage (%d): %v; after (%d): %v; detected %v after the outage; requests sent to us-east-1 after detection: %d (in flight at detection)",
		len(results), workers, duration, failed, nBefore, fmtCounts(before, regions), nAfter, fmtCounts(after, regions),
		(detected - down).Round(100*time.Microsecond), lateHits)

	assert.Zero(t, failed, "failed idempotent requests")
	assert.Greater(t, before[use1], nBefore*9/10, "before the outage the nearest region serves")
	assert.Zero(t, after[use1], "us-east-1 serves nothing after the outage")
	assert.Greater(t, after[usw2], nAfter*9/10, "the next nearest takes over")
	assert.LessOrEqual(t, lateHits, int64(workers), "only requests in flight at detection reach us-east-1")
	assert.Less(t, detected-down, 500*time.Millisecond)
}

func fmtCounts(m map[multiregion.Region]int, order []multiregion.Region) string {
	s := ""
	for i, r := range order {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", r, m[r])
	}
	return s
}

// healthTracerFunc adapts a function to multiregion.HealthTracer.
type healthTracerFunc func(multiregion.TraceHealthChangeData)

func (f healthTracerFunc) TraceHealthChange(d multiregion.TraceHealthChangeData) { f(d) }

package dynamo

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/regionkit/multiregion/multiregiontest"
)

func TestHLCMonotonicUnderAStoppedClock(t *testing.T) {
	clk := multiregiontest.NewFakeClock(time.Unix(1_700_000_000, 0))
	h := newHLCClock(clk)
	a, b := h.Now(), h.Now()
	if b.Wall != a.Wall || b.Logical != a.Logical+1 {
		t.Fatalf("same tick: %v then %v", a, b)
	}
	clk.Advance(time.Millisecond)
	c := h.Now()
	if c.Logical != 0 || c.Wall != a.Wall+int64(time.Millisecond) {
		t.Fatalf("after Advance: %v", c)
	}
}

func TestHLCWitnessOrdersAfterRemoteClock(t *testing.T) {
	clk := multiregiontest.NewFakeClock(time.Unix(1_700_000_000, 0))
	h := newHLCClock(clk)
	remote := HLC{Wall: clk.Now().Add(time.Hour).UnixNano(), Logical: 7} // a region running ahead
	h.Witness(remote)
	if got := h.Now(); got.Compare(remote) <= 0 {
		t.Fatalf("Now %v not after witnessed %v", got, remote)
	}
	h.Witness(HLC{Wall: 1}) // older: ignored
	if got := h.Now(); got.Wall != remote.Wall || got.Logical != 9 {
		t.Fatalf("Now = %v", got)
	}
}

func TestHLCConcurrentNowIsUnique(t *testing.T) {
	clk := multiregiontest.NewFakeClock(time.Unix(1_700_000_000, 0))
	h := newHLCClock(clk)
	var mu sync.Mutex
	var all []HLC
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				x := h.Now()
				mu.Lock()
				all = append(all, x)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(all, HLC.Compare)
	for i := 1; i < len(all); i++ {
		if all[i].Compare(all[i-1]) == 0 {
			t.Fatalf("duplicate timestamp %v", all[i])
		}
	}
}

func TestHLCStringSortsAndParses(t *testing.T) {
	xs := []HLC{{Wall: 5, Logical: 10}, {Wall: 1_700_000_000_000_000_000, Logical: 2}, {Wall: 5, Logical: 9}, {Wall: 6}}
	strs := make([]string, len(xs))
	for i, x := range xs {
		strs[i] = x.String()
		back, err := ParseHLC(strs[i])
		if err != nil || back != x {
			t.Fatalf("round trip %v -> %q -> %v, %v", x, strs[i], back, err)
		}
	}
	slices.Sort(strs)
	slices.SortFunc(xs, HLC.Compare)
	for i := range xs {
		if strs[i] != xs[i].String() {
			t.Fatalf("string order differs from time order at %d: %v", i, strs)
		}
	}
	for _, bad := range []string{"", "12", "x.1", "1.y", "1.99999999999"} {
		if _, err := ParseHLC(bad); err == nil {
			t.Fatalf("ParseHLC(%q) accepted", bad)
		}
	}
}

package main

import (
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// kindHedge draws a hedge's sample apart from the first attempt's.
const kindHedge = 3

// hedgePolicy is the same router with hedged calls, built from the SDK's
// hedging blocks (internal/route): when the first attempt has not answered
// after the Hedger's delay (the p95 of recent successful attempts) and the
// budget (5 % of calls) allows, the call is also sent to the next-ranked
// region; the first answer wins and the other attempt is cancelled.
type hedgePolicy struct {
	*routerPolicy
	h    *route.Hedger
	rank []multiregion.Region
}

func newHedgePolicy(w *world) (*hedgePolicy, error) {
	rp, err := newRouterPolicy(w, false)
	if err != nil {
		return nil, err
	}
	return &hedgePolicy{routerPolicy: rp, h: route.NewHedger(route.Hedge{})}, nil
}

func (p *hedgePolicy) name() string { return "router+hedge" }

// result feeds the completion call returned (the winner's; a cancelled
// loser never completes) to the store's Observe and to the Hedger.
func (p *hedgePolicy) result(t time.Duration, r int, rtt time.Duration, ok bool) {
	p.routerPolicy.result(t, r, rtt, ok)
	if ok {
		p.h.Observe(rtt)
	}
}

// call sends call k to r at t and maybe a hedge. It returns the completion
// the policy learns from (the winner, or the first attempt when no hedge
// went out or both failed), what the call cost and whether it succeeded.
func (p *hedgePolicy) call(t time.Duration, r, k int, cfg simConfig, res *result) (completion, time.Duration, bool) {
	first, lat, ok := attempt(p.w, r, t, k, cfg)
	delay, may := p.h.Delay()
	// The first attempt has answered (success or fast error) by its
	// completion; no hedge when that is before the delay.
	if !may || first.at-t <= delay {
		return first, lat, ok
	}
	p.rank = p.st.Rank(p.all, p.rank[:0])
	second := -1
	for _, reg := range p.rank {
		if i := p.idx[reg]; i != r {
			second = i
			break
		}
	}
	if second < 0 || !p.h.Spend() {
		return first, lat, ok
	}
	res.extra++
	rtt, o := p.w.request(second, t+delay, kindHedge, uint64(k))
	if o != okay {
		return first, lat, ok // the hedge failed: the first attempt decides
	}
	hedged := delay + rtt
	if ok && lat <= hedged {
		return first, lat, true // the first won; the hedge is cancelled
	}
	// The hedge won; the first attempt is cancelled, not a failure.
	return completion{at: t + hedged, r: second, rtt: rtt, ok: true}, hedged, true
}

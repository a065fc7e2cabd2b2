package main

import (
	"fmt"
	"time"

	"github.com/faultline-dev/faultline/fault"
)

// mix is one kind of bad day: a fault plan for the upstream and when it is
// down (for the load-while-down column).
type mix struct {
	name string
	plan string // YAML; %d is the seed
	// downFrom and downFor are the outage window from the plan's start;
	// zero downFor: the mix has no outage.
	downFrom, downFor time.Duration
}

// The three mixes. Every route answers GET /v1/orders/ord_N and
// POST /v1/orders through one route, so the per-client rate limit counts
// both. Rules apply in order: delays first, then the outage, the rate
// limit and the random failures.
var mixes = []mix{
	{
		// The bad day: ~10% 503s, ~6% 429s from a real per-client
		// rate limit with Retry-After, 2% resets, 3% resets after the
		// effect (the charge happened, the client never heard), lognormal
		// latency, and a 2-second outage in the middle.
		name: "bad-day", downFrom: 3 * time.Second, downFor: 2 * time.Second,
		plan: `
version: 1
seed: %d
routes:
  - path: /v1/orders/**
    respond: {status: 200, json: {id: ord_1, status: paid}}
    faults:
      - latency: {lognormal: {median: 15ms, p99: 400ms}}
      - outage: {after: 3s, for: 2s}
      - rate_limit: {limit: 42, window: 1s, key: ip}
      - when: {probability: 0.10}
        status: {code: 503}
      - when: {probability: 0.02}
        reset: {}
      - when: {probability: 0.03}
        reset: {after_effect: true}
`,
	},
	{
		// A slow degradation: every two seconds the upstream gets slower
		// and fails more (503s at 5%, 15%, 29%, 44%), never quite down.
		// A client whose protections over-react turns it into an outage.
		name: "slow-degradation",
		plan: `
version: 1
seed: %d
routes:
  - path: /v1/orders/**
    respond: {status: 200, json: {id: ord_1, status: paid}}
    faults:
      - latency: {lognormal: {median: 15ms, p99: 300ms}}
      - when: {after: 2s, for: 2s}
        latency: {lognormal: {median: 50ms, p99: 600ms}}
      - when: {after: 4s, for: 2s}
        latency: {lognormal: {median: 120ms, p99: 1200ms}}
      - when: {after: 6s}
        latency: {lognormal: {median: 250ms, p99: 2s}}
      - when: {probability: 0.05}
        status: {code: 503}
      - when: {probability: 0.10, after: 2s}
        status: {code: 503}
      - when: {probability: 0.17, after: 4s}
        status: {code: 503}
      - when: {probability: 0.21, after: 6s}
        status: {code: 503}
      - when: {probability: 0.02}
        reset: {after_effect: true}
`,
	},
	{
		// A hard outage of 4 s, longer than the breaker's open time, on an
		// otherwise mildly faulty upstream.
		name: "hard-outage", downFrom: 2 * time.Second, downFor: 4 * time.Second,
		plan: `
version: 1
seed: %d
routes:
  - path: /v1/orders/**
    respond: {status: 200, json: {id: ord_1, status: paid}}
    faults:
      - latency: {lognormal: {median: 15ms, p99: 300ms}}
      - outage: {after: 2s, for: 4s}
      - when: {probability: 0.05}
        status: {code: 503}
      - when: {probability: 0.02}
        reset: {after_effect: true}
`,
	},
}

// load builds the mix's plan for seed.
func (m mix) load(seed int64) (*fault.Plan, error) {
	return fault.LoadPlan(m.name+".yaml", fmt.Appendf(nil, m.plan, seed))
}

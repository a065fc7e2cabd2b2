package scenarios

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/report"
)

// A backoff policy: the wait before retry n (1-based) of one caller, drawn
// from r; prev is the caller's previous wait (for decorrelated jitter).
type waitPolicy func(r *rand.Rand, base time.Duration, n int, prev time.Duration) time.Duration

func uniform(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Float64()*float64(hi-lo))
}

func exp2(base time.Duration, n int) time.Duration { return base << (n - 1) }

var (
	// Good practice: each must pass every run.
	fullJitter = func(r *rand.Rand, b time.Duration, n int, _ time.Duration) time.Duration {
		return uniform(r, 0, exp2(b, n))
	}
	equalJitter = func(r *rand.Rand, b time.Duration, n int, _ time.Duration) time.Duration {
		return uniform(r, exp2(b, n)/2, exp2(b, n))
	}
	decorrelated = func(r *rand.Rand, b time.Duration, _ int, prev time.Duration) time.Duration {
		return min(30*b, uniform(r, b, 3*max(prev, b)))
	}
	// gRPC's: ±20%. (±10% is within reach of scheduling noise at the
	// median and below: about one run in 300 is judged lockstep.)
	twentyPercent = func(r *rand.Rand, b time.Duration, n int, _ time.Duration) time.Duration {
		d := exp2(b, n)
		return uniform(r, d-d/5, d+d/5)
	}
	// The reference client's: full jitter above the base, multiplier 2.
	aboveBase = func(r *rand.Rand, b time.Duration, n int, _ time.Duration) time.Duration {
		return b + uniform(r, 0, min(exp2(b, n), 8*b))
	}
	// Bad: each must fail every run.
	lockstepExp = func(_ *rand.Rand, b time.Duration, n int, _ time.Duration) time.Duration { return exp2(b, n) }
	fixedDelay  = func(_ *rand.Rand, b time.Duration, _ int, _ time.Duration) time.Duration { return b }
	hammering   = func(_ *rand.Rand, _ time.Duration, _ int, _ time.Duration) time.Duration { return 0 }
)

// schedulerNoise is what a loaded 2-core machine adds to a wait, as the
// upstream sees it: a few milliseconds usually (exponential, mean 3ms),
// and one wake-up in ten late by up to 60ms more.
func schedulerNoise(r *rand.Rand) time.Duration {
	d := time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
	if r.Float64() < 0.1 {
		d += uniform(r, 0, 60*time.Millisecond)
	}
	return d
}

// herd is the journal of callers that start together, each failing
// retries+1 times with a 503, waiting as policy says plus noise.
func herd(r *rand.Rand, policy waitPolicy, base time.Duration, callers, retries int) []fault.Entry {
	var out []fault.Entry
	for c := range callers {
		at := t0.Add(time.Duration(r.IntN(2000)) * time.Microsecond)
		var prev time.Duration
		for n := 0; n <= retries; n++ {
			if n > 0 {
				prev = policy(r, base, n, prev)
				at = at.Add(5*time.Millisecond + prev + schedulerNoise(r))
			}
			out = append(out, fault.Entry{Time: at, Duration: 5 * time.Millisecond, Method: "GET", Path: "/v1/orders",
				Status: 503, End: fault.EndComplete, RequestID: fmt.Sprint("c", c)})
		}
	}
	return callers2journal(out)
}

func callers2journal(es []fault.Entry) []fault.Entry {
	out := callers(es)
	for i := range out {
		out[i].Seq = uint64(i + 1)
	}
	return out
}

// TestBackoffUnderSchedulerNoise judges thousands of synthetic herds, as the
// first-503s-then-ok scenario produces them (16 callers, 3 retries each),
// with scheduler noise injected: every good policy passes every time, every
// lockstep, fixed or hammering one fails every time. The check is a pure
// function of the journal, so this is its whole behaviour on a busy
// machine.
func TestBackoffUnderSchedulerNoise(t *testing.T) {
	check := backoffCheck{min: 10 * time.Millisecond, jitter: true, growth: true}
	trials := 400
	if testing.Short() {
		trials = 60
	}
	for _, tc := range []struct {
		name   string
		policy waitPolicy
		pass   bool
		says   string
	}{
		{"full jitter", fullJitter, true, ""},
		{"equal jitter", equalJitter, true, ""},
		{"decorrelated jitter", decorrelated, true, ""},
		{"±20% jitter", twentyPercent, true, ""},
		{"jitter above the base (the reference client)", aboveBase, true, ""},
		{"exponential in lockstep", lockstepExp, false, "lockstep"},
		{"fixed delay", fixedDelay, false, ""}, // lockstep, and (mostly) not growing
		{"fixed delay, jitter not asked", fixedDelay, false, "do not grow"},
		{"hammering", hammering, false, "too soon"},
	} {
		for _, base := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second} {
			// At 50ms a fixed delay's late wake-ups (up to 60ms) are as
			// long as the delay itself: without the jitter test, its
			// growth cannot be told from noise there.
			if strings.Contains(tc.name, "not asked") && base < 200*time.Millisecond {
				continue
			}
			check := check
			check.jitter = !strings.Contains(tc.name, "jitter not asked")
			t.Run(fmt.Sprintf("%s/base %s", tc.name, base), func(t *testing.T) {
				t.Parallel() // a pure function of synthetic journals: no clock involved
				wrong := 0
				var example report.Check
				for i := range trials {
					r := rand.New(rand.NewPCG(uint64(i), uint64(base)))
					got := check.Evaluate(observed(scen(gets(16)), herd(r, tc.policy, base, 16, 3)...))
					if (got.Status == report.Passed) != tc.pass || !strings.Contains(got.Message, tc.says) {
						wrong++
						example = got
					}
				}
				assert.Zero(t, wrong, "%d of %d verdicts wrong, e.g. %s: %s; %s", wrong, trials, example.Status, example.Observed, example.Message)
			})
		}
	}
}

// TestBackoffFewCallers: with too few calls to judge growth or jitter, the
// check says so and judges the spacing alone.
func TestBackoffFewCallers(t *testing.T) {
	n := 0
	got := backoffCheck{min: 10 * time.Millisecond, jitter: true, growth: true}.Evaluate(observed(scen(gets(2)),
		callers(callerAttempts(&n, "a", 0, 503, 20, 20, 20), callerAttempts(&n, "b", 1, 503, 20, 20, 20))...))
	assert.Equal(t, report.Passed, got.Status)
	assert.Contains(t, got.Observed, "growth not judged")
	assert.Contains(t, got.Observed, "jitter not judged")
}

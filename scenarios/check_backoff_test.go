package scenarios

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/faultline-dev/faultline/fault/journal"
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
func herd(r *rand.Rand, policy waitPolicy, base time.Duration, callers, retries int) []journal.Entry {
	var out []journal.Entry
	for c := range callers {
		at := t0.Add(time.Duration(r.IntN(2000)) * time.Microsecond)
		var prev time.Duration
		for n := 0; n <= retries; n++ {
			if n > 0 {
				prev = policy(r, base, n, prev)
				at = at.Add(5*time.Millisecond + prev + schedulerNoise(r))
			}
			out = append(out, journal.Entry{Time: at, Duration: 5 * time.Millisecond, Method: "GET", Path: "/v1/orders",
				Status: 503, End: journal.EndComplete, RequestID: fmt.Sprint("c", c)})
		}
	}
	return callers2journal(out)
}

func callers2journal(es []journal.Entry) []journal.Entry {
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

// stalledHerd is the journal of callers in lockstep (each waits as policy
// says, plus a few milliseconds of scheduling delay) whose retry stallAt is
// hit by a machine stall: the share late of the callers, those due last,
// are due while the machine stands still, and all their retries arrive
// when it resumes, stall after the first of them was due.
func stalledHerd(r *rand.Rand, policy waitPolicy, base time.Duration, callers, retries, stallAt int, late float64, stall time.Duration) []journal.Entry {
	const took = 5 * time.Millisecond
	at := make([]time.Time, callers)
	prev := make([]time.Duration, callers)
	var out []journal.Entry
	for n := 0; n <= retries; n++ {
		for c := range callers {
			switch n {
			case 0:
				at[c] = t0.Add(time.Duration(r.IntN(2000)) * time.Microsecond)
			default:
				prev[c] = policy(r, base, n, prev[c])
				at[c] = at[c].Add(took + prev[c] + time.Duration(r.ExpFloat64()*float64(3*time.Millisecond)))
			}
		}
		if n == stallAt {
			due := append([]time.Time(nil), at...)
			sort.Slice(due, func(i, j int) bool { return due[i].Before(due[j]) })
			from := due[callers-max(1, int(late*float64(callers)+0.5))]
			resume := from.Add(stall)
			for c := range at {
				if !at[c].Before(from) && !at[c].After(resume) {
					at[c] = resume.Add(time.Duration(r.ExpFloat64() * float64(500*time.Microsecond)))
				}
			}
		}
		for c := range callers {
			out = append(out, journal.Entry{Time: at[c], Duration: took, Method: "GET", Path: "/v1/orders",
				Status: 503, End: journal.EndComplete, RequestID: fmt.Sprint("c", c)})
		}
	}
	return callers2journal(out)
}

// TestBackoffLockstepSplitByStall: callers in lockstep whose one retry a
// machine stall split (20% to 80% of them released late at one instant, a
// stall of 20ms to 500ms) are judged in lockstep every time, however the
// split moved that retry's median (go-retryablehttp's 429 herd was once
// judged jittered so: median waits 1.15s/2s/4.01s/8.03s).
func TestBackoffLockstepSplitByStall(t *testing.T) {
	check := backoffCheck{min: 10 * time.Millisecond, jitter: true}
	trials := 400
	if testing.Short() {
		trials = 60
	}
	for _, callers := range []int{10, 16} {
		for _, base := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second} {
			t.Run(fmt.Sprintf("%d callers/base %s", callers, base), func(t *testing.T) {
				t.Parallel() // a pure function of synthetic journals: no clock involved
				wrong := 0
				var example report.Check
				for i := range trials {
					r := rand.New(rand.NewPCG(uint64(i), uint64(base)+uint64(callers)))
					late, stall, at := 0.2+0.6*r.Float64(), uniform(r, 20*time.Millisecond, 500*time.Millisecond), 1+r.IntN(3)
					got := check.Evaluate(observed(scen(gets(callers)), stalledHerd(r, lockstepExp, base, callers, 3, at, late, stall)...))
					if got.Status != report.Failed || !strings.Contains(got.Message, "callers retried in lockstep (no jitter): ") {
						wrong++
						example = got
					}
				}
				assert.Zero(t, wrong, "%d of %d verdicts wrong, e.g. %s: %s; %s", wrong, trials, example.Status, example.Observed, example.Message)
			})
		}
	}
}

// TestBackoffStallMessage: go-retryablehttp's 429 herd (ten callers, 1s
// then 2s, 4s, 8s) whose first retry a 150ms stall split, six of ten late:
// judged lockstep, and the message says why, with the numbers.
func TestBackoffStallMessage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	got := backoffCheck{min: 20 * time.Millisecond, jitter: true}.Evaluate(observed(scen(gets(10)),
		stalledHerd(r, lockstepExp, time.Second, 10, 4, 1, 0.6, 150*time.Millisecond)...))
	assert.Equal(t, report.Failed, got.Status)
	assert.Regexp(t, `^callers retried in lockstep \(no jitter\): the waits before retry 1 spread 1[45]\dms below their median 1.1[45]s, `+
		`but 10 of 10 calls fall in two groups of equal waits or arrivals at one instant \(within 2\dms\), as when a machine stall splits callers in lockstep$`, got.Message)
}

package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/verdict"
)

// synthetic makes rounds whose true throughput ratio is ratio: the bare
// client costs 50us a request, the campaign 50us/ratio, each round's CPU
// per request off by a seeded normal noise of spread sd (rounds spread
// about 0.08 at load 11 on 2 cores).
func synthetic(seed uint64, rounds int, ratio, spread float64) []round {
	rng := rand.New(rand.NewPCG(seed, 1))
	side := func(costUS float64) sample {
		const n = 4000
		cost := costUS * (1 + spread*rng.NormFloat64())
		return sample{n: n, cpu: time.Duration(n * cost * float64(time.Microsecond)), wall: time.Duration(n*cost/2) * time.Microsecond}
	}
	out := make([]round, rounds)
	for i := range out {
		out[i] = round{bare: side(50), ours: side(50 / ratio)}
	}
	return out
}

func TestVerdictFailsUnderTheTarget(t *testing.T) {
	for seed := range uint64(20) {
		var out bytes.Buffer
		ok := judge(&out, synthetic(seed, 24, target-0.05, 0.08))
		if ok || !strings.HasPrefix(out.String(), "FAIL  ") || verdict.ExitCode(ok, nil) != 1 {
			t.Fatalf("seed %d: true ratio %.2f under the target: exit %d, printed %q", seed, target-0.05, verdict.ExitCode(ok, nil), out.String())
		}
	}
}

func TestVerdictPassesOverTheTarget(t *testing.T) {
	for seed := range uint64(20) {
		var out bytes.Buffer
		ok := judge(&out, synthetic(seed, 24, target+0.05, 0.08))
		if !ok || !strings.HasPrefix(out.String(), "PASS  ") || verdict.ExitCode(ok, nil) != 0 {
			t.Fatalf("seed %d: true ratio %.2f over the target: exit %d, printed %q", seed, target+0.05, verdict.ExitCode(ok, nil), out.String())
		}
	}
}

// The verdict prints the rates and the absolute one beside issue #12's.
func TestVerdictPrintsTheRates(t *testing.T) {
	var out bytes.Buffer
	judge(&out, synthetic(1, 8, 1, 0))
	for _, want := range []string{"throughput ratio 1.000x", "40000 deliveries/s vs bare 40000 req/s", "target >= 0.95x", "INFO  campaign 40000 deliveries/s wall, issue #12 asked 32000/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verdict lacks %q:\n%s", want, out.String())
		}
	}
}

// The trimmed mean is the mean of the middle half: one wild round (a
// garbage collection, a neighbour's burst) does not move it.
func TestTrimmedMeanDropsWildRounds(t *testing.T) {
	x := []float64{1, 1, 1, 1, 1, 1, 1, 9}
	if got := trimmedMean(x); got != 1 {
		t.Errorf("trimmed mean of %v = %v, want 1", x, got)
	}
	if got := trimmedMean([]float64{0.9, 1.1, 1.0, 0.95, 1.05}); math.Abs(got-1) > 1e-9 {
		t.Errorf("trimmed mean = %v, want 1", got)
	}
}

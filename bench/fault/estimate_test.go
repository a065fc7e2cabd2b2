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

// synthetic makes rounds whose true efficiency is ratio: the base costs
// 100us a request, the test 100us/ratio, each round's CPU per request off
// by a seeded normal noise of spread sd (the proxy row's rounds on a busy
// machine spread about 0.06), the requests per round around 3,000.
func synthetic(seed uint64, rounds int, ratio, spread float64) []round {
	rng := rand.New(rand.NewPCG(seed, 1))
	side := func(costUS float64) sample {
		n := int64(2500 + rng.IntN(1000))
		cost := costUS * (1 + spread*rng.NormFloat64())
		cpu := time.Duration(float64(n) * cost * float64(time.Microsecond))
		return sample{n: n, cpu: cpu, own: cpu * 2 / 3}
	}
	out := make([]round, rounds)
	for i := range out {
		out[i] = round{base: side(100), test: side(100 / ratio)}
	}
	return out
}

var proxyRow = comparisons[1]

func TestVerdictFailsARowUnderItsTarget(t *testing.T) {
	for seed := range uint64(20) {
		rounds := synthetic(seed, proxyRow.rounds, proxyRow.target-0.05, 0.06)
		var out bytes.Buffer
		ok := judge(&out, proxyRow, rounds)
		if ok || !strings.HasPrefix(out.String(), "FAIL  ") || verdict.ExitCode(ok, nil) != 1 {
			t.Fatalf("seed %d: true ratio %.2f under the target %.2f: exit %d, printed %q", seed, proxyRow.target-0.05, proxyRow.target, verdict.ExitCode(ok, nil), out.String())
		}
	}
}

func TestVerdictPassesARowOverItsTarget(t *testing.T) {
	for seed := range uint64(20) {
		rounds := synthetic(seed, proxyRow.rounds, proxyRow.target+0.05, 0.06)
		var out bytes.Buffer
		ok := judge(&out, proxyRow, rounds)
		if !ok || !strings.HasPrefix(out.String(), "PASS  ") || verdict.ExitCode(ok, nil) != 0 {
			t.Fatalf("seed %d: true ratio %.2f over the target %.2f: exit %d, printed %q", seed, proxyRow.target+0.05, proxyRow.target, verdict.ExitCode(ok, nil), out.String())
		}
	}
}

// Each estimator finds the true ratio of noiseless rounds, whatever their
// request counts.
func TestEstimatorsExactOnNoiselessRounds(t *testing.T) {
	rounds := synthetic(7, 25, 0.93, 0)
	for _, e := range estimators {
		if got := e.of(rounds); math.Abs(got-0.93) > 1e-6 {
			t.Errorf("%s = %.6f, want 0.93", e.name, got)
		}
	}
}

// The estimators differ where they should: the ratio of sums weighs a
// round by its requests, the median and the trimmed mean ignore one wild
// round.
func TestEstimatorsWeighRoundsDifferently(t *testing.T) {
	r := func(n int64, ratio float64) round {
		return round{sample{n: n, cpu: time.Duration(n) * 100}, sample{n: n, cpu: time.Duration(float64(n) * 100 / ratio)}}
	}
	rounds := []round{r(1000, 1), r(1000, 1), r(1000, 1), r(1000, 1), r(4000, 0.5)}
	if got := ratioOfSums(rounds); math.Abs(got-2.0/3) > 1e-9 { // 8000*100 / (4000*100 + 4000*200)
		t.Errorf("ratioOfSums = %.4f, want 0.6667", got)
	}
	if got := medianOfRatios(rounds); got != 1 {
		t.Errorf("medianOfRatios = %.4f, want 1", got)
	}
	if got := trimmedMean(rounds); got != 1 { // a quarter of 5 rounds is 1 each side
		t.Errorf("trimmedMean = %.4f, want 1", got)
	}
}

func TestAASidesLoadOneSideTwice(t *testing.T) {
	for aa, want := range map[string][2]side{
		"":     {proxyRow.base, proxyRow.test},
		"base": {proxyRow.base, proxyRow.base},
		"test": {proxyRow.test, proxyRow.test},
	} {
		cfg, err := newConfig("proxy", 0, aa, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.sides(proxyRow); got != want {
			t.Errorf("-aa %q: sides %v, want %v", aa, got, want)
		}
	}
	if _, err := newConfig("proxy", 0, "both", 1); err == nil || !strings.Contains(err.Error(), "-aa") {
		t.Errorf("-aa both: error %v, want one naming -aa", err)
	}
}

func TestBelowIsTheNormalTail(t *testing.T) {
	for _, c := range []struct{ margin, sd, want float64 }{{0, 1, 0.5}, {1, 1, 0.1587}, {2.326, 1, 0.01}, {0.025, 0.0107, 0.0097}} {
		if got := below(c.margin, c.sd); math.Abs(got-c.want) > 5e-4 {
			t.Errorf("below(%v, %v) = %.4f, want %.4f", c.margin, c.sd, got, c.want)
		}
	}
}

// The latency windows run ABBA ABBA: each server's windows sit, on
// average, at the same place in the row, so a load that drifts linearly
// through the row weighs on both alike.
func TestLatencyOrderBalancesDrift(t *testing.T) {
	var pos [2]int
	at := 0
	for k := range latencyWindows {
		for _, i := range latencyOrder(k) {
			pos[i] += at
			at++
		}
	}
	if pos[0] != pos[1] {
		t.Errorf("summed window positions: faultline %d, bare %d; want equal", pos[0], pos[1])
	}
}

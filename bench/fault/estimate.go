package main

import (
	"math"
	"slices"
)

// round is what one round measured of each side, base and test, loaded at
// the same time.
type round struct{ base, test sample }

// ratio is the round's efficiency: base CPU per request / test CPU per
// request (the throughput ratio the two would reach on CPUs of their own).
func (r round) ratio() float64 { return r.base.perRequest() / max(r.test.perRequest(), 1) }

// ownRatio is ratio without the upstreams: the loaded servers' own CPU.
func (r round) ownRatio() float64 { return r.base.ownPerRequest() / max(r.test.ownPerRequest(), 1) }

// An estimator turns a row's rounds into one efficiency.
type estimator struct {
	name, what string
	of         func([]round) float64
}

// estimators are the ones bench/fault compares, the gate's first; -aa and
// -repeat print them all on the same rounds.
var estimators = []estimator{
	{"trimmed", "trimmed mean", trimmedMean},
	{"sum", "ratio of summed CPU per request", ratioOfSums},
	{"median", "median", medianOfRatios},
}

// gate is the estimator the verdict uses: the trimmed mean. A/A runs (see
// the package doc) found the faultline proxy's rounds heavy-tailed (a round
// in a few hundred lands 20-40% off), which the sum follows and the
// trimmed mean drops, and its GC cycles few per round (2-3), so a round's
// ratio leans to whether it held 2 or 3: the median flips between the two,
// the trimmed mean averages them.
var gate = estimators[0]

// ratioOfSums is all the rounds' base CPU over their requests, divided by
// the test's: each side's CPU per request over the whole run. A garbage
// collection cycle that lands in one round or the next counts once either
// way, and each round weighs by the requests it served.
func ratioOfSums(rs []round) float64 {
	var b, t sample
	for _, r := range rs {
		b, t = b.plus(r.base), t.plus(r.test)
	}
	return round{b, t}.ratio()
}

// medianOfRatios is the median of the rounds' ratios.
func medianOfRatios(rs []round) float64 { return median(ratios(rs)) }

// trimmedMean is the mean of the rounds' ratios without the lowest and the
// highest quarter.
func trimmedMean(rs []round) float64 {
	x := ratios(rs)
	slices.Sort(x)
	k := len(x) / 4
	return mean(x[k : len(x)-k])
}

func ratios(rs []round) []float64 {
	x := make([]float64, len(rs))
	for i, r := range rs {
		x[i] = r.ratio()
	}
	return x
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	x = slices.Sorted(slices.Values(x))
	if len(x)%2 == 1 {
		return x[len(x)/2]
	}
	return (x[len(x)/2-1] + x[len(x)/2]) / 2
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// sd is the sample standard deviation (n-1); NaN below two values.
func sd(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m, s := mean(x), 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// below is the normal approximation of the chance that an estimate whose
// spread across runs is sd lands more than margin below its true value.
func below(margin, sd float64) float64 {
	return 0.5 * math.Erfc(margin/(sd*math.Sqrt2))
}

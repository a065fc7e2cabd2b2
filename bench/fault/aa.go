package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
)

// study gathers each row's rounds across repetitions (-repeat), so the
// estimators' spread from run to run can be read off the same rounds.
type study map[string][][]round

// prefixes are the round counts the study compares, each estimator taken on
// each repetition's first n rounds: 9, 15 and 25 where the run has them,
// and the run's own count.
func prefixes(rounds int) []int {
	var out []int
	for _, n := range []int{9, 15, 25} {
		if n < rounds {
			out = append(out, n)
		}
	}
	return append(out, rounds)
}

// printAA prints one A/A row: every estimator on its rounds (the truth is
// 1) and how far the rounds spread.
func printAA(w io.Writer, cmp comparison, s side, rounds []round) {
	var est []string
	for _, e := range estimators {
		est = append(est, fmt.Sprintf("%s %.3f", e.name, e.of(rounds)))
	}
	x := ratios(rounds)
	var gb, gt uint64
	for _, r := range rounds {
		gb, gt = gb+r.base.gcs, gt+r.test.gcs
	}
	fmt.Fprintf(w, "A/A  %-7s %s vs %s, %d rounds: %s; rounds sd %.3f, %.3f-%.3f; GC cycles per round %.1f vs %.1f\n",
		cmp.row, s, s, len(rounds), strings.Join(est, ", "), sd(x), slices.Min(x), slices.Max(x),
		float64(gb)/float64(len(rounds)), float64(gt)/float64(len(rounds)))
}

// print sums the repetitions up, row by row: for each estimator and round
// count, the estimates' mean and spread (sd) across repetitions. Under
// -aa it adds what that spread means for a gate: the normal approximation
// of the chance a server 0.025 above its target fails (false fail) and of
// the chance one 0.05 under it passes. Otherwise it counts the
// repetitions each estimate would have failed.
func (st study) print(w io.Writer, cfg config) {
	for _, cmp := range comparisons {
		reps := st[cmp.row]
		if len(reps) == 0 {
			continue
		}
		var within []float64
		for _, rs := range reps {
			within = append(within, sd(ratios(rs)))
		}
		var pool []round
		for _, rs := range reps {
			pool = append(pool, rs...)
		}
		fmt.Fprintf(w, "%s, %d repetitions: per-round ratio sd %.3f (mean over repetitions); sd across repetitions, and of %d resamples of n of the %d rounds pooled\n",
			cmp.row, len(reps), mean(within), resamples, len(pool))
		for _, n := range prefixes(len(reps[0])) {
			for _, e := range estimators {
				var x []float64
				for _, rs := range reps {
					x = append(x, e.of(rs[:n]))
				}
				boot := resampledSD(pool, n, e)
				line := fmt.Sprintf("  %-7s %2d rounds: mean %.3f sd %.4f (resampled %.4f), %.3f-%.3f", e.name, n, mean(x), sd(x), boot, slices.Min(x), slices.Max(x))
				if cfg.aa != "" {
					line += fmt.Sprintf("; a gate 0.025 above its target fails %.2f%% (resampled %.2f%%), one 0.05 under passes %.3f%%",
						100*below(0.025, sd(x)), 100*below(0.025, boot), 100*below(0.05, max(sd(x), boot)))
				} else {
					fails := 0
					for _, v := range x {
						if v < cmp.target {
							fails++
						}
					}
					line += fmt.Sprintf("; %d of %d under the target %.2f", fails, len(x), cmp.target)
				}
				fmt.Fprintln(w, line)
			}
		}
	}
}

// resamples is how many times resampledSD draws.
const resamples = 2000

// resampledSD is the spread of e over n rounds drawn (with replacement,
// from a fixed seed) from pool: the bootstrap, which reads an estimator's
// spread off many more rounds than a few repetitions hold, if rounds are
// independent of each other (compare it with the spread across
// repetitions, which assumes nothing).
func resampledSD(pool []round, n int, e estimator) float64 {
	rng := rand.New(rand.NewPCG(uint64(n), 12))
	x := make([]float64, resamples)
	draw := make([]round, n)
	for i := range x {
		for j := range draw {
			draw[j] = pool[rng.IntN(len(pool))]
		}
		x[i] = e.of(draw)
	}
	return sd(x)
}

package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/verdict"
)

// sample is what one side did in one round.
type sample struct {
	n         int
	wall, cpu time.Duration
}

func (s sample) cpuPer() time.Duration  { return s.cpu / time.Duration(max(s.n, 1)) }
func (s sample) wallPer() time.Duration { return s.wall / time.Duration(max(s.n, 1)) }
func (s sample) rate() float64          { return float64(s.n) / max(s.wall.Seconds(), 1e-9) }

// round is one round of both sides, one after the other.
type round struct{ bare, ours sample }

// cpuRatio is the round's throughput ratio on CPUs of their own: the bare
// client's CPU per request over the campaign's per delivery.
func (r round) cpuRatio() float64 { return float64(r.bare.cpuPer()) / float64(max(r.ours.cpuPer(), 1)) }

// wallRatio is the same with wall time: the rates' ratio.
func (r round) wallRatio() float64 {
	return float64(r.bare.wallPer()) / float64(max(r.ours.wallPer(), 1))
}

// summary is what a run's rounds come to.
type summary struct {
	rounds           int
	cpu, wall        float64 // trimmed means of the rounds' ratios
	lo, hi, med      float64 // the CPU ratios' range and median
	ours, bare       float64 // wall rates over the whole run, per second
	oursCPU, bareCPU time.Duration
}

func summarize(rs []round) summary {
	var cpu, wall []float64
	var ours, bare sample
	for _, r := range rs {
		cpu = append(cpu, r.cpuRatio())
		wall = append(wall, r.wallRatio())
		ours = sample{ours.n + r.ours.n, ours.wall + r.ours.wall, ours.cpu + r.ours.cpu}
		bare = sample{bare.n + r.bare.n, bare.wall + r.bare.wall, bare.cpu + r.bare.cpu}
	}
	slices.Sort(cpu)
	return summary{
		rounds: len(rs), cpu: trimmedMean(cpu), wall: trimmedMean(wall),
		lo: cpu[0], hi: cpu[len(cpu)-1], med: cpu[len(cpu)/2],
		ours: ours.rate(), bare: bare.rate(), oursCPU: ours.cpuPer(), bareCPU: bare.cpuPer(),
	}
}

// describe is the summary as the verdict prints it.
func (s summary) describe() string {
	return fmt.Sprintf("throughput ratio %.3fx (trimmed mean of %d rounds' CPU per request: %.1fus bare vs %.1fus campaign; rounds %.3f-%.3f, median %.3f); wall: %.0f deliveries/s vs bare %.0f req/s, ratio %.3fx",
		s.cpu, s.rounds, us(s.bareCPU), us(s.oursCPU), s.lo, s.hi, s.med, s.ours, s.bare, s.wall)
}

// judge prints the verdict, PASS or FAIL against the target, and the
// absolute rate beside issue #12's for reading; it reports whether the
// gate is met.
func judge(w io.Writer, rs []round) bool {
	s := summarize(rs)
	ok := verdict.Print(w, s.cpu >= target, "campaign vs bare net/http client: %s (target >= %.2fx)", s.describe(), target)
	fmt.Fprintf(w, "INFO  campaign %.0f deliveries/s wall, issue #12 asked %d/s (not gated: an absolute rate on a shared machine measures the neighbours)\n", s.ours, issueRate)
	return ok
}

// trimmedMean is the mean of x without its lowest and highest quarter.
func trimmedMean(x []float64) float64 {
	x = slices.Sorted(slices.Values(x))
	k := len(x) / 4
	x = x[k : len(x)-k]
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

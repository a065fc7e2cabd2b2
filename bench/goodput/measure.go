package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
)

// result is one client's run on one mix.
type result struct {
	goodput       float64 // percent of calls that succeeded within the deadline
	p50, p99      time.Duration
	amplification float64 // upstream requests per call
	duplicates    int     // POST calls whose effect was applied more than once
	downLoad      float64 // upstream requests per second while it was down
	why           string  // failures by reason
	share429      float64 // percent of upstream answers that were 429s
	timeline      string  // with -timeline
}

// judge computes a run's numbers from the callers' outcomes and the
// upstream's journal.
func judge(out []outcome, entries []journal.Entry, m mix, s settings) result {
	ok := 0
	took := make([]time.Duration, len(out))
	for i, o := range out {
		took[i] = o.took
		if o.err == nil {
			ok++
		}
	}
	slices.Sort(took)
	r := result{
		goodput:       100 * float64(ok) / float64(len(out)),
		p50:           took[(len(took)-1)/2],
		p99:           took[min(len(took)-1, len(took)*99/100)],
		amplification: float64(len(entries)) / float64(len(out)),
		duplicates:    duplicates(entries),
		why:           reasons(out),
	}
	n429 := 0
	for _, e := range entries {
		if e.Status == http.StatusTooManyRequests {
			n429++
		}
	}
	r.share429 = 100 * float64(n429) / float64(max(len(entries), 1))
	if m.downFor > 0 {
		r.downLoad = float64(downRequests(entries)) / m.downFor.Seconds()
	}
	return r
}

// duplicates counts POST calls (grouped by X-Request-Id) whose effect the
// upstream applied more than once: effects under one idempotency key count
// once, as a provider deduplicates them; effects without a key each count.
func duplicates(entries []journal.Entry) int {
	effects := map[string]map[string]bool{} // call -> distinct effects
	for _, e := range entries {
		if e.Method != http.MethodPost || !e.Effect {
			continue
		}
		if effects[e.RequestID] == nil {
			effects[e.RequestID] = map[string]bool{}
		}
		key := e.IdempotencyKey
		if key == "" {
			key = fmt.Sprint("seq ", e.Seq)
		}
		effects[e.RequestID][key] = true
	}
	n := 0
	for _, keys := range effects {
		if len(keys) > 1 {
			n++
		}
	}
	return n
}

// downRequests counts the requests the upstream received while its outage
// was on.
func downRequests(entries []journal.Entry) int {
	n := 0
	for _, e := range entries {
		for _, a := range e.Faults {
			if a.Type == "outage" && a.Params["state"] == "down" {
				n++
			}
		}
	}
	return n
}

func (r result) line(m mix) string {
	down := "-"
	if m.downFor > 0 {
		down = fmt.Sprintf("%.1f/s", r.downLoad)
	}
	return fmt.Sprintf("goodput %5.1f%%  p50 %6s  p99 %6s  ampl %.2f  dup %d  down %s  429s %.1f%%  failures: %s",
		r.goodput, ms(r.p50), ms(r.p99), r.amplification, r.duplicates, down, r.share429, r.why)
}

func ms(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// spread renders the median of xs with its range over the rounds.
func spread(xs []float64, format string) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[(len(s)-1)/2]
	if len(s) == 1 || s[0] == s[len(s)-1] {
		return fmt.Sprintf(format, med)
	}
	return fmt.Sprintf(format+" ["+format+"-"+format+"]", med, s[0], s[len(s)-1])
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func pick(rs []result, f func(result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// printMix prints the mix's table and the reference client's verdicts;
// it returns false when a target is missed.
func printMix(m mix, s settings, rows map[string][]result) bool {
	fmt.Printf("\n%s (median [min-max] over %d rounds)\n", m.name, s.rounds)
	fmt.Printf("  %-14s %-22s %-22s %-24s %-20s %-10s %s\n", "client", "goodput %", "p50 ms", "p99 ms", "amplification", "dup", "load while down (req/s)")
	bestPeer, bestName := 0.0, ""
	for _, p := range peers {
		rs := rows[p.name]
		down := "-"
		if m.downFor > 0 {
			down = spread(pick(rs, func(r result) float64 { return r.downLoad }), "%.1f")
		}
		fmt.Printf("  %-14s %-22s %-22s %-24s %-20s %-10s %s\n", p.name,
			spread(pick(rs, func(r result) float64 { return r.goodput }), "%.1f"),
			spread(pick(rs, func(r result) float64 { return float64(r.p50.Milliseconds()) }), "%.0f"),
			spread(pick(rs, func(r result) float64 { return float64(r.p99.Milliseconds()) }), "%.0f"),
			spread(pick(rs, func(r result) float64 { return r.amplification }), "%.2f"),
			spread(pick(rs, func(r result) float64 { return float64(r.duplicates) }), "%.0f"), down)
		if g := median(pick(rs, func(r result) float64 { return r.goodput })); p.name != "reference" && !p.try && g > bestPeer {
			bestPeer, bestName = g, p.name
		}
	}
	return verdicts(m, s, rows["reference"], bestPeer, bestName)
}

// verdicts judges the reference client against the targets.
func verdicts(m mix, s settings, ref []result, bestPeer float64, bestName string) bool {
	good := median(pick(ref, func(r result) float64 { return r.goodput }))
	maxAmp := slices.Max(pick(ref, func(r result) float64 { return r.amplification }))
	dups := slices.Max(pick(ref, func(r result) float64 { return float64(r.duplicates) }))
	maxDown := slices.Max(pick(ref, func(r result) float64 { return r.downLoad }))
	checks := []struct {
		ok   bool
		text string
	}{
		{good >= bestPeer-2, fmt.Sprintf("goodput %.1f%% >= best peer (%s %.1f%%) - 2", good, bestName, bestPeer)},
		{dups == 0, fmt.Sprintf("duplicate effects %.0f == 0", dups)},
		{maxAmp <= 1.7, fmt.Sprintf("amplification %.2f <= 1.7", maxAmp)},
	}
	if m.downFor > 0 {
		checks = append(checks, struct {
			ok   bool
			text string
		}{maxDown <= s.rate, fmt.Sprintf("load while down %.1f/s <= offered %.0f/s", maxDown, s.rate)})
	}
	all := true
	var parts []string
	for _, c := range checks {
		v := "PASS"
		if !c.ok {
			v, all = "FAIL", false
		}
		parts = append(parts, v+" "+c.text)
	}
	fmt.Printf("  reference: %s\n", strings.Join(parts, "; "))
	return all
}

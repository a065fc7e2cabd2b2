package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() { registerCheck("backoff", decodeBackoff) }

// backoffCheck judges the waits between a call's attempts, as the upstream
// saw them (from the end of one attempt to the arrival of the next). Every
// statistic is a median or a quartile, so the odd wake-up that a busy
// machine delays moves no verdict, while the clients it exists to catch
// still fail:
//
//   - spaced: the median wait is at least min. A client that retries at
//     once fails however loaded the machine; full jitter, whose waits can
//     come close to zero, passes.
//   - growth: the mean wait before a later retry, its largest quarter
//     dropped, is at least [growthRatio] times that before the first,
//     comparing only retries that at least [growthSample] calls reached. A
//     fixed delay of 200ms or more stays under 1.05 whatever the noise; full, equal and
//     decorrelated jitter over an exponential backoff stay above 1.1 in
//     simulated runs of 16 callers with scheduler noise
//     (TestBackoffUnderSchedulerNoise).
//   - jitter: at some retry that [jitterSample] calls reached, their waits
//     spread from the 10th percentile to the median by at least
//     [jitterSpread] of the median and at least [jitterFloor]. Callers in
//     lockstep keep only scheduling noise below the median, a millisecond
//     or two; ±20% jitter gives about 0.16, equal
//     and full jitter 0.2 and more. A spread under jitterFloor, or jitter of
//     ±10% and less, is within reach of scheduling noise. At a retry that
//     [clumpSample] calls reached, the spread counts only if fewer than
//     [clumpShare] of them fall in two groups of equal waits or retries
//     that arrived together, each within the larger of [clumpFloor] and
//     [clumpTol] of the median: a machine stall splits callers in lockstep
//     so (see jittered).
//
// With required: false, a client that never retried passes (some failures
// need not be retried at all); one that did is judged.
type backoffCheck struct {
	min                      time.Duration
	jitter, growth, optional bool
}

const (
	growthRatio  = 1.1
	growthSample = 12
	jitterSpread = 0.05
	jitterFloor  = 6 * time.Millisecond
	jitterSample = 4
	clumpSample  = 10
	clumpShare   = 0.8
	clumpFloor   = 3 * time.Millisecond
	clumpTol     = 0.02
)

func decodeBackoff(d *checkDecode) (Check, error) {
	var f struct {
		Min      yamlx.Duration `yaml:"min"`
		Jitter   *bool          `yaml:"jitter"`
		Growth   *bool          `yaml:"growth"`
		Required *bool          `yaml:"required"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.Min <= 0 {
		return nil, d.Errorf("min: give the smallest acceptable median wait between attempts, e.g. min: 20ms")
	}
	return backoffCheck{min: f.Min.D(), jitter: f.Jitter == nil || *f.Jitter, growth: f.Growth == nil || *f.Growth,
		optional: f.Required != nil && !*f.Required}, nil
}

func (c backoffCheck) Name() string { return "backoff" }

func (c backoffCheck) expected() string {
	parts := []string{"median wait >= " + fmtDur(c.min)}
	if c.growth {
		parts = append(parts, fmt.Sprintf("growing (a later retry's median >= %.2fx the first's)", growthRatio))
	}
	if c.jitter {
		parts = append(parts, fmt.Sprintf("jittered across callers (spread >= %.0f%% of the median)", jitterSpread*100))
	}
	return strings.Join(parts, ", ")
}

func (c backoffCheck) Evaluate(o *Observation) report.Check {
	byIndex, arrivals := waitsByRetry(o.Groups(), o.Start)
	var all []time.Duration
	for _, ws := range byIndex {
		all = append(all, ws...)
	}
	if len(all) == 0 && c.optional {
		return verdict(c.Name(), true, c.expected(), "no retries", "the client did not retry, which required: false accepts", nil)
	}
	if len(all) == 0 {
		return verdict(c.Name(), false, c.expected(), "no retries", "the client never retried, so backoff cannot be judged", nil)
	}
	observed := "median wait by retry: " + describeWaits(byIndex)
	var why []string
	if med := percentile(all, 50); med < c.min {
		why = append(why, fmt.Sprintf("retries come too soon: the median wait is %s, under %s", fmtDur(med), fmtDur(c.min)))
	}
	for _, crit := range []struct {
		on     bool
		judge  func([][]time.Duration) (bool, string, bool)
		unsure string
	}{
		{c.growth, grows, fmt.Sprintf("growth not judged: fewer than %s retried twice", english.Count(growthSample, "call"))},
		{c.jitter, func(w [][]time.Duration) (bool, string, bool) { return jittered(w, arrivals) }, fmt.Sprintf("jitter not judged: fewer than %s retried", english.Count(jitterSample, "call"))},
	} {
		if !crit.on {
			continue
		}
		switch ok, msg, judged := crit.judge(byIndex); {
		case !ok:
			why = append(why, msg)
		case !judged:
			observed += "; " + crit.unsure
		}
	}
	return verdict(c.Name(), len(why) == 0, c.expected(), observed, strings.Join(why, "; "), nil)
}

// waitsByRetry lists, for retry n (1-based index n-1), the waits before it
// in every call that made it, and when each of those retries arrived (from
// start).
func waitsByRetry(groups []Group, start time.Time) (waits, arrivals [][]time.Duration) {
	for _, g := range groups {
		for i := 1; i < len(g.Entries); i++ {
			if len(waits) < i {
				waits, arrivals = append(waits, nil), append(arrivals, nil)
			}
			waits[i-1] = append(waits[i-1], g.Entries[i].Time.Sub(g.Entries[i-1].EndTime()))
			arrivals[i-1] = append(arrivals[i-1], g.Entries[i].Time.Sub(start))
		}
	}
	return waits, arrivals
}

// grows reports whether waits grow: the trimmed mean wait (the largest
// quarter dropped, so a stray delayed wake-up cannot pass a constant
// backoff) before some later retry that growthSample calls reached is
// growthRatio times that before the first. With no such later retry it
// cannot tell, and says so without failing.
func grows(byIndex [][]time.Duration) (ok bool, msg string, judged bool) {
	if len(byIndex[0]) < growthSample {
		return true, "", false
	}
	first := trimmedMean(byIndex[0])
	best, at := 0.0, 0
	for i := 1; i < len(byIndex) && len(byIndex[i]) >= growthSample; i++ {
		if r := trimmedMean(byIndex[i]) / max(first, float64(time.Microsecond)); r > best {
			best, at = r, i+1
		}
	}
	switch {
	case at == 0:
		return true, "", false
	case best < growthRatio:
		return false, fmt.Sprintf("waits do not grow: the mean wait before retry %d is %.2fx that before the first (want >= %.2fx)", at, best, growthRatio), true
	}
	return true, "", true
}

// trimmedMean is the mean of ds without its largest quarter.
func trimmedMean(ds []time.Duration) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	s = s[:len(s)-len(s)/4]
	var sum float64
	for _, d := range s {
		sum += float64(d)
	}
	return sum / float64(len(s))
}

// jittered reports whether callers' waits before the same retry spread
// out. Scheduling noise only ever delays a wait, so lockstep callers keep
// a tight cluster at their common wait with a few late stragglers above
// it; jitter spreads the waits below the median too. So the spread judged
// is from the 10th percentile to the median: at some retry that
// jitterSample calls reached it must be at least jitterSpread of the
// median and at least jitterFloor. With no such retry it cannot tell, and
// says so without failing.
//
// A machine stall fakes that spread: it releases every timer due during it
// at its end, so a lockstep herd splits into the callers that retried on
// time, whose waits are equal, and the late ones, whose retries arrive at
// one instant (their waits differ only by how far behind each caller
// already was). When the late ones are most of the herd the median moves
// up and the spread looks like jitter. So a spread retry that clumpSample
// calls reached counts only if fewer than clumpShare of its calls fall in
// two such groups (see twoGroups), each within max(clumpFloor, clumpTol of
// the median). Jittered waits form no such groups: full, equal,
// decorrelated and ±20% jitter pass every simulated herd
// (TestBackoffUnderSchedulerNoise), lockstep split by a stall fails
// (TestBackoffLockstepSplitByStall).
func jittered(waits, arrivals [][]time.Duration) (ok bool, msg string, judged bool) {
	var spread, med time.Duration
	split := ""
	for i, ws := range waits {
		if len(ws) < jitterSample {
			continue
		}
		m := percentile(ws, 50)
		sp := m - percentile(ws, 10)
		if sp >= jitterFloor && float64(sp) >= jitterSpread*float64(m) {
			if len(ws) < clumpSample {
				return true, "", true
			}
			tol := max(clumpFloor, time.Duration(clumpTol*float64(m)))
			in := twoGroups(ws, arrivals[i], tol)
			if float64(in) < clumpShare*float64(len(ws)) {
				return true, "", true
			}
			split = fmt.Sprintf("the waits before retry %d spread %s below their median %s, but %d of %s fall in two groups "+
				"of equal waits or arrivals at one instant (within %s), as when a machine stall splits callers in lockstep",
				i+1, fmtDur(sp), fmtDur(m), in, english.Count(len(ws), "call"), fmtDur(tol))
		}
		if !judged || float64(sp)/float64(max(m, 1)) > float64(spread)/float64(max(med, 1)) {
			spread, med = sp, m
		}
		judged = true
	}
	switch {
	case !judged:
		return true, "", false
	case split != "":
		return false, "callers retried in lockstep (no jitter): " + split, true
	}
	return false, fmt.Sprintf("callers retried in lockstep (no jitter): the waits before the same retry spread only %s below their median %s",
		fmtDur(spread), fmtDur(med)), true
}

// twoGroups is the most of a retry's calls that two groups can hold, a
// group being calls whose waits lie within tol of each other or calls
// whose retries arrived within tol of each other (ws and as are the calls'
// waits and arrivals, in the same order).
func twoGroups(ws, as []time.Duration, tol time.Duration) int {
	best := 0
	for i := range ws {
		for _, by := range [][]time.Duration{ws, as} {
			var restW, restA []time.Duration
			in := 0
			for k := range ws {
				if d := by[k] - by[i]; d >= 0 && d <= tol {
					in++
				} else {
					restW, restA = append(restW, ws[k]), append(restA, as[k])
				}
			}
			best = max(best, in+max(oneGroup(restW, tol), oneGroup(restA, tol)))
		}
	}
	return best
}

// oneGroup is the most of ds that lie within tol of each other.
func oneGroup(ds []time.Duration, tol time.Duration) int {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	best, j := 0, 0
	for i := range s {
		for j < len(s) && s[j]-s[i] <= tol {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// describeWaits lists the median wait before each retry and how many calls
// made it (the first six retries).
func describeWaits(byIndex [][]time.Duration) string {
	var parts []string
	for i, ws := range byIndex {
		if i == 6 {
			parts = append(parts, "... "+english.Count(len(byIndex)-i, "more retry"))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", fmtDur(percentile(ws, 50)), len(ws)))
	}
	return strings.Join(parts, ", ")
}

package scenarios

import (
	"fmt"
	"math"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("retry_after_honoured", decodeRetryAfterHonoured)
	registerCheck("backoff", decodeBackoff)
}

// retryAfterCheck: after a response with Retry-After, the next attempt of
// the same call waits at least that long (less a small tolerance).
type retryAfterCheck struct{ tolerance time.Duration }

func decodeRetryAfterHonoured(d *checkDecode) (Check, error) {
	c := retryAfterCheck{tolerance: 50 * time.Millisecond}
	if d.node.ShortTag() == "!!null" || isTrue(d.node) {
		return c, nil
	}
	if s, ok := d.scalar(); ok {
		return nil, d.errorf("%q: write retry_after_honoured: {tolerance: %s} to set the tolerance, or no value", s, s)
	}
	var f struct {
		Tolerance *yamlx.Duration `yaml:"tolerance"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.Tolerance != nil {
		c.tolerance = f.Tolerance.D()
	}
	return c, nil
}

func (c retryAfterCheck) Name() string { return "retry_after_honoured" }

func (c retryAfterCheck) Evaluate(o *Observation) report.Check {
	judged, early := 0, 0
	var ev []string
	var shortest time.Duration = -1
	for _, g := range o.Groups() {
		for i := 0; i+1 < len(g.Entries); i++ {
			ra, ok := RetryAfter(g.Entries[i])
			if !ok {
				continue
			}
			judged++
			gap := g.Entries[i+1].Time.Sub(EndTime(g.Entries[i]))
			if shortest < 0 || gap-ra < shortest {
				shortest = gap - ra
			}
			if gap < ra-c.tolerance {
				early++
				ev = append(ev, fmt.Sprintf("waited %s after Retry-After %s:", fmtDur(gap), fmtDur(ra)), o.Line(g.Entries[i]), o.Line(g.Entries[i+1]))
			}
		}
	}
	observed := fmt.Sprintf("%d of %d retries came early", early, judged)
	msg := ""
	if judged == 0 {
		msg = "no retry followed a Retry-After, so nothing was judged"
	}
	return verdict(c.Name(), judged > 0 && early == 0, "every retry waits for Retry-After", observed, msg, limit(ev, 12))
}

// backoffCheck: retries are spaced, never closer than min; later retries
// wait longer than earlier ones (the 75th percentile of the waits before
// the last retry exceeds that before the first by a fifth: robust to
// jitter and to a stray delayed wake-up, and a constant backoff fails it);
// and callers retrying together do not wait identically (jitter).
type backoffCheck struct {
	min    time.Duration
	jitter bool
}

func decodeBackoff(d *checkDecode) (Check, error) {
	var f struct {
		Min    yamlx.Duration `yaml:"min"`
		Jitter *bool          `yaml:"jitter"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.Min <= 0 {
		return nil, d.errorf("min: give the smallest acceptable wait between attempts, e.g. min: 20ms")
	}
	return backoffCheck{min: f.Min.D(), jitter: f.Jitter == nil || *f.Jitter}, nil
}

func (c backoffCheck) Name() string { return "backoff" }

func (c backoffCheck) Evaluate(o *Observation) report.Check {
	byIndex := map[int][]time.Duration{} // retry n -> gaps before it
	var ev []string
	tooClose := 0
	for _, g := range o.Groups() {
		for i := 1; i < len(g.Entries); i++ {
			gap := g.Entries[i].Time.Sub(EndTime(g.Entries[i-1]))
			byIndex[i] = append(byIndex[i], gap)
			// A tenth of min absorbs the journal's timing of a response's
			// end on a busy machine; a hammering retry is ~0 and still fails.
			if gap < c.min-c.min/10 {
				tooClose++
				ev = append(ev, fmt.Sprintf("retry %d came %s after the last attempt ended", i, fmtDur(gap)))
			}
		}
	}
	means := meanGaps(byIndex)
	p75s := upperGaps(byIndex)
	expected := fmt.Sprintf("gaps >= %s that grow", fmtDur(c.min))
	if c.jitter {
		expected += ", jittered across callers"
	}
	observed := "mean gap by retry: " + fmtDurs(means)
	switch {
	case len(means) == 0:
		return verdict(c.Name(), false, expected, "no retries", "the client never retried, so backoff cannot be judged", nil)
	case tooClose > 0:
		return verdict(c.Name(), false, expected, observed, fmt.Sprintf("%d retries came sooner than %s", tooClose, fmtDur(c.min)), limit(ev, 8))
	case len(p75s) > 1 && float64(p75s[len(p75s)-1]) <= 1.2*float64(p75s[0]):
		return verdict(c.Name(), false, expected, observed+"; 75th percentile: "+fmtDurs(p75s), "waits do not grow between retries", nil)
	case c.jitter && !jittered(byIndex):
		return verdict(c.Name(), false, expected, observed, "callers retried in lockstep: no jitter", nil)
	}
	return verdict(c.Name(), true, expected, observed, "", nil)
}

func meanGaps(byIndex map[int][]time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; len(byIndex[i]) > 0; i++ {
		var sum time.Duration
		for _, g := range byIndex[i] {
			sum += g
		}
		out = append(out, sum/time.Duration(len(byIndex[i])))
	}
	return out
}

// upperGaps is the 75th percentile of the waits before each retry: the
// upper envelope that full jitter widens retry after retry, robust to the
// odd wake-up a busy machine delays.
func upperGaps(byIndex map[int][]time.Duration) []time.Duration {
	var out []time.Duration
	for i := 1; len(byIndex[i]) > 0; i++ {
		out = append(out, percentile(byIndex[i], 75))
	}
	return out
}

// jittered reports whether callers' waits spread out: the coefficient of
// variation (standard deviation over mean) of the waits before each retry
// index, averaged over the indices that two or more callers reached, must
// exceed 5%. Callers in lockstep stay near 0 (scheduler noise is a small
// fraction of any backoff); full jitter is far above it (about 20-30%).
// Pooling the retry indices keeps the verdict stable with few callers.
// With no index reached by two callers it cannot tell, and says yes.
func jittered(byIndex map[int][]time.Duration) bool {
	var sum float64
	n := 0
	for _, gaps := range byIndex {
		if len(gaps) < 2 {
			continue
		}
		var mean float64
		for _, g := range gaps {
			mean += float64(g)
		}
		mean /= float64(len(gaps))
		if mean > 0 {
			sum += stddev(gaps) / mean * float64(len(gaps))
			n += len(gaps)
		}
	}
	return n == 0 || sum/float64(n) > 0.05
}

func stddev(ds []time.Duration) float64 {
	var mean, sq float64
	for _, d := range ds {
		mean += float64(d)
	}
	mean /= float64(len(ds))
	for _, d := range ds {
		sq += (float64(d) - mean) * (float64(d) - mean)
	}
	return math.Sqrt(sq / float64(len(ds)))
}

func fmtDurs(ds []time.Duration) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += fmtDur(d)
	}
	return s
}

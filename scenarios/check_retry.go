package scenarios

import (
	"fmt"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("retry_after_honoured", decodeRetryAfterHonoured)
}

// retryAfterCheck: after a response with Retry-After, the next attempt of
// the same call arrives no earlier than the instant it allows (see
// [RetryAfter]), less a tolerance for the journal's timing.
type retryAfterCheck struct{ tolerance time.Duration }

func decodeRetryAfterHonoured(d *checkDecode) (Check, error) {
	c := retryAfterCheck{tolerance: 50 * time.Millisecond}
	if d.Node.ShortTag() == "!!null" || isTrue(d.Node) {
		return c, nil
	}
	if s, ok := d.Scalar(); ok {
		return nil, d.Errorf("%q: write retry_after_honoured: {tolerance: %s} to set the tolerance, or no value", s, s)
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
	sent, judged, early := 0, 0, 0
	var ev []string
	for _, g := range o.Groups() {
		for i, e := range g.Entries {
			due, asked, ok := e.RetryAfter()
			if !ok {
				continue
			}
			sent++
			if i+1 == len(g.Entries) {
				continue
			}
			judged++
			next := g.Entries[i+1]
			if next.Time.Before(due.Add(-c.tolerance)) {
				early++
				ev = append(ev, fmt.Sprintf("retried %s before the instant Retry-After %s allowed:", fmtDur(due.Sub(next.Time)), asked),
					o.Line(e), o.Line(next))
			}
		}
	}
	observed := fmt.Sprintf("%d of %s came early", early, english.Count(judged, "retry"))
	expected := fmt.Sprintf("no retry before the instant Retry-After allows (tolerance %s)", fmtDur(c.tolerance))
	msg := ""
	switch {
	case len(o.Journal) == 0:
		msg = "no request reached the upstream"
	case sent == 0:
		// The upstream never asked for a wait it could judge (a client that
		// stayed under the limit never met the 429): not a failure.
		return notJudged(c.Name(), expected, "no Retry-After with a time or date was sent",
			"the upstream never sent a Retry-After with a time or date (the client stayed clear of it), so nothing was judged")
	case judged == 0:
		msg = fmt.Sprintf("the client never retried after any of the %s with a Retry-After", english.Count(sent, "response"))
	}
	return verdict(c.Name(), msg == "" && early == 0, expected, observed, msg, limit(ev, 12))
}

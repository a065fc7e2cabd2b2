package scenarios

import (
	"fmt"
	"time"

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
	judged, early := 0, 0
	var ev []string
	for _, g := range o.Groups() {
		for i := 0; i+1 < len(g.Entries); i++ {
			due, asked, ok := RetryAfter(g.Entries[i])
			if !ok {
				continue
			}
			judged++
			next := g.Entries[i+1]
			if next.Time.Before(due.Add(-c.tolerance)) {
				early++
				ev = append(ev, fmt.Sprintf("retried %s before the instant Retry-After %s allowed:", fmtDur(due.Sub(next.Time)), asked),
					o.Line(g.Entries[i]), o.Line(next))
			}
		}
	}
	observed := fmt.Sprintf("%d of %d retries came early", early, judged)
	msg := ""
	if judged == 0 {
		msg = "no retry followed a Retry-After, so nothing was judged"
	}
	expected := fmt.Sprintf("no retry before the instant Retry-After allows (tolerance %s)", fmtDur(c.tolerance))
	return verdict(c.Name(), judged > 0 && early == 0, expected, observed, msg, limit(ev, 12))
}

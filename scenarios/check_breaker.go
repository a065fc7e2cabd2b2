package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() { registerCheck("circuit_opens", decodeCircuitOpens) }

// circuitCheck: during an outage the upstream stops being called after
// about After failures while the client keeps being asked (the breaker
// opened); a pause of at least MinGap shows it was open; then a probe gets
// through and the calls recover.
type circuitCheck struct {
	after  int
	slack  int
	minGap time.Duration
}

func decodeCircuitOpens(d *checkDecode) (Check, error) {
	f := struct {
		After  int            `yaml:"after"`
		Slack  *int           `yaml:"slack"`
		MinGap yamlx.Duration `yaml:"min_gap"`
	}{MinGap: yamlx.Duration(100 * time.Millisecond)}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.After < 1 {
		return nil, d.errorf("after: how many failures should open the breaker, e.g. after: 3")
	}
	c := circuitCheck{after: f.After, slack: 2, minGap: f.MinGap.D()}
	if f.Slack != nil {
		c.slack = *f.Slack
	}
	return c, nil
}

func (circuitCheck) Name() string { return "circuit_opens" }

func failed(e fault.Entry) bool {
	return e.Status >= 500 || (e.End != fault.EndComplete && e.End != "")
}

func (c circuitCheck) Evaluate(o *Observation) report.Check {
	asked, _ := o.AskedCalls()
	failures := 0
	var gap time.Duration
	for i, e := range o.Journal {
		if failed(e) {
			failures++
		}
		if i > 0 {
			gap = max(gap, e.Time.Sub(EndTime(o.Journal[i-1])))
		}
	}
	limitFailures := c.after + c.slack
	recovered := len(o.Journal) > 0 && !failed(o.Journal[len(o.Journal)-1])
	if len(o.Calls) > 0 {
		last := o.Calls[len(o.Calls)-1]
		recovered = recovered && last.Err == nil && last.Status < 400
	}
	var why []string
	if asked <= limitFailures {
		why = append(why, fmt.Sprintf("the scenario asks only %d calls, too few to tell a breaker from none", asked))
	}
	if failures > limitFailures {
		why = append(why, fmt.Sprintf("the upstream kept being called: %d failed requests", failures))
	}
	if gap < c.minGap {
		why = append(why, fmt.Sprintf("no pause of %s in the calls: the breaker never held them back", fmtDur(c.minGap)))
	}
	if !recovered {
		why = append(why, "the calls did not recover after the outage")
	}
	expected := fmt.Sprintf("<= %d failed requests, a pause >= %s, then recovery", limitFailures, fmtDur(c.minGap))
	observed := fmt.Sprintf("%d failed requests of %d, longest pause %s, recovered: %v", failures, len(o.Journal), fmtDur(gap), recovered)
	return verdict(c.Name(), len(why) == 0, expected, observed, strings.Join(why, "; "), o.Lines(o.Journal, 10))
}

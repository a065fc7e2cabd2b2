package scenarios

import (
	"fmt"
	"strings"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() { registerCheck("circuit_opens", decodeCircuitOpens) }

// circuitCheck: during an outage, a circuit breaker fails calls fast
// without reaching the upstream, then lets a probe through and recovers.
//
// The upstream cannot see a call that never reached it, but it can count:
// every call a client without a breaker makes reaches the upstream at
// least once, however long it sleeps between retries, so the upstream sees
// at least as many requests as the client was asked to make calls. A
// breaker's calls that failed fast are missing from that count. So the
// check asks that at least max(after, a tenth of the asked calls) calls
// are missing (held back), that the upstream did fail, that the last
// request succeeded (recovery), and that the client finished on its own
// (a killed client's unmade calls are not held back by a breaker).
type circuitCheck struct{ after int }

func decodeCircuitOpens(d *checkDecode) (Check, error) {
	var f struct {
		After int `yaml:"after"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.After < 1 {
		return nil, d.Errorf("after: how many failures should open the breaker, e.g. after: 3")
	}
	return circuitCheck{after: f.After}, nil
}

func (circuitCheck) Name() string { return "circuit_opens" }

func failed(e journal.Entry) bool {
	return e.Status >= 500 || !e.Complete()
}

func (c circuitCheck) Evaluate(o *Observation) report.Check {
	asked, _ := o.AskedCalls()
	failures := 0
	for _, e := range o.Journal {
		if failed(e) {
			failures++
		}
	}
	need := max(c.after, (asked+9)/10)
	held := asked - len(o.Journal)
	recovered := len(o.Journal) > 0 && !failed(o.Journal[len(o.Journal)-1])
	if len(o.Calls) > 0 {
		last := o.Calls[len(o.Calls)-1]
		recovered = recovered && last.Err == nil && last.Status < 400
	}
	expected := fmt.Sprintf(">= %d of %s failed fast without reaching the upstream, then recovery", need, english.Count(asked, "call"))
	observed := fmt.Sprintf("%s for %s (%d held back), %d failed, recovered: %v", english.Count(len(o.Journal), "request"), english.Count(asked, "call"), max(held, 0), failures, recovered)
	var why []string
	switch {
	case asked < 4*need:
		why = append(why, fmt.Sprintf("the scenario asks only %s, too few to tell a breaker from none (ask %d or more)", english.Count(asked, "call"), 4*need))
	case o.Exec != nil && o.Exec.TimedOut:
		why = append(why, "the client was killed at the scenario's timeout: calls it never made were not held back by a breaker")
	case failures == 0 && len(o.Journal) > 0:
		return notJudged(c.Name(), expected, observed, "the upstream never failed a request, so there was nothing to open on and nothing was judged")
	case failures == 0:
		why = append(why, "no request reached the upstream")
	case held < need:
		why = append(why, fmt.Sprintf("no breaker held calls back: the upstream saw %s for %s (%d failed); "+
			"a breaker fails calls fast without reaching the upstream", english.Count(len(o.Journal), "request"), english.Count(asked, "call"), failures))
	}
	if !recovered {
		why = append(why, "the calls did not recover after the outage")
	}
	return verdict(c.Name(), len(why) == 0, expected, observed, strings.Join(why, "; "), o.Lines(o.Journal, 10))
}

package scenarios

import (
	"fmt"
	"math"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/report"
)

func init() { registerCheck("goodput", decodeGoodput) }

// goodputCheck: at least Min of the calls succeeded. On a bad day no
// client gets every call through, so outcome: success cannot judge it; the
// share can, and it fails both a client with no retries and one whose
// protections over-react (a breaker, rate limiter or retry budget that turns
// a bad day into an outage).
//
// For the reference client a call succeeded when it returned a 1xx-3xx
// answer from the upstream, not a fallback, within its timeout. An external
// client reports no calls, so its successes are read from the journal: the
// 1xx-3xx answers the upstream delivered in full, at most one per call
// asked.
type goodputCheck struct{ min float64 }

func decodeGoodput(d *checkDecode) (Check, error) {
	var f struct {
		Min float64 `yaml:"min"`
	}
	if err := d.oneNumber(&f.Min, &f, "give the share of calls that must succeed, e.g. goodput: 0.9"); err != nil {
		return nil, err
	}
	if f.Min <= 0 || f.Min > 1 || math.IsNaN(f.Min) {
		return nil, d.Errorf("min must be above 0 and at most 1 (a share of the calls, e.g. 0.9)")
	}
	return goodputCheck{min: f.Min}, nil
}

func (goodputCheck) Name() string { return "goodput" }

func (c goodputCheck) Evaluate(o *Observation) report.Check {
	asked, _ := o.AskedCalls()
	ok, how := c.succeeded(o, asked)
	share := float64(ok) / float64(max(asked, 1))
	expected := fmt.Sprintf("at least %.0f%% of %s succeed", 100*c.min, english.Count(asked, "call"))
	observed := fmt.Sprintf("%.1f%% (%d of %d) %s", 100*share, ok, asked, how)
	msg := ""
	if share < c.min {
		msg = "too few calls got through: a client without retries loses every failed attempt, and one whose breaker, rate limiter or retry budget over-reacts fails calls the upstream would have answered"
	}
	return verdict(c.Name(), asked > 0 && share >= c.min, expected, observed, msg, c.evidence(o))
}

// succeeded counts the calls that succeeded, and says how it knows.
func (c goodputCheck) succeeded(o *Observation, asked int) (int, string) {
	if o.Exec == nil {
		n := 0
		for _, call := range o.Calls {
			if call.Err == nil && call.Status < 400 && !call.Fallback {
				n++
			}
		}
		return n, "as the client returned them"
	}
	n := 0
	for _, e := range o.Journal {
		if delivered(e) {
			n++
		}
	}
	return min(n, asked), "by the answers the upstream delivered"
}

func delivered(e journal.Entry) bool {
	return e.Status < 400 && e.Complete()
}

// evidence lists a few failed calls of the reference client.
func (c goodputCheck) evidence(o *Observation) []string {
	var bad []string
	for i, call := range o.Calls {
		if call.Err != nil || call.Status >= 400 || call.Fallback {
			bad = append(bad, fmt.Sprintf("call %d %s %s: %s", i+1, call.Method, call.Path, describe(call)))
		}
	}
	return limit(bad, 6)
}

package scenarios

import (
	"fmt"
	"time"

	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("timeout_respected", decodeWithin("timeout_respected", func(d time.Duration) Check { return timeoutCheck{within: d} }))
	registerCheck("max_duration", decodeWithin("max_duration", func(d time.Duration) Check { return maxDurationCheck{within: d} }))
	registerCheck("latency", decodeLatency)
}

// decodeWithin reads `check: 2s` or `check: {within: 2s}`.
func decodeWithin(name string, mk func(time.Duration) Check) checkDecoder {
	return func(d *checkDecode) (Check, error) {
		var within yamlx.Duration
		if _, ok := d.Scalar(); ok {
			if err := d.Node.Decode(&within); err != nil {
				return nil, d.Errorf("give a duration, e.g. %s: 2s", name)
			}
		} else {
			var f struct {
				Within yamlx.Duration `yaml:"within"`
			}
			if err := d.into(&f); err != nil {
				return nil, err
			}
			within = f.Within
		}
		if within <= 0 {
			return nil, d.Errorf("give a duration above zero, e.g. %s: {within: 2s}", name)
		}
		return mk(within.D()), nil
	}
}

// timeoutCheck: on an upstream that hangs, every call gives up with an
// error within the limit. An external client gives up with a non-zero
// exit; exit 0 says it got an answer, which a hanging upstream never gave.
type timeoutCheck struct{ within time.Duration }

func (timeoutCheck) Name() string { return "timeout_respected" }

func (c timeoutCheck) Evaluate(o *Observation) report.Check {
	expected := "gave up with an error within " + fmtDur(c.within)
	if o.Exec != nil {
		x := o.Exec
		ok := !x.TimedOut && x.Duration <= c.within && x.ExitCode != 0
		msg := hungMsg(x.TimedOut)
		if !x.TimedOut && x.ExitCode == 0 {
			msg = "it exited 0, reporting success where every call should have timed out with an error"
		}
		return verdict(c.Name(), ok, expected, fmt.Sprintf("exit %d after %s", x.ExitCode, fmtDur(x.Duration)), msg, nil)
	}
	var bad []string
	var slowest time.Duration
	for i, call := range o.Calls {
		slowest = max(slowest, call.Duration)
		if call.Duration > c.within {
			bad = append(bad, fmt.Sprintf("call %d took %s", i+1, fmtDur(call.Duration)))
		}
	}
	ok := len(bad) == 0 && len(o.Calls) > 0
	return verdict(c.Name(), ok, expected, "slowest call "+fmtDur(slowest), firstOr(bad, ""), limit(bad, 8))
}

func hungMsg(timedOut bool) string {
	if timedOut {
		return "the client was still waiting when the scenario's time ran out"
	}
	return ""
}

// maxDurationCheck: the whole client run finished within the limit.
type maxDurationCheck struct{ within time.Duration }

func (maxDurationCheck) Name() string { return "max_duration" }

func (c maxDurationCheck) Evaluate(o *Observation) report.Check {
	ok := o.Elapsed <= c.within && (o.Exec == nil || !o.Exec.TimedOut)
	return verdict(c.Name(), ok, "within "+fmtDur(c.within), "took "+fmtDur(o.Elapsed), "", nil)
}

// latencyCheck bounds percentiles of logical call durations, from the first
// attempt's arrival to the last attempt's end as the upstream saw them (the
// same for any client).
type latencyCheck struct{ p50, p95, p99 time.Duration }

func decodeLatency(d *checkDecode) (Check, error) {
	var f struct {
		P50 yamlx.Duration `yaml:"p50"`
		P95 yamlx.Duration `yaml:"p95"`
		P99 yamlx.Duration `yaml:"p99"`
	}
	if err := d.into(&f); err != nil {
		return nil, err
	}
	if f.P50 == 0 && f.P95 == 0 && f.P99 == 0 {
		return nil, d.Errorf("give at least one of p50, p95, p99")
	}
	return latencyCheck{f.P50.D(), f.P95.D(), f.P99.D()}, nil
}

func (latencyCheck) Name() string { return "latency" }

func (c latencyCheck) Evaluate(o *Observation) report.Check {
	var ds []time.Duration
	for _, g := range o.Groups() {
		first, last := g.Entries[0], g.Entries[len(g.Entries)-1]
		ds = append(ds, last.EndTime().Sub(first.Time))
	}
	if len(ds) == 0 {
		return verdict(c.Name(), false, "latency bounds", "no request reached the upstream", "", nil)
	}
	ok := true
	expected, observed := "", ""
	for _, b := range []struct {
		p     float64
		bound time.Duration
	}{{50, c.p50}, {95, c.p95}, {99, c.p99}} {
		if b.bound == 0 {
			continue
		}
		got := percentile(ds, b.p)
		ok = ok && got <= b.bound
		expected += fmt.Sprintf("p%.0f <= %s ", b.p, fmtDur(b.bound))
		observed += fmt.Sprintf("p%.0f %s ", b.p, fmtDur(got))
	}
	return verdict(c.Name(), ok, expected[:len(expected)-1], observed[:len(observed)-1], "", nil)
}

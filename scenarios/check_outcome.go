package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/yamlx"
	"github.com/faultline-dev/faultline/report"
)

func init() { registerCheck("outcome", decodeOutcome) }

// outcomeCheck: every call succeeded; or was handled (succeeded, or was
// answered by a fallback that says so); or failed gracefully (a clear error
// within the deadline); or at least none hung.
type outcomeCheck struct {
	expect string // success, handled, failure, no_hang
	within time.Duration
}

func decodeOutcome(d *checkDecode) (Check, error) {
	c := outcomeCheck{}
	if s, ok := d.Scalar(); ok {
		c.expect = s
	} else {
		var f struct {
			Expect string         `yaml:"expect"`
			Within yamlx.Duration `yaml:"within"`
		}
		if err := d.into(&f); err != nil {
			return nil, err
		}
		c.expect, c.within = f.Expect, f.Within.D()
	}
	if !contains([]string{"success", "handled", "failure", "no_hang"}, c.expect) {
		return nil, d.Errorf("%q: expect success, handled, failure or no_hang", c.expect)
	}
	return c, nil
}

func (c outcomeCheck) Name() string { return "outcome" }

func (c outcomeCheck) Evaluate(o *Observation) report.Check {
	within := c.within
	if within == 0 {
		within = o.Scenario.Timeout
	}
	expected := c.expect
	if c.within > 0 {
		expected += " within " + fmtDur(c.within)
	}
	if o.Exec != nil {
		return c.evalExec(o.Exec, within, expected)
	}
	var bad []string
	var slowest time.Duration
	for i, call := range o.Calls {
		slowest = max(slowest, call.Duration)
		if why := c.judge(call, within); why != "" {
			bad = append(bad, fmt.Sprintf("call %d %s %s: %s", i+1, call.Method, call.Path, why))
		}
	}
	observed := fmt.Sprintf("%d of %s as expected, slowest %s", len(o.Calls)-len(bad), english.Count(len(o.Calls), "call"), fmtDur(slowest))
	return verdict(c.Name(), len(bad) == 0 && len(o.Calls) > 0, expected, observed, firstOr(bad, ""), limit(bad, 8))
}

func (c outcomeCheck) judge(call CallResult, within time.Duration) string {
	ok := call.Err == nil && call.Status < 400 && !call.Fallback
	switch {
	case call.Duration > within:
		return fmt.Sprintf("took %s, over %s", fmtDur(call.Duration), fmtDur(within))
	case c.expect == "success" && !ok:
		return "failed: " + describe(call)
	case c.expect == "handled" && !ok && !(call.Fallback && call.Err == nil):
		return "failed: " + describe(call)
	case c.expect == "failure" && ok:
		return "succeeded where a clear error was expected"
	}
	return ""
}

func describe(call CallResult) string {
	switch {
	case call.Err != nil:
		return oneLine(call.Err.Error())
	case call.Fallback:
		return fmt.Sprintf("served by the fallback (status %d)", call.Status)
	}
	return fmt.Sprintf("status %d", call.Status)
}

func (c outcomeCheck) evalExec(x *ExecResult, within time.Duration, expected string) report.Check {
	observed := fmt.Sprintf("exit %d after %s", x.ExitCode, fmtDur(x.Duration))
	if x.TimedOut {
		observed = "killed after " + fmtDur(x.Duration) + ": it hung"
	}
	ok := !x.TimedOut && x.Duration <= within
	switch c.expect {
	case "success", "handled":
		ok = ok && x.ExitCode == 0
	case "failure":
		ok = ok && x.ExitCode != 0
	}
	var ev []string
	if tail := lastLines(x.Stderr, 3); tail != "" {
		ev = append(ev, "stderr: "+tail)
	}
	return verdict(c.Name(), ok, expected, observed, "", ev)
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}

func limit(xs []string, n int) []string {
	if len(xs) > n {
		return append(xs[:n:n], fmt.Sprintf("... %d more", len(xs)-n))
	}
	return xs
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return oneLine(strings.Join(lines, " | "))
}

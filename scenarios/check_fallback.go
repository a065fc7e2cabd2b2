package scenarios

import (
	"fmt"
	"strings"

	"github.com/faultline-dev/faultline/report"
)

func init() {
	registerCheck("fallback_used", func(d *checkDecode) (Check, error) { return fallbackCheck{}, d.noParams() })
	registerCheck("error_mentions", decodeErrorMentions)
}

// fallbackCheck: when the upstream failed, every call was answered by the
// fallback rather than an error, and the result said so.
type fallbackCheck struct{}

func (fallbackCheck) Name() string { return "fallback_used" }

func (c fallbackCheck) Evaluate(o *Observation) report.Check {
	if o.Exec != nil {
		return skipped(c.Name(), "an external client's fallbacks are not visible to faultline; judge them with outcome")
	}
	used, errs := 0, 0
	for _, call := range o.Calls {
		if call.Fallback {
			used++
		} else if call.Err != nil {
			errs++
		}
	}
	observed := fmt.Sprintf("%d of %d calls served by the fallback, %d errors", used, len(o.Calls), errs)
	return verdict(c.Name(), used > 0 && errs == 0, "failed calls answered by a fallback, marked as such", observed, "", nil)
}

// errorMentionsCheck: a failure is a clear error naming what went wrong
// (for a changed payload, the field).
type errorMentionsCheck struct{ text string }

func decodeErrorMentions(d *checkDecode) (Check, error) {
	s, ok := d.scalar()
	if !ok || s == "" {
		return nil, d.errorf("give the text the error must contain, e.g. error_mentions: amount")
	}
	return errorMentionsCheck{text: s}, nil
}

func (errorMentionsCheck) Name() string { return "error_mentions" }

func (c errorMentionsCheck) Evaluate(o *Observation) report.Check {
	expected := fmt.Sprintf("an error that mentions %q", c.text)
	if o.Exec != nil {
		out := o.Exec.Stderr + o.Exec.Stdout
		ok := o.Exec.ExitCode != 0 && strings.Contains(out, c.text)
		return verdict(c.Name(), ok, expected, fmt.Sprintf("exit %d, output: %s", o.Exec.ExitCode, lastLines(out, 2)), "", nil)
	}
	var msgs []string
	ok := false
	for _, call := range o.Calls {
		if call.Err == nil {
			continue
		}
		msgs = append(msgs, oneLine(call.Err.Error()))
		ok = ok || strings.Contains(call.Err.Error(), c.text)
	}
	observed := firstOr(msgs, "no call failed")
	return verdict(c.Name(), ok, expected, observed, "", limit(msgs, 4))
}

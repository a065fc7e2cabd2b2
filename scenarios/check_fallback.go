package scenarios

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/faultline-dev/faultline/internal/english"
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
	observed := fmt.Sprintf("%d of %s served by the fallback, %s", used, english.Count(len(o.Calls), "call"), english.Count(errs, "error"))
	return verdict(c.Name(), used > 0 && errs == 0, "failed calls answered by a fallback, marked as such", observed, "", nil)
}

// errorMentionsCheck: a failure is a clear error naming what went wrong
// (for a changed payload, the field). The text is matched without regard
// to case, and the failure classes below accept the words other languages'
// libraries use for them; a dotted field path also matches with any
// separators (customer['email'], /customer/email) or by its last name.
type errorMentionsCheck struct {
	text  string
	words []string
	path  *regexp.Regexp
}

// MentionSynonyms are the words accepted for each failure class that a
// built-in scenario asks an error to mention, lower case. Docs list them
// for client authors (docs/scenarios.md, "Writing a client in another
// language").
var MentionSynonyms = map[string][]string{
	// A connection reset or refused before any response: Go, curl, Node,
	// Python, Java.
	"reset": {"reset", "econnreset", "refused", "econnrefused", "socket hang up", "other side closed",
		"remote end closed", "remotedisconnected", "connection aborted", "broken pipe", "epipe",
		"closed connection", "connection closed", "empty reply", "eof"},
	// A 200 with no body where JSON was expected.
	"empty": {"empty", "no content", "end of json input", "end of input", "unexpected end", "unexpected eof",
		"expecting value: line 1 column 1 (char 0)", "eof", "zero-length", "0 bytes", "no body"},
	// A body that is not valid JSON.
	"json": {"json", "syntaxerror", "syntax error", "parse error", "unterminated", "unexpected end",
		"invalid character", "unexpected token", "expecting ", "decode"},
	// A Retry-After the client will not wait for.
	"retry-after": {"retry-after", "retry after", "retry_after", "retryafter"},
}

func decodeErrorMentions(d *checkDecode) (Check, error) {
	s, ok := d.Scalar()
	if !ok || s == "" {
		return nil, d.Errorf("give the text the error must contain, e.g. error_mentions: amount")
	}
	return newErrorMentions(s), nil
}

func newErrorMentions(text string) errorMentionsCheck {
	c := errorMentionsCheck{text: text, words: []string{strings.ToLower(text)}}
	if syn, ok := MentionSynonyms[strings.ToLower(text)]; ok {
		c.words = syn
	} else if parts := strings.Split(strings.ToLower(text), "."); len(parts) > 1 {
		quoted := make([]string, len(parts))
		for i, p := range parts {
			quoted[i] = regexp.QuoteMeta(p)
		}
		c.path = regexp.MustCompile(strings.Join(quoted, `[^a-z0-9]+`))
		c.words = append(c.words, parts[len(parts)-1])
	}
	return c
}

func (c errorMentionsCheck) mentions(msg string) bool {
	msg = strings.ToLower(msg)
	for _, w := range c.words {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return c.path != nil && c.path.MatchString(msg)
}

func (errorMentionsCheck) Name() string { return "error_mentions" }

func (c errorMentionsCheck) Evaluate(o *Observation) report.Check {
	expected := fmt.Sprintf("an error that mentions %q", c.text)
	if len(c.words) > 1 {
		expected += " (or a synonym: " + strings.Join(limit(c.words[1:], 4), ", ") + ")"
	}
	if x := o.Exec; x != nil {
		out := x.Stderr + x.Stdout
		observed := fmt.Sprintf("exit %d, output: %s", x.ExitCode, lastLines(out, 2))
		switch {
		case x.TimedOut:
			return verdict(c.Name(), false, expected, "killed at the scenario's timeout", "a client killed while waiting gave no error, whatever it printed before", nil)
		case x.ExitCode <= 0:
			return verdict(c.Name(), false, expected, observed, "the client did not fail, so it reported no error", nil)
		}
		return verdict(c.Name(), c.mentions(out), expected, observed, "", nil)
	}
	var msgs []string
	ok := false
	for _, call := range o.Calls {
		if call.Err == nil {
			continue
		}
		msgs = append(msgs, oneLine(call.Err.Error()))
		ok = ok || c.mentions(call.Err.Error())
	}
	observed := firstOr(msgs, "no call failed")
	return verdict(c.Name(), ok, expected, observed, "", limit(msgs, 4))
}

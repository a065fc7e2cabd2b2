package audit

import (
	"fmt"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Severity ranks a rule: how likely a finding is to hurt in production.
type Severity int

// The severities, lowest first. [SeverityNone] is only a --fail-on value:
// no finding reaches it.
const (
	SeverityLow Severity = iota + 1
	SeverityMedium
	SeverityHigh
	SeverityNone
)

func (s Severity) String() string {
	switch s {
	case SeverityLow:
		return "low"
	case SeverityMedium:
		return "medium"
	case SeverityHigh:
		return "high"
	case SeverityNone:
		return "none"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a --fail-on value: low, medium, high or none.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityNone} {
		if strings.EqualFold(s, v.String()) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("severity %q: use low, medium, high or none", s)
}

// Rule is one thing the audit looks for.
type Rule struct {
	ID       string   // stable identifier, used in suppressions and reports
	Severity Severity // default severity of its findings
	// Stage is the integration maturity stage that needs the rule clean
	// ("light"), or "" when the rule gates no stage.
	Stage   string
	Summary string // one line: what the rule finds
	Fix     string // one line: what to do about a finding
	// Analyzer checks Go code for the rule; nil for rules that only the
	// Python/JavaScript heuristics report.
	Analyzer *analysis.Analyzer
}

// Rule identifiers.
const (
	RuleNoTimeout     = "http-no-timeout"
	RuleTLSInsecure   = "tls-insecure"
	RuleCredential    = "hardcoded-credential"
	RuleRetryBackoff  = "retry-no-backoff"
	RuleIdempotency   = "retry-post-no-idempotency-key"
	RuleBodyNotClosed = "response-body-not-closed"
	RuleRetryAfter    = "retry-after-ignored"
	RuleWebhook       = "webhook-unverified"
	RuleErrDiscarded  = "http-error-discarded"
	RuleIgnore        = "faultline-ignore" // a malformed suppression comment
)

// ruleTable holds every rule in report order, without analyzers (an
// analyzer's run function reads it, so it cannot name the analyzers).
var ruleTable = []Rule{
	{RuleNoTimeout, SeverityHigh, "light",
		"an outbound HTTP call that can wait forever",
		"use an http.Client with Timeout set, or build the request with http.NewRequestWithContext and a context with a deadline",
		nil},
	{RuleTLSInsecure, SeverityHigh, "",
		"TLS certificate verification turned off, or a minimum version below TLS 1.2",
		"remove InsecureSkipVerify (trust a test CA through RootCAs instead) and set MinVersion to tls.VersionTLS12 or higher",
		nil},
	{RuleCredential, SeverityHigh, "light",
		"a credential written in the source",
		"read it from the environment or a secret store at run time, and rotate the exposed key",
		nil},
	{RuleRetryBackoff, SeverityMedium, "",
		"a retry loop around an HTTP call with no backoff (no sleep, or a constant one) or no bound",
		"wait an exponentially growing, jittered delay between attempts and stop after a fixed number of attempts or a deadline",
		nil},
	{RuleIdempotency, SeverityMedium, "",
		"a POST or PATCH retried without an idempotency key",
		"send the same Idempotency-Key header on every attempt of one operation, so a retry cannot apply it twice",
		nil},
	{RuleBodyNotClosed, SeverityMedium, "",
		"a response body that is never closed",
		"defer resp.Body.Close() right after checking the call's error, so the connection goes back to the pool",
		nil},
	{RuleRetryAfter, SeverityLow, "",
		"code that retries on 429 without reading Retry-After",
		"read the Retry-After header of a 429 (seconds or an HTTP date) and wait at least that long before the next attempt",
		nil},
	{RuleWebhook, SeverityHigh, "",
		"a webhook handler that acts on the body without verifying its signature",
		"verify the signature header over the raw body first (hmac.Equal, or the provider library's verify function) and answer 4xx when it does not match",
		nil},
	{RuleErrDiscarded, SeverityMedium, "",
		"the error of an HTTP call (or of reading its body) thrown away",
		"check the error: a failed call has no usable response, and a broken body read is a truncated answer",
		nil},
	{RuleIgnore, SeverityMedium, "",
		"a //faultline:ignore comment without a known rule or a reason",
		"write //faultline:ignore RULE reason, with a rule id from `faultline audit --rules` and why the rule does not apply",
		nil},
}

// Rules returns every rule in report order.
func Rules() []Rule {
	analyzers := map[string]*analysis.Analyzer{
		RuleNoTimeout: noTimeoutAnalyzer, RuleTLSInsecure: tlsAnalyzer, RuleCredential: credentialAnalyzer,
		RuleRetryBackoff: retryAnalyzer, RuleIdempotency: idempotencyAnalyzer, RuleBodyNotClosed: bodyAnalyzer,
		RuleRetryAfter: retryAfterAnalyzer, RuleWebhook: webhookAnalyzer, RuleErrDiscarded: errDiscardAnalyzer,
		RuleIgnore: ignoreAnalyzer,
	}
	out := append([]Rule(nil), ruleTable...)
	for i := range out {
		out[i].Analyzer = analyzers[out[i].ID]
	}
	return out
}

// RuleByID returns the rule with this id.
func RuleByID(id string) (Rule, bool) {
	for _, r := range ruleTable {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Analyzers returns the Go analyzers of every rule, for a driver such as
// unitchecker (go vet -vettool) or golangci-lint. Their diagnostics carry
// the rule id as Category and honour //faultline:ignore comments; the last
// one reports malformed suppressions.
func Analyzers() []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, r := range Rules() {
		if r.Analyzer != nil {
			out = append(out, r.Analyzer)
		}
	}
	return out
}

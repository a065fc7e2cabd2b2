package audit

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/analysis/passes/inspect"
)

// everyRule runs every rule, and the suppression checks, as one analyzer,
// so that one load of the corpus (net/http from source is the slow part)
// tests them all, and each corpus is also a negative case for every other
// rule: a finding of any rule that no // want comment expects fails.
var everyRule = &analysis.Analyzer{
	Name:     "everyrule",
	Doc:      "every faultline audit rule at once, for tests",
	Requires: []*analysis.Analyzer{inspect.Analyzer, ignoreAnalyzer, retryLoopsAnalyzer},
	Run: func(pass *analysis.Pass) (any, error) {
		if _, err := runIgnore(pass); err != nil {
			return nil, err
		}
		for _, a := range Analyzers() {
			if a == ignoreAnalyzer {
				continue
			}
			if _, err := a.Run(pass); err != nil {
				return nil, err
			}
		}
		return nil, nil
	},
}

// TestAnalyzers runs the rules over their corpora in testdata/src:
// positive cases carry a // want comment with the expected finding,
// negative cases carry none. The "ignore" corpus shows that a well-formed
// //faultline:ignore silences its rule on its line or the next, and that
// one without a reason or naming an unknown rule is a finding itself and
// silences nothing.
func TestAnalyzers(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), everyRule, "timeout", "tlsconf", "credential", "retry",
		"idempotency", "body", "retryafter", "retryafterok", "webhook", "errdiscard", "ignore")
}

func TestRulesHaveAnalyzersAndDocs(t *testing.T) {
	for _, r := range Rules() {
		if r.ID == "" || r.Summary == "" || r.Fix == "" || r.Severity < SeverityLow || r.Severity > SeverityHigh {
			t.Errorf("rule %+v: id, summary, fix and a severity are required", r)
		}
		if r.Analyzer == nil {
			t.Errorf("rule %s has no analyzer", r.ID)
		}
	}
}

package audit

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
)

// retryAnalyzer finds retry loops around HTTP calls that go round again at
// once or after a constant sleep (a herd hammering a struggling server in
// lockstep), or that have no bound at all.
var retryAnalyzer = newRetryRule("retrynobackoff", RuleRetryBackoff, runRetry)

// newRetryRule declares an analyzer that also needs the retry loops.
func newRetryRule(name, rule string, run func(*analysis.Pass) (any, error)) *analysis.Analyzer {
	a := newAnalyzer(name, rule, run)
	a.Requires = []*analysis.Analyzer{inspect.Analyzer, ignoreAnalyzer, retryLoopsAnalyzer}
	return a
}

func runRetry(pass *analysis.Pass) (any, error) {
	for _, r := range pass.ResultOf[retryLoopsAnalyzer].([]*retryLoop) {
		var problems []string
		switch wait := backoffIn(pass.TypesInfo, r.body); wait {
		case waitNone:
			problems = append(problems, "retries at once, without waiting")
		case waitConstant:
			problems = append(problems, "waits the same constant delay before every attempt")
		}
		if !r.bounded {
			problems = append(problems, "never gives up")
		}
		if len(problems) > 0 {
			reportf(pass, r.loop, RuleRetryBackoff, "this loop retries an HTTP call and "+strings.Join(problems, ", and "))
		}
	}
	return nil, nil
}

type waitKind int

const (
	waitNone waitKind = iota
	waitConstant
	waitVaries
)

// backoffIn says how body waits between attempts: not at all, a constant
// time.Sleep/After/NewTimer, or a computed one (or a call to something
// named like a backoff, a wait or a delay, or a rate limiter's Wait).
func backoffIn(info *types.Info, body *ast.BlockStmt) waitKind {
	kind := waitNone
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return kind != waitVaries
		}
		if isFunc(info, call, "time.Sleep", "time.After", "time.NewTimer", "time.Tick", "time.NewTicker",
			"time.AfterFunc", "(*time.Timer).Reset", "(*time.Ticker).Reset") {
			if len(call.Args) > 0 && isConst(info, call.Args[0]) {
				kind = max(kind, waitConstant)
			} else {
				kind = waitVaries
			}
			return kind != waitVaries
		}
		name := strings.ToLower(calleeName(call))
		for _, w := range []string{"backoff", "sleep", "wait", "delay", "pause", "jitter"} {
			if strings.Contains(name, w) {
				kind = waitVaries
			}
		}
		return kind != waitVaries
	})
	return kind
}

package audit

import (
	"go/ast"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// retryAfterAnalyzer finds code that retries and singles out 429 Too Many
// Requests, in a package that never reads a Retry-After header: the server
// said when to come back and the client does not listen.
var retryAfterAnalyzer = newRetryRule("retryafterignored", RuleRetryAfter, runRetryAfter)

func runRetryAfter(pass *analysis.Pass) (any, error) {
	if len(pass.ResultOf[retryLoopsAnalyzer].([]*retryLoop)) == 0 || readsRetryAfter(pass) {
		return nil, nil
	}
	for _, f := range pass.Files {
		if isTestFile(pass, f) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if x.Op == token.EQL || x.Op == token.NEQ {
					for _, side := range []ast.Expr{x.X, x.Y} {
						if is429(pass, side) {
							reportf(pass, x, RuleRetryAfter, "429 is handled but Retry-After is never read")
						}
					}
				}
			case *ast.CaseClause:
				for _, e := range x.List {
					if is429(pass, e) {
						reportf(pass, e, RuleRetryAfter, "429 is handled but Retry-After is never read")
					}
				}
			}
			return true
		})
	}
	return nil, nil
}

func is429(pass *analysis.Pass, e ast.Expr) bool {
	v, ok := intConst(pass.TypesInfo, e)
	return ok && v == 429
}

// serverPacing reports whether a literal names a header through which a
// server says when (or whether) to retry: Retry-After, or a provider's own
// such as Stripe-Should-Retry or X-RateLimit-Reset.
func serverPacing(lit string) bool {
	l := strings.ToLower(lit)
	for _, h := range []string{"retry-after", "should-retry", "ratelimit-reset", "rate-limit-reset"} {
		if strings.Contains(l, h) {
			return true
		}
	}
	return false
}

// readsRetryAfter reports whether any file of the package names the
// Retry-After header or a provider's equivalent.
func readsRetryAfter(pass *analysis.Pass) bool {
	for _, f := range pass.Files {
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && serverPacing(lit.Value) {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

package audit

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// idempotencyAnalyzer finds POST and PATCH requests sent again by a retry
// loop in a function that never mentions an idempotency key. A request
// handed to other code before it is sent (which could set the header) is
// given the benefit of the doubt.
var idempotencyAnalyzer = newRetryRule("retrypostnoidempotencykey", RuleIdempotency, runIdempotency)

func runIdempotency(pass *analysis.Pass) (any, error) {
	for _, r := range pass.ResultOf[retryLoopsAnalyzer].([]*retryLoop) {
		if mentionsIdempotency(r.fnBody) {
			continue
		}
		for _, h := range r.calls {
			if m := unsafeMethod(pass.TypesInfo, r.fnBody, h); m != "" {
				reportf(pass, h.call, RuleIdempotency, "a "+m+" is retried without an Idempotency-Key, so a retry after a lost answer can apply it twice")
			}
		}
	}
	return nil, nil
}

// unsafeMethod returns "POST" or "PATCH" when the call sends one and the
// request is not handed to other code, else "".
func unsafeMethod(info *types.Info, fnBody *ast.BlockStmt, h httpCall) string {
	switch h.name {
	case "Post", "PostForm":
		return "POST"
	case "Do", "RoundTrip":
	default:
		return ""
	}
	req := h.request()
	obj := objectOf(info, req)
	if obj == nil || !within(fnBody, obj.Pos()) || passedToCall(info, fnBody, obj, h.call) {
		return ""
	}
	values, ok := assignments(info, fnBody, obj)
	if !ok {
		return ""
	}
	method := ""
	for _, v := range values {
		call, isCall := ast.Unparen(v).(*ast.CallExpr)
		if !isCall {
			return ""
		}
		arg := -1
		switch {
		case isFunc(info, call, "net/http.NewRequest"):
			arg = 0
		case isFunc(info, call, "net/http.NewRequestWithContext"):
			arg = 1
		default:
			return ""
		}
		m, ok := stringConst(info, call.Args[arg])
		if !ok {
			return ""
		}
		if m = strings.ToUpper(m); m == "POST" || m == "PATCH" {
			method = m
		}
	}
	return method
}

// mentionsIdempotency reports whether a literal or identifier in n speaks
// of idempotency (an Idempotency-Key header, an idempotencyKey variable).
func mentionsIdempotency(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch x := m.(type) {
		case *ast.BasicLit:
			found = found || strings.Contains(strings.ToLower(x.Value), "idempoten")
		case *ast.Ident:
			found = found || strings.Contains(strings.ToLower(x.Name), "idempoten")
		}
		return !found
	})
	return found
}

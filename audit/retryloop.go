package audit

import (
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
)

// retryLoop is a loop that sends an HTTP request again after a failure.
type retryLoop struct {
	loop    ast.Stmt // *ast.ForStmt or *ast.RangeStmt
	body    *ast.BlockStmt
	fnBody  *ast.BlockStmt // the enclosing function's body
	calls   []httpCall     // the HTTP calls whose innermost loop it is
	bounded bool           // a condition, a range, or a counted or timed exit
}

// retryLoopsAnalyzer finds the retry loops of a package once for the rules
// about retries. A loop counts as one when it contains an HTTP call and
// either names its counter like one (attempt, retries, tries), goes round
// again from a branch that tested an error or a status code, or leaves on
// success (err == nil). Loops over a collection (pages, items) do not.
var retryLoopsAnalyzer = &analysis.Analyzer{
	Name:       "faultlineretryloops",
	Doc:        "finds loops that retry HTTP calls, for faultline's retry rules",
	Run:        runRetryLoops,
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: reflect.TypeOf([]*retryLoop(nil)),
}

func runRetryLoops(pass *analysis.Pass) (any, error) {
	var out []*retryLoop
	funcBodies(pass, func(body *ast.BlockStmt, _ *ast.FuncType, _ *ast.FuncDecl) {
		out = append(out, loopsIn(pass, body)...)
	})
	return out, nil
}

// loopsIn returns the retry loops of one function body.
func loopsIn(pass *analysis.Pass, fnBody *ast.BlockStmt) []*retryLoop {
	byLoop := map[ast.Stmt]*retryLoop{}
	var order []ast.Stmt
	var stack []ast.Stmt
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		switch x := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			stack = append(stack, x.(ast.Stmt))
			ast.Inspect(loopBody(x.(ast.Stmt)), visit)
			stack = stack[:len(stack)-1]
			return false
		case *ast.CallExpr:
			if h, ok := asHTTPCall(pass.TypesInfo, x); ok && len(stack) > 0 {
				inner := stack[len(stack)-1]
				if byLoop[inner] == nil {
					byLoop[inner] = &retryLoop{loop: inner, body: loopBody(inner), fnBody: fnBody}
					order = append(order, inner)
				}
				byLoop[inner].calls = append(byLoop[inner].calls, h)
			}
		}
		return true
	}
	for _, s := range fnBody.List {
		ast.Inspect(s, visit)
	}
	var out []*retryLoop
	for _, l := range order {
		r := byLoop[l]
		if isRetryLoop(pass.TypesInfo, r) {
			r.bounded = isBounded(pass.TypesInfo, r)
			out = append(out, r)
		}
	}
	return out
}

func loopBody(s ast.Stmt) *ast.BlockStmt {
	switch x := s.(type) {
	case *ast.ForStmt:
		return x.Body
	case *ast.RangeStmt:
		return x.Body
	}
	return nil
}

// retryWords name a loop's counter or schedule in retry code.
var retryWords = []string{"attempt", "retr", "tries", "try", "backoff", "delays"}

func isRetryLoop(info *types.Info, r *retryLoop) bool {
	header := loopHeader(r.loop)
	if rs, ok := r.loop.(*ast.RangeStmt); ok {
		if _, isInt := info.TypeOf(rs.X).Underlying().(*types.Basic); !isInt && !mentions(header, retryWords) {
			return false // a range over items or pages
		}
	}
	if mentions(header, retryWords) {
		return true
	}
	signal := false
	ast.Inspect(r.body, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || signal {
			return !signal
		}
		switch {
		case testsFailure(info, ifs.Cond) && hasBranch(ifs.Body, token.CONTINUE):
			signal = true
		case testsSuccess(info, ifs.Cond) && (hasBranch(ifs.Body, token.BREAK) || hasReturn(ifs.Body)):
			signal = true
		}
		return true
	})
	return signal
}

// loopHeader are the loop's init, condition, post, key, value and range
// expressions: where a retry counter is named.
func loopHeader(s ast.Stmt) []ast.Node {
	switch x := s.(type) {
	case *ast.ForStmt:
		return []ast.Node{x.Init, x.Cond, x.Post}
	case *ast.RangeStmt:
		return []ast.Node{x.Key, x.Value, x.X}
	}
	return nil
}

// mentions reports whether an identifier in nodes contains one of words.
func mentions(nodes []ast.Node, words []string) bool {
	found := false
	for _, n := range nodes {
		if n == nil {
			continue
		}
		ast.Inspect(n, func(m ast.Node) bool {
			if id, ok := m.(*ast.Ident); ok {
				l := strings.ToLower(id.Name)
				for _, w := range words {
					if strings.Contains(l, w) {
						found = true
					}
				}
			}
			return !found
		})
	}
	return found
}

// testsFailure reports whether cond looks at an error or a status code.
func testsFailure(info *types.Info, cond ast.Expr) bool {
	found := false
	ast.Inspect(cond, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			if t := info.TypeOf(x); t != nil && types.Identical(t, types.Universe.Lookup("error").Type()) {
				found = true
			}
		case *ast.SelectorExpr:
			if x.Sel.Name == "StatusCode" {
				found = true
			}
		}
		return !found
	})
	return found
}

// testsSuccess reports whether cond contains err == nil for an error err.
func testsSuccess(info *types.Info, cond ast.Expr) bool {
	found := false
	errType := types.Universe.Lookup("error").Type()
	ast.Inspect(cond, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.EQL {
			for _, side := range []ast.Expr{b.X, b.Y} {
				if t := info.TypeOf(side); t != nil && types.Identical(t, errType) && !isNil(b.X) == isNil(b.Y) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

func isNil(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && id.Name == "nil"
}

// hasBranch reports whether n holds a break or continue (tok) that leaves
// or repeats the loop around n: not one of a nested loop or function, nor
// a break of a nested switch or select.
func hasBranch(n ast.Node, tok token.Token) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		switch x := m.(type) {
		case *ast.FuncLit, *ast.ForStmt, *ast.RangeStmt:
			return false
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			return tok != token.BREAK && !found
		case *ast.BranchStmt:
			found = found || x.Tok == tok
		}
		return !found
	})
	return found
}

func hasReturn(n ast.Node) bool {
	found := false
	inspectShallow(n, func(m ast.Node) bool {
		if _, ok := m.(*ast.ReturnStmt); ok {
			found = true
		}
		return !found
	})
	return found
}

// isBounded reports whether the loop stops by itself: it has a condition
// or a range, or an exit (return or break) under a condition that looks at
// more than the attempt's error and status (attempt >= max,
// time.Since(start) > limit, !shouldRetry), or it watches a context.
func isBounded(info *types.Info, r *retryLoop) bool {
	switch x := r.loop.(type) {
	case *ast.ForStmt:
		if x.Cond != nil {
			return true
		}
	case *ast.RangeStmt:
		return true
	}
	bounded := false
	ast.Inspect(r.body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IfStmt:
			if (hasReturn(x.Body) || hasBranch(x.Body, token.BREAK)) && !onlyOutcome(info, x.Cond) {
				bounded = true // a counter, a clock or a helper's verdict decides
			}
		case *ast.SelectorExpr:
			if (x.Sel.Name == "Done" || x.Sel.Name == "Err") && isNamed(info.TypeOf(x.X), "context", "Context") {
				bounded = true
			}
		}
		return !bounded
	})
	return bounded
}

// onlyOutcome reports whether cond looks at nothing but the outcome of
// the attempt: errors, nil, status codes and constants. An exit under such
// a condition leaves on success or on a permanent error, which is no bound
// on how often a transient failure is retried.
func onlyOutcome(info *types.Info, cond ast.Expr) bool {
	only := true
	errType := types.Universe.Lookup("error").Type()
	ast.Inspect(cond, func(n ast.Node) bool {
		switch x := n.(type) {
		case nil:
			return false
		case *ast.BinaryExpr, *ast.ParenExpr, *ast.UnaryExpr:
			return only
		case *ast.SelectorExpr:
			if !isStatus(x) {
				only = false
			}
			return false
		case *ast.Ident:
			t := info.TypeOf(x)
			if !isNil(x) && !isConst(info, x) && (t == nil || !types.Identical(t, errType)) && !isStatus(x) {
				only = false
			}
			return false
		case *ast.BasicLit:
			return false
		default:
			if e, ok := n.(ast.Expr); ok && isConst(info, e) {
				return false
			}
			only = false
			return false
		}
	})
	return only
}

// isStatus reports whether e reads a status code (resp.StatusCode, status).
func isStatus(e ast.Expr) bool {
	var name string
	switch x := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		name = x.Sel.Name
	case *ast.Ident:
		name = x.Name
	}
	name = strings.ToLower(name)
	return strings.Contains(name, "status") || name == "code"
}

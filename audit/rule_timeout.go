package audit

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// noTimeoutAnalyzer finds outbound calls that can wait forever: the
// http.Get family (http.DefaultClient has no timeout), http.DefaultClient
// handed to other code, and calls on an http.Client without Timeout whose
// request carries no context (so no deadline either). A client or request
// whose origin it cannot see (a parameter, a field) is given the benefit of
// the doubt.
var noTimeoutAnalyzer = newAnalyzer("httpnotimeout", RuleNoTimeout, runNoTimeout)

func runNoTimeout(pass *analysis.Pass) (any, error) {
	funcBodies(pass, func(body *ast.BlockStmt, _ *ast.FuncType, _ *ast.FuncDecl) {
		inspectShallow(body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if h, ok := asHTTPCall(pass.TypesInfo, call); ok {
				checkTimeout(pass, body, h)
				return true
			}
			if takesCallerContext(pass.TypesInfo, call) {
				return true // the context handed along can carry the deadline
			}
			for _, arg := range call.Args {
				if isPkgVar(pass.TypesInfo, arg, "net/http", "DefaultClient") {
					reportf(pass, arg, RuleNoTimeout, "http.DefaultClient (no timeout) is handed to "+calleeLabel(call))
				}
			}
			return true
		})
	})
	return nil, nil
}

// takesCallerContext reports whether call is given a context.Context other
// than context.Background() or context.TODO().
func takesCallerContext(info *types.Info, call *ast.CallExpr) bool {
	for _, a := range call.Args {
		if !isNamed(info.TypeOf(a), "context", "Context") {
			continue
		}
		if c, ok := ast.Unparen(a).(*ast.CallExpr); ok && isFunc(info, c, "context.Background", "context.TODO") {
			continue
		}
		return true
	}
	return false
}

func calleeLabel(call *ast.CallExpr) string {
	if name := calleeName(call); name != "" {
		return name
	}
	return "a function"
}

func checkTimeout(pass *analysis.Pass, body *ast.BlockStmt, h httpCall) {
	info := pass.TypesInfo
	switch {
	case h.pkgFn:
		reportf(pass, h.call, RuleNoTimeout, "http."+h.name+" sends through http.DefaultClient, which has no timeout")
	case h.client == nil || !clientWithoutTimeout(pass, body, h.client):
	case h.name != "Do":
		reportf(pass, h.call, RuleNoTimeout, h.name+" on an http.Client without Timeout")
	case requestWithoutDeadline(info, body, h.request()):
		reportf(pass, h.call, RuleNoTimeout, "Do on an http.Client without Timeout, with a request that carries no context")
	}
}

// clientWithoutTimeout reports whether the client expression is known to
// have no Timeout: http.DefaultClient, a client literal without Timeout, or
// a variable only ever holding those and never given a Timeout.
func clientWithoutTimeout(pass *analysis.Pass, body *ast.BlockStmt, e ast.Expr) bool {
	info := pass.TypesInfo
	if isPkgVar(info, e, "net/http", "DefaultClient") {
		return true
	}
	if isClientLiteral(info, e) {
		return literalWithoutTimeout(info, e)
	}
	obj, ok := objectOf(info, e).(*types.Var)
	if !ok || obj.IsField() {
		return false
	}
	scopes := []ast.Node{body}
	if obj.Parent() == obj.Pkg().Scope() { // package-level: every file may assign it
		scopes = scopes[:0]
		for _, f := range pass.Files {
			scopes = append(scopes, f)
		}
	} else if !within(body, obj.Pos()) {
		return false // a parameter or a variable of an enclosing function
	}
	var values []ast.Expr
	for _, s := range scopes {
		v, ok := assignments(info, s, obj)
		if !ok || setsField(info, s, obj, "Timeout") {
			return false
		}
		values = append(values, v...)
	}
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		if !isPkgVar(info, v, "net/http", "DefaultClient") && !literalWithoutTimeout(info, v) {
			return false
		}
	}
	return true
}

// within reports whether pos lies inside n.
func within(n ast.Node, pos token.Pos) bool { return pos >= n.Pos() && pos <= n.End() }

// isClientLiteral reports whether e builds an http.Client: http.Client{...},
// &http.Client{...} or new(http.Client).
func isClientLiteral(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	switch x := e.(type) {
	case *ast.CompositeLit:
		return isNamed(info.TypeOf(x), "net/http", "Client")
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "new" && len(x.Args) == 1 {
			return isNamed(info.TypeOf(x.Args[0]), "net/http", "Client")
		}
	}
	return false
}

// literalWithoutTimeout reports whether e is a client literal with no
// Timeout, and either no Transport or an http.Transport literal without
// ResponseHeaderTimeout (any other transport may bound the wait itself).
func literalWithoutTimeout(info *types.Info, e ast.Expr) bool {
	if !isClientLiteral(info, e) {
		return false
	}
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return true // new(http.Client)
	}
	if keyed(lit, "Timeout") != nil {
		return false
	}
	if t := keyed(lit, "Transport"); t != nil {
		return isTransportLiteral(info, t) && !hasTransportTimeout(t)
	}
	return true
}

func isTransportLiteral(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	lit, ok := e.(*ast.CompositeLit)
	return ok && isNamed(info.TypeOf(lit), "net/http", "Transport")
}

func hasTransportTimeout(e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok {
		e = u.X
	}
	lit := e.(*ast.CompositeLit)
	return keyed(lit, "ResponseHeaderTimeout") != nil
}

// keyed returns the value of field key in a keyed composite literal, or nil.
func keyed(lit *ast.CompositeLit, key string) ast.Expr {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
				return kv.Value
			}
		}
	}
	return nil
}

// setsField reports whether scope assigns obj.field.
func setsField(info *types.Info, scope ast.Node, obj types.Object, field string) bool {
	found := false
	ast.Inspect(scope, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for _, lhs := range as.Lhs {
				if sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr); ok && sel.Sel.Name == field && refersTo(info, sel.X, obj) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// requestWithoutDeadline reports whether the request expression is known
// to carry no context: built by http.NewRequest, or by
// NewRequestWithContext with context.Background() or context.TODO(), and
// never given another context.
func requestWithoutDeadline(info *types.Info, body *ast.BlockStmt, req ast.Expr) bool {
	if req == nil {
		return false
	}
	if call, ok := ast.Unparen(req).(*ast.CallExpr); ok {
		return contextlessRequest(info, call)
	}
	obj := objectOf(info, req)
	if obj == nil || !within(body, obj.Pos()) {
		return false
	}
	values, ok := assignments(info, body, obj)
	if !ok || len(values) == 0 {
		return false
	}
	for _, v := range values {
		call, isCall := ast.Unparen(v).(*ast.CallExpr)
		if !isCall || !contextlessRequest(info, call) {
			return false
		}
	}
	return !passedToCall(info, body, obj, nil)
}

func contextlessRequest(info *types.Info, call *ast.CallExpr) bool {
	if isFunc(info, call, "net/http.NewRequest") {
		return true
	}
	if isFunc(info, call, "net/http.NewRequestWithContext") && len(call.Args) > 0 {
		ctx, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr)
		return ok && isFunc(info, ctx, "context.Background", "context.TODO")
	}
	return false
}

// passedToCall reports whether obj is an argument of a call in scope other
// than except (a helper could change it, e.g. give a request a context).
func passedToCall(info *types.Info, scope ast.Node, obj types.Object, except *ast.CallExpr) bool {
	found := false
	ast.Inspect(scope, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || call == except {
			return !found
		}
		if _, isHTTP := asHTTPCall(info, call); isHTTP {
			return !found
		}
		for _, a := range call.Args {
			if refersTo(info, a, obj) {
				found = true
			}
		}
		return !found
	})
	return found
}

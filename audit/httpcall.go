package audit

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// newAnalyzer declares the analyzer of one rule: every one needs the
// inspector and the package's suppressions.
func newAnalyzer(name, rule string, run func(*analysis.Pass) (any, error)) *analysis.Analyzer {
	r, _ := RuleByID(rule)
	return &analysis.Analyzer{
		Name:     name,
		Doc:      rule + ": " + r.Summary + ".\n\nFix: " + r.Fix + ".",
		URL:      "https://github.com/faultline-dev/faultline/blob/main/docs/audit.md#" + rule,
		Run:      run,
		Requires: []*analysis.Analyzer{inspect.Analyzer, ignoreAnalyzer},
	}
}

// reportf files a finding of rule at node unless a //faultline:ignore
// comment suppresses it. The message says what was found; the rule's fix
// is appended so every finding says what to do.
func reportf(pass *analysis.Pass, node ast.Node, rule, found string) {
	if pass.ResultOf[ignoreAnalyzer].(suppressions).suppressed(pass.Fset, node.Pos(), rule) {
		return
	}
	r, _ := RuleByID(rule)
	pass.Report(analysis.Diagnostic{Pos: node.Pos(), End: node.End(), Category: rule,
		Message: found + ": " + r.Fix})
}

// funcBodies calls fn for the body of every function declaration and
// function literal of the package, outermost first, skipping test files.
func funcBodies(pass *analysis.Pass, fn func(body *ast.BlockStmt, typ *ast.FuncType, decl *ast.FuncDecl)) {
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	insp.Preorder([]ast.Node{(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)}, func(n ast.Node) {
		if isTestFile(pass, n) {
			return
		}
		switch f := n.(type) {
		case *ast.FuncDecl:
			if f.Body != nil {
				fn(f.Body, f.Type, f)
			}
		case *ast.FuncLit:
			fn(f.Body, f.Type, nil)
		}
	})
}

// isTestFile reports whether n is in a _test.go file.
func isTestFile(pass *analysis.Pass, n ast.Node) bool {
	return strings.HasSuffix(pass.Fset.File(n.Pos()).Name(), "_test.go")
}

// inspectShallow walks n without descending into function literals, whose
// bodies funcBodies visits on their own.
func inspectShallow(n ast.Node, fn func(ast.Node) bool) {
	ast.Inspect(n, func(m ast.Node) bool {
		if _, ok := m.(*ast.FuncLit); ok && m != n {
			return false
		}
		return fn(m)
	})
}

// httpCall is a call that sends an HTTP request through net/http.
type httpCall struct {
	call   *ast.CallExpr
	name   string   // "Get", "Do", "RoundTrip"...
	client ast.Expr // the *http.Client receiver; nil for package functions and RoundTrip
	pkgFn  bool     // http.Get, http.Post...: the default client
}

// asHTTPCall recognises http.Get/Head/Post/PostForm, the same methods and Do
// on *http.Client, and RoundTrip.
func asHTTPCall(info *types.Info, call *ast.CallExpr) (httpCall, bool) {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "net/http" {
		return httpCall{}, false
	}
	h := httpCall{call: call, name: fn.Name()}
	switch fn.FullName() {
	case "net/http.Get", "net/http.Head", "net/http.Post", "net/http.PostForm":
		h.pkgFn = true
	case "(*net/http.Client).Do", "(*net/http.Client).Get", "(*net/http.Client).Head",
		"(*net/http.Client).Post", "(*net/http.Client).PostForm":
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			h.client = sel.X
		}
	case "(net/http.RoundTripper).RoundTrip", "(*net/http.Transport).RoundTrip":
	default:
		return httpCall{}, false
	}
	return h, true
}

// request is the argument holding the *http.Request of a Do or RoundTrip
// call, or nil.
func (h httpCall) request() ast.Expr {
	if (h.name == "Do" || h.name == "RoundTrip") && len(h.call.Args) == 1 {
		return h.call.Args[0]
	}
	return nil
}

// isPkgVar reports whether e names the package-level variable pkg.name.
func isPkgVar(info *types.Info, e ast.Expr, pkg, name string) bool {
	var id *ast.Ident
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = x
	case *ast.SelectorExpr:
		id = x.Sel
	default:
		return false
	}
	v, ok := info.Uses[id].(*types.Var)
	return ok && v.Pkg() != nil && v.Pkg().Path() == pkg && v.Name() == name && v.Parent() == v.Pkg().Scope()
}

// isFunc reports whether call calls one of the functions named by their
// full names, such as "time.Sleep" or "(*net/http.Client).Do".
func isFunc(info *types.Info, call *ast.CallExpr, names ...string) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok {
		return false
	}
	full := fn.FullName()
	for _, n := range names {
		if full == n {
			return true
		}
	}
	return false
}

// calleeName is the bare name of the function or method call calls, or "".
func calleeName(call *ast.CallExpr) string {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	case *ast.IndexExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// isNamed reports whether t (or what it points to) is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// stringConst is the constant string value of e, if it has one.
func stringConst(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// intConst is the constant integer value of e, if it has one.
func intConst(info *types.Info, e ast.Expr) (int64, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil {
		return 0, false
	}
	v, exact := constant.Int64Val(constant.ToInt(tv.Value))
	return v, exact
}

// isConst reports whether e is a compile-time constant.
func isConst(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	return ok && tv.Value != nil
}

// assignments returns the expressions assigned to the variable obj inside
// body (by := , = or var), and whether every assignment was understood:
// false when obj is also assigned from a multi-value call position we
// cannot pair, or its address is taken.
func assignments(info *types.Info, body ast.Node, obj types.Object) (values []ast.Expr, ok bool) {
	ok = true
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range s.Lhs {
				if !refersTo(info, lhs, obj) {
					continue
				}
				switch {
				case len(s.Rhs) == len(s.Lhs):
					values = append(values, s.Rhs[i])
				case len(s.Rhs) == 1 && i == 0:
					values = append(values, s.Rhs[0]) // v, err := f()
				default:
					ok = false
				}
			}
		case *ast.ValueSpec:
			for i, name := range s.Names {
				if info.Defs[name] == obj {
					switch {
					case len(s.Values) == len(s.Names):
						values = append(values, s.Values[i])
					case len(s.Values) == 1 && i == 0:
						values = append(values, s.Values[0])
					default:
						ok = false
					}
				}
			}
		case *ast.UnaryExpr:
			if s.Op == token.AND && refersTo(info, s.X, obj) {
				ok = false
			}
		}
		return true
	})
	return values, ok
}

// refersTo reports whether e is an identifier for obj.
func refersTo(info *types.Info, e ast.Expr, obj types.Object) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	return info.Uses[id] == obj || info.Defs[id] == obj
}

// objectOf is the variable an identifier expression names, or nil.
func objectOf(info *types.Info, e ast.Expr) types.Object {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	if o := info.Uses[id]; o != nil {
		return o
	}
	return info.Defs[id]
}

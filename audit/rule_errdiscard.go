package audit

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// errDiscardAnalyzer finds HTTP calls whose error is thrown away: the call
// as a bare statement, its error assigned to _, or the response body read
// with io.ReadAll and its error assigned to _.
var errDiscardAnalyzer = newAnalyzer("httperrordiscarded", RuleErrDiscarded, runErrDiscard)

func runErrDiscard(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	funcBodies(pass, func(body *ast.BlockStmt, _ *ast.FuncType, _ *ast.FuncDecl) {
		failing := errorPaths(body)
		inspectShallow(body, func(n ast.Node) bool {
			switch s := n.(type) {
			case *ast.ExprStmt:
				if call, ok := ast.Unparen(s.X).(*ast.CallExpr); ok && isHTTPOrBodyRead(info, call) {
					reportf(pass, call, RuleErrDiscarded, "the result of "+calleeLabel(call)+" is thrown away, error and all")
				}
			case *ast.GoStmt:
				if isHTTPOrBodyRead(info, s.Call) {
					reportf(pass, s.Call, RuleErrDiscarded, "the result of "+calleeLabel(s.Call)+" is thrown away, error and all")
				}
			case *ast.AssignStmt:
				if len(s.Rhs) == 1 && len(s.Lhs) == 2 && isBlank(s.Lhs[1]) {
					if call, ok := ast.Unparen(s.Rhs[0]).(*ast.CallExpr); ok && isHTTPOrBodyRead(info, call) {
						if _, isHTTP := asHTTPCall(info, call); isHTTP || !inAny(failing, call) {
							reportf(pass, call, RuleErrDiscarded, "the error of "+calleeLabel(call)+" is assigned to _")
						}
					}
				}
			}
			return true
		})
	})
	return nil, nil
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// isHTTPOrBodyRead reports whether call sends an HTTP request, or reads a
// response's whole body (io.ReadAll(resp.Body)).
func isHTTPOrBodyRead(info *types.Info, call *ast.CallExpr) bool {
	if _, ok := asHTTPCall(info, call); ok {
		return true
	}
	if !isFunc(info, call, "io.ReadAll", "io/ioutil.ReadAll") || len(call.Args) != 1 {
		return false
	}
	sel, ok := ast.Unparen(call.Args[0]).(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Body" && isNamed(info.TypeOf(sel.X), "net/http", "Response")
}

// errorPaths are the if-blocks of body that end by returning an error: a
// body read there only decorates the error being returned, so its own
// error does not matter.
func errorPaths(body *ast.BlockStmt) []ast.Node {
	var out []ast.Node
	inspectShallow(body, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || len(ifs.Body.List) == 0 {
			return true
		}
		ret, ok := ifs.Body.List[len(ifs.Body.List)-1].(*ast.ReturnStmt)
		if ok && len(ret.Results) > 0 && !isNil(ret.Results[len(ret.Results)-1]) {
			out = append(out, ifs.Body)
		}
		return true
	})
	return out
}

func inAny(blocks []ast.Node, n ast.Node) bool {
	for _, b := range blocks {
		if within(b, n.Pos()) {
			return true
		}
	}
	return false
}

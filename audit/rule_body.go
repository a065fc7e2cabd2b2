package audit

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// bodyAnalyzer finds responses whose body is never closed: the response is
// thrown away (resp is _), or kept in a variable the function never closes
// resp.Body on and never hands to other code (which could close it).
// Reading the body to the end does not close it.
var bodyAnalyzer = newAnalyzer("responsebodynotclosed", RuleBodyNotClosed, runBody)

func runBody(pass *analysis.Pass) (any, error) {
	info := pass.TypesInfo
	funcBodies(pass, func(body *ast.BlockStmt, _ *ast.FuncType, _ *ast.FuncDecl) {
		inspectShallow(body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Rhs) != 1 || len(as.Lhs) != 2 {
				return true
			}
			call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
			if !ok {
				return true
			}
			if _, isHTTP := asHTTPCall(info, call); !isHTTP {
				return true
			}
			if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name == "_" {
				reportf(pass, call, RuleBodyNotClosed, "the response is discarded, so its body is never closed")
				return true
			}
			obj := objectOf(info, as.Lhs[0])
			if obj != nil && within(body, obj.Pos()) && !closesOrHandsOn(info, body, obj) {
				reportf(pass, call, RuleBodyNotClosed, "the body of "+obj.Name()+" is never closed")
			}
			return true
		})
	})
	return nil, nil
}

// readers take a body without closing it; handing a body to anything else
// counts as handing it on.
var readers = []string{
	"io.ReadAll", "io/ioutil.ReadAll", "io.Copy", "io.CopyN", "io.CopyBuffer", "io.LimitReader",
	"io.TeeReader", "io.MultiReader", "encoding/json.NewDecoder", "encoding/xml.NewDecoder",
	"bufio.NewReader", "bufio.NewScanner", "bufio.NewReaderSize", "net/http.MaxBytesReader",
}

// closesOrHandsOn reports whether body closes obj.Body, or lets obj (or
// obj.Body) escape: returned, assigned, stored, sent, or passed to a call
// other than a plain reader.
func closesOrHandsOn(info *types.Info, body *ast.BlockStmt, obj types.Object) bool {
	found := false
	var stack []ast.Node
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if found {
			return false
		}
		if refersTo(info, asExpr(n), obj) && len(stack) > 0 {
			found = escapes(info, stack, n.(ast.Expr))
		}
		stack = append(stack, n)
		return true
	})
	return found
}

func asExpr(n ast.Node) ast.Expr {
	e, _ := n.(ast.Expr)
	return e
}

// escapes looks at how one use of the response (id) sits in its parents
// (stack, innermost last) and reports whether it closes the body or lets
// the response go.
func escapes(info *types.Info, stack []ast.Node, id ast.Expr) bool {
	parent := stack[len(stack)-1]
	sel, isSel := parent.(*ast.SelectorExpr)
	if !isSel {
		return useEscapes(info, stack, id)
	}
	if sel.Sel.Name != "Body" || len(stack) < 2 {
		return false // resp.StatusCode, resp.Header: reads only
	}
	switch gp := stack[len(stack)-2].(type) {
	case *ast.SelectorExpr: // resp.Body.Close
		return gp.Sel.Name == "Close"
	case *ast.AssignStmt:
		return true // resp.Body = x or y = resp.Body
	}
	return useEscapes(info, stack[:len(stack)-1], sel)
}

// useEscapes reports whether value e (the response or its body) leaves the
// function through its parent: a return, an assignment, a composite
// literal, a send, or a call other than a reader.
func useEscapes(info *types.Info, stack []ast.Node, e ast.Expr) bool {
	switch p := stack[len(stack)-1].(type) {
	case *ast.ReturnStmt, *ast.CompositeLit, *ast.KeyValueExpr, *ast.SendStmt, *ast.UnaryExpr:
		return true
	case *ast.AssignStmt:
		for _, r := range p.Rhs {
			if r == e {
				return true
			}
		}
	case *ast.CallExpr:
		if p.Fun == e {
			return false
		}
		return !isFunc(info, p, readers...)
	}
	return false
}

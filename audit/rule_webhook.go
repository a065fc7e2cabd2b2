package audit

import (
	"go/ast"
	"go/types"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
)

// webhookAnalyzer finds webhook handlers that read the request body and
// never verify a signature. A handler is an http.HandlerFunc-shaped
// function (or a ServeHTTP method) that is named like a webhook or hook,
// is registered on a path naming one, or reads a signature header.
// Verification is any call of hmac.Equal, subtle.ConstantTimeCompare,
// hmac.New, or a function named like verify, validate, ConstructEvent or
// signature (the provider libraries' verify functions are named so).
var webhookAnalyzer = newAnalyzer("webhookunverified", RuleWebhook, runWebhook)

func runWebhook(pass *analysis.Pass) (any, error) {
	routes := webhookRoutes(pass)
	funcBodies(pass, func(body *ast.BlockStmt, typ *ast.FuncType, decl *ast.FuncDecl) {
		req := handlerRequest(pass.TypesInfo, typ)
		if req == nil {
			return
		}
		named := decl != nil && (hookName(decl.Name.Name) || decl.Recv != nil && decl.Name.Name == "ServeHTTP" && hookName(recvName(decl)))
		if !named && !routes[body] && !readsSignatureHeader(body) {
			return
		}
		if readsBody(pass.TypesInfo, body, req) && !verifies(body) {
			var at ast.Node = body
			if decl != nil {
				at = decl.Name
			}
			reportf(pass, at, RuleWebhook, "this webhook handler reads the body and never verifies its signature, so anyone who finds the URL can forge events")
		}
	})
	return nil, nil
}

// hookName reports whether a handler's name says it receives webhooks:
// it names a hook, and does not start with a verb of an API that manages
// webhook settings (postWebHook, listWebhooks, deleteHook).
func hookName(name string) bool {
	l := strings.ToLower(name)
	if !strings.Contains(l, "hook") {
		return false
	}
	for _, verb := range []string{"get", "list", "create", "post", "put", "patch", "delete", "update", "add", "remove", "set", "new"} {
		if strings.HasPrefix(l, verb) && len(name) > len(verb) && !unicode.IsLower(rune(name[len(verb)])) {
			return false
		}
	}
	return true
}

func recvName(decl *ast.FuncDecl) string {
	t := decl.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// handlerRequest returns the *http.Request parameter of a function shaped
// like (http.ResponseWriter, *http.Request), or nil.
func handlerRequest(info *types.Info, typ *ast.FuncType) types.Object {
	params := typ.Params.List
	var names []*ast.Ident
	var typeExprs []ast.Expr
	for _, p := range params {
		if len(p.Names) == 0 {
			names = append(names, nil)
			typeExprs = append(typeExprs, p.Type)
		}
		for _, n := range p.Names {
			names = append(names, n)
			typeExprs = append(typeExprs, p.Type)
		}
	}
	if len(names) != 2 || names[1] == nil ||
		!isNamed(info.TypeOf(typeExprs[0]), "net/http", "ResponseWriter") || !isNamed(info.TypeOf(typeExprs[1]), "net/http", "Request") {
		return nil
	}
	return info.Defs[names[1]]
}

// webhookRoutes are the bodies of function literals registered with
// HandleFunc or Handle on a path that names a webhook or hook.
func webhookRoutes(pass *analysis.Pass) map[*ast.BlockStmt]bool {
	out := map[*ast.BlockStmt]bool{}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 || !strings.HasPrefix(calleeName(call), "Handle") {
				return true
			}
			if path, ok := stringConst(pass.TypesInfo, call.Args[0]); ok && hookName(path) {
				if lit, ok := ast.Unparen(call.Args[1]).(*ast.FuncLit); ok {
					out[lit.Body] = true
				}
			}
			return true
		})
	}
	return out
}

// readsSignatureHeader reports whether body names a signature header.
func readsSignatureHeader(body *ast.BlockStmt) bool {
	found := false
	inspectShallow(body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok {
			l := strings.ToLower(lit.Value)
			found = found || strings.Contains(l, "signature") || strings.Contains(l, "-hmac")
		}
		return !found
	})
	return found
}

// readsBody reports whether body reads the request's body or form.
func readsBody(info *types.Info, body *ast.BlockStmt, req types.Object) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && refersTo(info, sel.X, req) {
			switch sel.Sel.Name {
			case "Body", "ParseForm", "ParseMultipartForm", "FormValue", "PostFormValue", "GetBody":
				found = true
			}
		}
		return !found
	})
	return found
}

// verifies reports whether body calls something that checks a signature,
// or hands the signature header's value to a call (a provider library's
// parse-and-verify, such as stripe's ParseEventNotification).
func verifies(body *ast.BlockStmt) bool {
	if handsOnSignature(body) {
		return true
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return !found
		}
		name := strings.ToLower(calleeName(call))
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "hmac" || pkg.Name == "subtle") {
				found = true
			}
		}
		for _, w := range []string{"verif", "validat", "constructevent", "signature", "checksig", "authenticat"} {
			found = found || strings.Contains(name, w)
		}
		return !found
	})
	return found
}

// handsOnSignature reports whether a call in body takes as an argument a
// signature header read (r.Header.Get("Stripe-Signature")), directly or
// through a variable it was assigned to.
func handsOnSignature(body *ast.BlockStmt) bool {
	isSigRead := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok || calleeName(call) != "Get" || len(call.Args) != 1 {
			return false
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		return ok && (strings.Contains(strings.ToLower(lit.Value), "signature") || strings.Contains(strings.ToLower(lit.Value), "hmac"))
	}
	vars := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, r := range as.Rhs {
				if id, ok := as.Lhs[i].(*ast.Ident); ok && id.Name != "_" && isSigRead(r) {
					vars[id.Name] = true
				}
			}
		}
		return true
	})
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		for _, a := range call.Args {
			id, isIdent := ast.Unparen(a).(*ast.Ident)
			if isSigRead(a) || isIdent && vars[id.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

package audit

import (
	"go/ast"
	"go/token"
	"strconv"

	"golang.org/x/tools/go/analysis"
)

// credentialAnalyzer finds credentials in source: string literals in a
// known key format (internal/secrets) anywhere outside tests, and literals
// that look like generated keys assigned to a credential-named constant,
// variable, field, map key or header.
var credentialAnalyzer = newAnalyzer("hardcodedcredential", RuleCredential, runCredential)

func runCredential(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		if isTestFile(pass, f) {
			continue
		}
		reported := map[*ast.BasicLit]bool{}
		flag := func(lit *ast.BasicLit, msg string) {
			if !reported[lit] {
				reported[lit] = true
				reportf(pass, lit, RuleCredential, msg)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Field:
				return false // struct tags
			case *ast.ImportSpec:
				return false
			case *ast.BasicLit:
				if v, ok := stringLit(x); ok {
					if format, found := knownCredential(v); found {
						flag(x, "a string literal holds a "+format)
					}
				}
			}
			return true
		})
		for _, pair := range namedLiterals(f) {
			if v, ok := stringLit(pair.value); ok && namedCredential(pair.name, v) {
				flag(pair.value, "a literal that looks like a key is assigned to "+strconv.Quote(pair.name))
			}
		}
	}
	return nil, nil
}

// namedPair is a string literal and the name it is assigned to.
type namedPair struct {
	name  string
	value *ast.BasicLit
}

// namedLiterals finds literals bound to a name: const/var specs,
// assignments, keyed composite literal elements and Header.Set/Add calls.
func namedLiterals(f *ast.File) []namedPair {
	var out []namedPair
	add := func(name ast.Expr, value ast.Expr) {
		lit, ok := ast.Unparen(value).(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		switch n := ast.Unparen(name).(type) {
		case *ast.Ident:
			out = append(out, namedPair{n.Name, lit})
		case *ast.SelectorExpr:
			out = append(out, namedPair{n.Sel.Name, lit})
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok {
				out = append(out, namedPair{s, lit})
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ValueSpec:
			for i := range x.Names {
				if len(x.Values) == len(x.Names) {
					add(x.Names[i], x.Values[i])
				}
			}
		case *ast.AssignStmt:
			if len(x.Lhs) == len(x.Rhs) {
				for i := range x.Lhs {
					add(x.Lhs[i], x.Rhs[i])
				}
			}
		case *ast.KeyValueExpr:
			add(x.Key, x.Value)
		case *ast.CallExpr:
			if name := calleeName(x); (name == "Set" || name == "Add") && len(x.Args) == 2 {
				add(x.Args[0], x.Args[1])
			}
		}
		return true
	})
	return out
}

// stringLit is the value of a string literal.
func stringLit(lit *ast.BasicLit) (string, bool) {
	if lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

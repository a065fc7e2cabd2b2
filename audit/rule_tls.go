package audit

import (
	"crypto/tls"
	"go/ast"

	"golang.org/x/tools/go/analysis"
)

// tlsAnalyzer finds tls.Config values that turn certificate verification
// off (InsecureSkipVerify set to the constant true, with no
// VerifyPeerCertificate or VerifyConnection doing the check instead) or
// allow a version below TLS 1.2. A value read from a flag or a config file
// is an operator's choice and is not reported.
var tlsAnalyzer = newAnalyzer("tlsinsecure", RuleTLSInsecure, runTLS)

func runTLS(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		if isTestFile(pass, f) {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				if isNamed(pass.TypesInfo.TypeOf(x), "crypto/tls", "Config") {
					checkTLSLiteral(pass, x)
				}
			case *ast.AssignStmt:
				checkTLSAssign(pass, x)
			}
			return true
		})
	}
	return nil, nil
}

func checkTLSLiteral(pass *analysis.Pass, lit *ast.CompositeLit) {
	if v := keyed(lit, "InsecureSkipVerify"); v != nil && isTrue(pass, v) &&
		keyed(lit, "VerifyPeerCertificate") == nil && keyed(lit, "VerifyConnection") == nil {
		reportf(pass, v, RuleTLSInsecure, "InsecureSkipVerify: true accepts any certificate, so anyone on the path can read and change the traffic")
	}
	if v := keyed(lit, "MinVersion"); v != nil {
		checkMinVersion(pass, v)
	}
}

func checkTLSAssign(pass *analysis.Pass, as *ast.AssignStmt) {
	if len(as.Lhs) != len(as.Rhs) {
		return
	}
	for i, lhs := range as.Lhs {
		sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
		if !ok || !isNamed(pass.TypesInfo.TypeOf(sel.X), "crypto/tls", "Config") {
			continue
		}
		switch sel.Sel.Name {
		case "InsecureSkipVerify":
			if isTrue(pass, as.Rhs[i]) {
				reportf(pass, as, RuleTLSInsecure, "InsecureSkipVerify = true accepts any certificate, so anyone on the path can read and change the traffic")
			}
		case "MinVersion":
			checkMinVersion(pass, as.Rhs[i])
		}
	}
}

func checkMinVersion(pass *analysis.Pass, v ast.Expr) {
	if n, ok := intConst(pass.TypesInfo, v); ok && n != 0 && n < tls.VersionTLS12 {
		reportf(pass, v, RuleTLSInsecure, "MinVersion below TLS 1.2 allows protocol versions with known attacks")
	}
}

// isTrue reports whether e is the constant true.
func isTrue(pass *analysis.Pass, e ast.Expr) bool {
	tv, ok := pass.TypesInfo.Types[e]
	return ok && tv.Value != nil && tv.Value.String() == "true"
}

package cmd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countedPlural is a number verb followed by a plural noun ("%d files"),
// which reads "1 files" when the count is one.
var countedPlural = regexp.MustCompile(`%d ([A-Za-z]+ )?([a-z]+[^s]s)\b`)

// verbs end in s too: "%d is not an HTTP status".
var verbs = map[string]bool{"is": true, "was": true, "has": true, "does": true}

// TestNoCountedPlurals: the commands' messages count nouns with plural()
// ("1 file", "2 files"), never with a "%d files" format.
func TestNoCountedPlurals(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if m := countedPlural.FindStringSubmatch(lit.Value); m != nil && !verbs[m[2]] {
					assert.Failf(t, "counted plural", "%s: %q reads wrong for a count of one: use plural(n, noun)", fset.Position(lit.Pos()), m[0])
				}
			}
			return true
		})
	}
}

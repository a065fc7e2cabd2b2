package english

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
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

// verbs end in s too ("%d is not an HTTP status"), and so does "its";
// "%d with credentials" counts what precedes it.
var verbs = map[string]bool{"is": true, "was": true, "has": true, "does": true, "its": true, "credentials": true}

// TestNoCountedPlurals: what the commands print and the checks' verdicts
// count nouns with Count ("1 call", "2 calls"), never with a "%d calls"
// format. It reads the Go source of cmd and scenarios (tests and testdata
// aside).
func TestNoCountedPlurals(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range []string{"../../cmd", "../../scenarios"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			file, err := parser.ParseFile(fset, path, nil, 0)
			require.NoError(t, err)
			ast.Inspect(file, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if m := countedPlural.FindStringSubmatch(lit.Value); m != nil && !verbs[m[2]] {
						assert.Failf(t, "counted plural", "%s: %q reads wrong for a count of one: use english.Count(n, noun)", fset.Position(lit.Pos()), m[0])
					}
				}
				return true
			})
			return nil
		})
		require.NoError(t, err)
	}
}

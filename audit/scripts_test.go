package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScriptHeuristics runs the Python and TypeScript heuristics over
// corpora whose lines say, after "want", which rules must fire there;
// every other line must stay silent.
func TestScriptHeuristics(t *testing.T) {
	for _, name := range []string{"client.py", "client.ts"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "scripts", name)
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			want := map[string]bool{}
			for i, line := range strings.Split(string(src), "\n") {
				if _, rules, ok := strings.Cut(line, " want "); ok {
					for _, r := range strings.Fields(rules) {
						want[fmt.Sprintf("%d %s", i+1, r)] = true
					}
				}
			}
			got := map[string]bool{}
			for _, f := range scanScript(scriptLang(name), src) {
				assert.True(t, f.Heuristic)
				assert.True(t, strings.HasPrefix(f.Message, "heuristic: "), f.Message)
				got[fmt.Sprintf("%d %s", f.Line, f.Rule)] = true
			}
			assert.Equal(t, sorted(want), sorted(got))
		})
	}
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRunReadsScripts: Run walks a directory for Python and TypeScript
// files (with no Go package in it) and marks their findings as heuristics,
// with paths relative to the audited directory.
func TestRunReadsScripts(t *testing.T) {
	res, err := Run(Options{Dir: filepath.Join("testdata", "scripts")})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Packages)
	assert.Equal(t, 2, res.Scripts)
	files := map[string]bool{}
	for _, f := range res.Findings {
		assert.True(t, f.Heuristic, f)
		files[f.File] = true
	}
	assert.Equal(t, map[string]bool{"client.py": true, "client.ts": true}, files)
}

package scenarios

import (
	"github.com/faultline-dev/faultline/fault"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (path → content) below a new temp folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return root
}

func scenarioYAML(name string) string {
	return "version: 1\nname: " + name + "\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {calls: [{path: /a}]}\nchecks: [outcome: success]\n"
}

func TestLoadPathsRecursive(t *testing.T) {
	root := writeTree(t, map[string]string{
		"top.yaml":                 scenarioYAML("top"),
		"retry/deep/one.yml":       scenarioYAML("deep-one"),
		"retry/two.yaml":           scenarioYAML("two"),
		"retry/plan.yaml":          "routes:\n  - path: /x\n",
		"retry/api.yaml":           "version: 2\ninteractions: []\n",
		"retry/compose.yaml":       "services: {}\n",
		"testdata/broken.yaml":     "version: 1\nname: [",
		".hidden/broken.yaml":      "version: 1\nname: [",
		"_scratch/broken.yaml":     "version: 1\nname: [",
		"retry/notes.txt":          "not yaml",
		"retry/deep/README.md":     "# no",
		"retry/deep/also-yaml.YML": "ignored: upper-case extension",
	})
	scs, err := LoadPaths([]string{root})
	require.NoError(t, err)
	var names []string
	for _, sc := range scs {
		names = append(names, sc.Name)
	}
	assert.Equal(t, []string{"deep-one", "two", "top"}, names, "lexical walk order; plans, cassettes, other YAML, testdata, . and _ folders left out")

	// A plan named directly is judged as a scenario, and its problems reported.
	_, err = LoadPaths([]string{filepath.Join(root, "retry/plan.yaml")})
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)

	// A folder holding only plans runs nothing: an error saying so.
	_, err = LoadPaths([]string{filepath.Join(root, "retry/plan.yaml"), filepath.Join(root, "retry/deep")})
	require.Error(t, err)
}

func TestLoadPathsReportsEveryInvalidFile(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.yaml": "version: 1\nname: a\nupstream: {routes: [{path: /a}]}\nclient: {calls: [{path: /a}]}\nchecks: [retry_after_honored]\n",
		"b.yaml": "version: 2\nname: b\nupstream: {routes: [{path: /a}]}\nclient: {calls: [{path: /a}]}\nchecks: [outcome: success]\n",
		"c.yaml": scenarioYAML("c"),
	})
	_, err := LoadPaths([]string{root})
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2, err.Error())
	assert.Contains(t, lines[0], "a.yaml:5:10: checks[0]: unknown check \"retry_after_honored\" (did you mean \"retry_after_honoured\"?)")
	assert.Contains(t, lines[1], "b.yaml:1:10: version")
}

func TestLoadReportsEveryProblem(t *testing.T) {
	src := `version: 1
name: many
tag: [retry]
upstream:
  routes:
    - path: /a
client:
  calls:
    - {path: a}
checks:
  - outcome: success
  - attempt: {max: 3}
  - attempts: {max: 3}
  - timing: {}
`
	_, err := Load("many.yaml", []byte(src))
	require.Error(t, err)
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Equal(t, []string{
		`many.yaml:3:1: unknown key "tag" (did you mean "tags"?)`,
		`many.yaml:9:14: client.calls[0].path: "a" must start with /`,
		`many.yaml:12:5: checks[1]: unknown check "attempt" (did you mean "attempts"?); known checks: ` + strings.Join(CheckNames(), ", "),
		`many.yaml:14:5: checks[3]: unknown check "timing"; known checks: ` + strings.Join(CheckNames(), ", "),
	}, strings.Split(err.Error(), "\n"))
}

func TestKind(t *testing.T) {
	for src, want := range map[string]FileKind{
		scenarioYAML("x"):                KindScenario,
		"routes: []\n":                   KindPlan,
		"seed: 1\nroutes: []\n":          KindPlan,
		"version: 2\ninteractions: []\n": KindCassette,
		"services: {}\n":                 KindOther,
		"version: 1\n":                   KindScenario,
		"name: [":                        KindScenario,
		"":                               KindScenario,
		"- a list\n":                     KindScenario,
		"name: x\nroutes: []\n":          KindScenario,
		"checks: []\ninteractions: []\n": KindScenario,
	} {
		assert.Equal(t, want, Kind([]byte(src)), "%q", src)
	}
}

package cmd

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"
)

// TestDocumentedExamples checks that every faultline command line shown in
// README.md, docs/*.md and each command's Example names a real command
// with flags it accepts: each runs with --help appended, which makes cobra
// parse the command line and stop before running it.
func TestDocumentedExamples(t *testing.T) {
	var lines []string
	files, _ := filepath.Glob("../docs/*.md")
	for _, f := range append([]string{"../README.md"}, files...) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		lines = append(lines, examples(string(data), true)...)
	}
	for _, c := range newRootCmd(os.Stdout, os.Stderr).Commands() {
		lines = append(lines, examples(c.Example, false)...)
	}
	require.Greater(t, len(lines), 20, "the examples were found")
	var script strings.Builder
	for _, l := range lines {
		script.WriteString("# " + l + "\nexec " + l + " --help\n")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "examples.txtar"), []byte(script.String()), 0o644))
	testscript.Run(t, testscript.Params{Dir: dir, RequireExplicitExec: true})
}

var (
	exampleStart = regexp.MustCompile(`^\s*(?:\$ )?(?:[A-Z_]+=\S+ )*(faultline\s.*)$`)
	comment      = regexp.MustCompile(`\s+#\s.*$`)
	doubleQuoted = regexp.MustCompile(`"([^"']*)"`)
)

// examples returns the faultline command lines of text: lines starting with
// "faultline " (after a prompt or environment assignments), joined across
// trailing backslashes, without comments, double quotes turned into the
// single quotes testscript understands, and placeholders like CMD kept.
//
// In Markdown (fenced true) only lines inside ``` blocks count.
func examples(text string, fenced bool) []string {
	var out []string
	inside := !fenced
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if fenced && strings.HasPrefix(strings.TrimSpace(sc.Text()), "```") {
			inside = !inside
			continue
		}
		if !inside {
			continue
		}
		m := exampleStart.FindStringSubmatch(strings.Trim(sc.Text(), "`"))
		if m == nil || strings.Contains(m[1], "|") || strings.Contains(m[1], "`") {
			continue
		}
		if f := strings.Fields(m[1]); strings.HasSuffix(f[1], ":") {
			continue // a transcript's output line ("faultline serve: 12 routes ..."), not a command
		}
		line := m[1]
		for strings.HasSuffix(strings.TrimSpace(line), `\`) && sc.Scan() {
			line = strings.TrimSuffix(strings.TrimSpace(line), `\`) + " " + strings.TrimSpace(sc.Text())
		}
		line = comment.ReplaceAllString(line, "")
		line = doubleQuoted.ReplaceAllString(line, "'$1'")
		for _, part := range strings.Split(line, " && ") {
			out = append(out, strings.TrimSpace(part))
		}
	}
	return out
}

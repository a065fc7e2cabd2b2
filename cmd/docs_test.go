package cmd

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocumentedExamples checks the faultline command lines shown in
// README.md, docs/*.md and each command's Example (subcommands too):
//
//   - each names a real command with flags it accepts: it runs with --help
//     appended, which makes cobra parse the command line and stop;
//   - each runs end to end in a script under testdata/script: a
//     "# doc: LINE" comment there, followed by the exec of the same command
//     with the same flags (values may differ: a local upstream instead of a
//     live API, port 0 and --addr-file instead of a fixed port), or it is in
//     notRun with the reason. A new example without either fails here.
func TestDocumentedExamples(t *testing.T) {
	lines := documentedExamples(t)
	require.Greater(t, len(lines), 20, "the examples were found")
	var script strings.Builder
	for _, l := range lines {
		script.WriteString("# " + l + "\nhelp " + l + "\n")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "examples.txtar"), []byte(script.String()), 0o644))
	testscript.Run(t, testscript.Params{Dir: dir, RequireExplicitExec: true, Cmds: map[string]func(*testscript.TestScript, bool, []string){
		// help runs the line with --help appended in this process: the
		// parse is the same as the binary's, without starting a process
		// per example (a -race binary takes about a second to start on a
		// busy machine, and there are dozens).
		"help": func(ts *testscript.TestScript, _ bool, args []string) {
			if code := Execute(append(args[1:], "--help"), ts.Stdout(), ts.Stderr()); code != ExitOK {
				ts.Fatalf("%s --help: exit %d", strings.Join(args, " "), code)
			}
		},
	}})

	covered := scriptedExamples(t)
	for _, l := range lines {
		why, listed := notRun[l]
		switch {
		case covered[l] && listed:
			t.Errorf("%q runs in a script and is listed in notRun (%s): take it off the list", l, why)
		case !covered[l] && !listed:
			t.Errorf("documented example %q runs in no script: add a \"# doc: %s\" line before its exec in testdata/script, or list it in notRun with the reason", l, l)
		}
	}
	for l := range notRun {
		assert.Contains(t, lines, l, "notRun lists an example no longer documented")
	}
}

// notRun are the documented examples no script runs, each with the reason.
var notRun = map[string]string{
	"faultline run": "runs the whole built-in library (53 scenarios, about 12 s, several times that under -race); " +
		"docs.txtar runs its parts (--only, --shard 2/4, folders)",
	"faultline run --audit ./client/...": "runs the whole built-in library as well as the audit (see faultline run); audit.txtar runs the audit",
	"faultline run --exec './my-client' --tags retry": "./my-client stands for the reader's own program; " +
		"the scenarios package runs clients in Go, Python and Node with --exec (exec_test.go, library_python_test.go)",
	"faultline run --exec 'python3 docs/clients/python_client.py'":           "needs python3 and the whole library; not yet scripted",
	"faultline run --exec 'node docs/clients/fetch_client.mjs' --tags light": "needs node; not yet scripted",
}

// documentedExamples are the example lines of the docs and of every
// command's Example, deduplicated, in order.
func documentedExamples(t *testing.T) []string {
	t.Helper()
	var lines []string
	files, _ := filepath.Glob("../docs/*.md")
	for _, f := range append([]string{"../README.md"}, files...) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		lines = append(lines, examples(string(data), true)...)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		lines = append(lines, examples(c.Example, false)...)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(os.Stdout, os.Stderr))
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// plumbing are the flags a script may add to an example: how it listens
// and learns its address, and plain output.
var plumbing = map[string]bool{"--addr": true, "--admin": true, "--addr-file": true, "--no-color": true}

// scriptedExamples returns the examples the scripts run: each "# doc:"
// line whose next command is an exec of the same command with the same
// flags, plus plumbing.
func scriptedExamples(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("testdata/script/*.txtar")
	require.NoError(t, err)
	root := newRootCmd(io.Discard, io.Discard)
	covered := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc string
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if d, ok := strings.CutPrefix(line, "# doc: "); ok {
				doc = strings.Join(strings.Fields(d), " ")
				continue
			}
			if doc == "" || line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
				continue
			}
			run := strings.TrimPrefix(strings.TrimPrefix(line, "! "), "exec ")
			run = strings.TrimSpace(strings.TrimSuffix(strings.Fields(run + " ")[0]+" "+strings.Join(strings.Fields(run)[1:], " "), "&"))
			want, got := shape(root, doc), shape(root, run)
			if !strings.HasPrefix(run, "faultline") || want.cmd != got.cmd || !sameFlags(want.flags, got.flags) {
				t.Errorf("%s:%d: the command after \"# doc: %s\" is %q: want the same command and flags (plus %v)", f, i+1, doc, line, keys(plumbing))
			}
			covered[doc] = true
			doc = ""
		}
	}
	return covered
}

type cmdShape struct {
	cmd   string
	flags map[string]bool
}

// shape is the command a line runs and the flags it gives.
func shape(root *cobra.Command, line string) cmdShape {
	words := strings.Fields(line)
	if len(words) > 0 && strings.HasSuffix(words[len(words)-1], "&") {
		words = words[:len(words)-1]
	}
	s := cmdShape{flags: map[string]bool{}}
	if len(words) < 1 {
		return s
	}
	c, _, err := root.Find(words[1:])
	if err == nil {
		s.cmd = c.CommandPath()
	}
	for _, w := range words[1:] {
		if strings.HasPrefix(w, "-") {
			name, _, _ := strings.Cut(w, "=")
			s.flags[name] = true
		}
	}
	return s
}

func sameFlags(doc, run map[string]bool) bool {
	for f := range doc {
		if !run[f] {
			return false
		}
	}
	for f := range run {
		if !doc[f] && !plumbing[f] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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

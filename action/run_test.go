package action

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// built is the faultline binary TestMain builds once for every test here.
var built string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faultline-action")
	if err != nil {
		panic(err)
	}
	built = filepath.Join(dir, "faultline")
	out, err := exec.Command("go", "build", "-o", built, "github.com/faultline-dev/faultline").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		panic(fmt.Sprintf("go build: %v\n%s", err, out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func faultline(*testing.T) string { return built }

// runAction runs run.sh in dir with env added to a minimal environment and
// returns its exit code and combined output.
func runAction(t *testing.T, dir string, env ...string) (int, string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found: the action's script needs it")
	}
	script, err := filepath.Abs("run.sh")
	require.NoError(t, err)
	cmd := exec.Command(bash, script)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir()}, env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	require.NoError(t, err, "%s", out)
	return 0, string(out)
}

const passing = "version: 1\nname: passes\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {calls: [{path: /a}]}\nchecks: [outcome: success]\n"

const failing = "version: 1\nname: fails\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {exec: {command: [sh, -c, 'exit 1']}, calls: [{path: /a}]}\nchecks: [outcome: success]\n"

func workspace(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
	return dir
}

func TestActionAppendsSummaryAndKeepsExitCode(t *testing.T) {
	bin := faultline(t)
	dir := workspace(t, map[string]string{"scenarios/ok.yaml": passing, "red/fails.yaml": failing, "out dir/.keep": ""})
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	require.NoError(t, os.WriteFile(summary, []byte("# an earlier step\n"), 0o644))

	code, out := runAction(t, dir, "FAULTLINE_BIN="+bin, "GITHUB_STEP_SUMMARY="+summary,
		`FAULTLINE_ARGS=run scenarios/ --seed 1 --junit "out dir/junit.xml"`)
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "PASS passes")
	assert.FileExists(t, filepath.Join(dir, "out dir", "junit.xml"), "quoted arguments stay one word")

	code, out = runAction(t, dir, "FAULTLINE_BIN="+bin, "GITHUB_STEP_SUMMARY="+summary, "FAULTLINE_ARGS=run red --seed 1")
	assert.Equal(t, 1, code, "faultline's exit code is the step's: %s", out)

	data, err := os.ReadFile(summary)
	require.NoError(t, err)
	text := string(data)
	assert.True(t, strings.HasPrefix(text, "# an earlier step\n"), "appended, never replaced")
	assert.Contains(t, text, "## ✅ faultline run: 1 passed")
	assert.Contains(t, text, "## ❌ faultline run: 1 of 1 failed")
	assert.Less(t, strings.Index(text, "✅"), strings.Index(text, "❌"), "in the order the steps ran")
}

func TestActionSummaryOptions(t *testing.T) {
	bin := faultline(t)
	dir := workspace(t, map[string]string{"ok.yaml": passing})
	summary := filepath.Join(t.TempDir(), "step-summary.md")

	code, out := runAction(t, dir, "FAULTLINE_BIN="+bin, "GITHUB_STEP_SUMMARY="+summary, "FAULTLINE_ARGS=run ok.yaml", "FAULTLINE_SUMMARY=false")
	require.Equal(t, 0, code, out)
	assert.NoFileExists(t, summary, "summary: false leaves the step summary alone")

	code, out = runAction(t, dir, "FAULTLINE_BIN="+bin, "GITHUB_STEP_SUMMARY="+summary, "FAULTLINE_ARGS=run ok.yaml --markdown mine.md")
	require.Equal(t, 0, code, out)
	assert.FileExists(t, filepath.Join(dir, "mine.md"))
	assert.NoFileExists(t, summary, "a --markdown of the user's own is not doubled")

	code, out = runAction(t, dir, "FAULTLINE_BIN="+bin, "GITHUB_STEP_SUMMARY="+summary, "FAULTLINE_ARGS=validate ok.yaml")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "ok ok.yaml")
	assert.NoFileExists(t, summary, "validate writes no summary")
}

// With no binary given, the script installs the requested version with
// go install into a private GOBIN; a fake go records the call.
func TestActionInstallsPinnedVersion(t *testing.T) {
	bin := faultline(t)
	fakeDir := t.TempDir()
	record := filepath.Join(fakeDir, "go-args")
	fakeGo := "#!/bin/sh\necho \"$@\" > " + record + "\necho \"GOBIN=$GOBIN\" >> " + record + "\ncp " + bin + " \"$GOBIN/faultline\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(fakeDir, "go"), []byte(fakeGo), 0o755))
	dir := workspace(t, map[string]string{"ok.yaml": passing})
	runner := t.TempDir()

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	script, _ := filepath.Abs("run.sh")
	cmd := exec.Command(bash, script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + fakeDir + ":" + os.Getenv("PATH"), "RUNNER_TEMP=" + runner, "FAULTLINE_VERSION=v1.2.3", "FAULTLINE_ARGS=run ok.yaml"}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got, err := os.ReadFile(record)
	require.NoError(t, err)
	assert.Equal(t, "install github.com/faultline-dev/faultline@v1.2.3\nGOBIN="+filepath.Join(runner, "faultline-bin")+"\n", string(got))
	assert.Contains(t, string(out), "PASS passes")
}

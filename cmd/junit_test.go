package cmd

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedFile finds name under the shared folder that lives beside the
// repository (../shared from the repo root; from a worktree, a sibling of
// one of its ancestors), or skips the test saying what is missing.
func sharedFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		if p := filepath.Join(dir, "..", "shared", name); fileExists(p) {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("shared/%s not found beside the repository or its parents: clone the shared folder next to the repo to run this test", name)
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// validateJUnit validates a JUnit file against the Jenkins xunit plugin's
// junit-10.xsd with xmllint (Debian's libxml2-utils; .ci/run installs it).
func validateJUnit(t *testing.T, file string) {
	t.Helper()
	xsd := sharedFile(t, "schemas/jenkins-junit-10.xsd")
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found: apt-get install libxml2-utils to validate JUnit against junit-10.xsd")
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, file).CombinedOutput()
	assert.NoError(t, err, "%s does not validate against junit-10.xsd:\n%s", file, out)
}

// execute runs faultline with args and returns its exit code and output.
func execute(args ...string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := Execute(args, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// TestJUnitValidates writes the JUnit report of every command that writes
// one, with passed, failed, skipped and could-not-run cases, and validates
// each against junit-10.xsd.
func TestJUnitValidates(t *testing.T) {
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite")
	require.NoError(t, os.MkdirAll(suite, 0o755))
	scenario := func(name, client string) string {
		return fmt.Sprintf("version: 1\nname: %s\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {%scalls: [{path: /a}]}\nchecks: [outcome: success]\n", name, client)
	}
	for name, src := range map[string]string{
		"pass.yaml":   scenario("passes", ""),
		"fail.yaml":   scenario("fails <&> \"quoted\"", "exec: {command: [sh, -c, 'echo \"gave up\" >&2; exit 1']}, "),
		"error.yaml":  scenario("cannot-start", "exec: {command: [/no/such/client]}, "),
		"webhk.yaml":  "version: 1\nname: skipped\nupstream: {routes: [{path: /a, respond: {status: 200}}]}\nclient: {exec: {command: [true]}, receiver: {scheme: stripe, secret: whsec_x}, calls: [{path: /a}]}\nchecks: [outcome: success]\n",
		"other.yaml":  scenario("passes-too", ""),
		"ignored.txt": "",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(suite, name), []byte(src), 0o644))
	}
	runXML := filepath.Join(dir, "run.xml")
	code, out := execute("run", suite, "--seed", "1", "--junit", runXML)
	require.Equal(t, ExitInternal, code, "a client that cannot start: faultline could not run it\n%s", out)
	validateJUnit(t, runXML)

	passXML := filepath.Join(dir, "pass.xml")
	code, out = execute("run", filepath.Join(suite, "pass.yaml"), "--seed", "1", "--junit", passXML)
	require.Equal(t, ExitOK, code, out)
	validateJUnit(t, passXML)

	// drift: one interaction unchanged, one drifted in shape.
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/b" {
			fmt.Fprint(w, `{"id":1}`)
			return
		}
		fmt.Fprint(w, `{"id":"a"}`)
	}))
	defer live.Close()
	cas := filepath.Join(dir, "api.yaml")
	interaction := func(id int, path string) string {
		return fmt.Sprintf("  - id: %d\n    request: {method: GET, url: %q}\n    response: {code: 200, body: '{\"id\":\"a\"}', headers: {Content-Type: [application/json]}}\n", id, live.URL+path)
	}
	require.NoError(t, os.WriteFile(cas, []byte("version: 2\ninteractions:\n"+interaction(0, "/v1/a")+interaction(1, "/v1/b")), 0o644))
	driftXML := filepath.Join(dir, "drift.xml")
	code, out = execute("drift", "--cassette", cas, "--upstream", live.URL, "--junit", driftXML,
		"--header", "Authorization: Bearer sk_test_drift123", "--header", "X-Trace: t1")
	require.Equal(t, ExitFailed, code, out)
	assert.Contains(t, out, "faultline drift --cassette "+cas+" --upstream '"+live.URL+"'"+` --header "Authorization: $AUTHORIZATION" --header 'X-Trace: t1'`,
		"the reproduce line keeps --upstream and every --header, a credential as a variable")
	assert.NotContains(t, out, "sk_test_drift123")
	validateJUnit(t, driftXML)

	// webhook: a handler that accepts everything fails the forgery cases.
	accepting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer accepting.Close()
	t.Setenv("JUNIT_WHSEC", "whsec_junit")
	hookXML := filepath.Join(dir, "webhook.xml")
	code, out = execute("webhook", "--target", accepting.URL, "--scheme", "stripe", "--secret-env", "JUNIT_WHSEC",
		"--flood-for", "100ms", "--seed", "2", "--junit", hookXML)
	require.Equal(t, ExitFailed, code, out)
	assert.NotRegexp(t, `--case \S+.*--case`, out, "each reproduce line names its case once")
	assert.Regexp(t, `(?m)^  faultline webhook .* --seed 2 --case [a-z-]+$`, out)
	validateJUnit(t, hookXML)

	// An unreachable target or upstream is one line and exit 3, not a failure per case.
	code, out = execute("webhook", "--target", "http://127.0.0.1:1/hook", "--scheme", "stripe", "--secret-env", "JUNIT_WHSEC")
	assert.Equal(t, ExitInternal, code, out)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(out), "\n")+1, out)
	code, out = execute("drift", "--cassette", cas, "--upstream", "http://127.0.0.1:1")
	assert.Equal(t, ExitInternal, code, out)
	assert.Contains(t, out, "--upstream http://127.0.0.1:1: cannot connect")

	// audit: a small package of this repository.
	auditXML := filepath.Join(dir, "audit.xml")
	code, out = execute("audit", "../internal/jsonkind", "--junit", auditXML)
	require.Equal(t, ExitOK, code, out)
	validateJUnit(t, auditXML)
}

package scenarios

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

// TestCarefulPythonClientPassesCredentialsTLSAndPagination runs the
// library's auth, tls and pagination scenarios with a correct client in
// another language (testdata/clients/credentials_client.py, standard
// library only): every check must pass, as with the reference client, so
// the checks judge behaviour, not Go.
func TestCarefulPythonClientPassesCredentialsTLSAndPagination(t *testing.T) {
	if testing.Short() {
		t.Skip("runs fourteen scenarios with a Python client")
	}
	python := interpreter(t, "python3", "-c", "import sys; print(sys.executable)")
	script, err := filepath.Abs("testdata/clients/credentials_client.py")
	require.NoError(t, err)
	lib, err := Library()
	require.NoError(t, err)
	var sub []*Scenario
	for _, sc := range lib {
		if slices.ContainsFunc(sc.Tags, func(tag string) bool { return tag == "auth" || tag == "tls" || tag == "pagination" }) {
			sub = append(sub, sc)
		}
	}
	require.Len(t, sub, 14)
	run, err := Run(context.Background(), sub, Options{Exec: []string{python, script}, Parallel: runtime.NumCPU(), Seed: 1})
	require.NoError(t, err)
	for _, sc := range run.Scenarios {
		if !assert.Equal(t, report.Passed, sc.Status, sc.Name) {
			for _, c := range sc.Checks {
				t.Logf("  %s %s: expected %s, observed %s %s %s", c.Status, c.Name, c.Expected, c.Observed, c.Message, strings.Join(c.Evidence, " | "))
			}
		}
	}
}

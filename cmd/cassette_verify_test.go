package cmd

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/require"
)

// TestCassetteVerifyExitCodes pins the exit codes the script cannot see,
// on the script's own files: 0 conforming, 1 violations, 2 bad input.
func TestCassetteVerifyExitCodes(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/script/cassette_verify.txtar")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range ar.Files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644))
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--spec", p("spec.yaml"), p("good.yaml")}, ExitOK},
		{[]string{"--spec", p("spec.yaml"), p("good.yaml"), p("stale.yaml")}, ExitFailed},
		{[]string{"--spec", p("missing.yaml"), p("good.yaml")}, ExitUsage},
		{[]string{"--spec", p("broken.yaml"), p("good.yaml")}, ExitUsage},
		{[]string{"--spec", p("spec.yaml"), p("good.yaml"), p("broken.yaml")}, ExitUsage},
		{[]string{p("good.yaml")}, ExitUsage},
	} {
		code := Execute(append([]string{"cassette", "verify"}, tc.args...), io.Discard, io.Discard)
		require.Equal(t, tc.code, code, "%v", tc.args)
	}
}

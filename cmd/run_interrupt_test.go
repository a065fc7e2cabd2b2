package cmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

// TestRunInterruptedExits130: a run stopped (its context ends, as SIGINT
// ends it) while scenarios wait on a 5 s upstream exits 130, and the
// terminal, JSON and JUnit reports say interrupted, not failed.
func TestRunInterruptedExits130(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"one", "two", "three"} {
		src := "version: 1\nname: " + name + "\nupstream:\n  routes:\n    - path: /x\n      respond: {status: 200}\n" +
			"      faults: [{latency: {fixed: 5s}}]\nclient:\n  calls: [{method: GET, path: /x}]\nchecks:\n  - outcome: success\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(src), 0o600))
	}
	jsonOut, junitOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	o := &runOptions{paths: []string{dir}, seed: 1, seedGiven: true, parallel: 1, noColor: true, bind: "127.0.0.1"}
	o.reports.json, o.reports.junit = jsonOut, junitOut
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	err := runScenarios(ctx, &stdout, &stderr, o)

	var ee *exitError
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Equal(t, ExitInterrupted, ee.code)
	assert.Contains(t, stdout.String(), "0 passed, 0 failed, 0 skipped, 3 interrupted")
	assert.Contains(t, stdout.String(), "run interrupted")
	assert.NotContains(t, stdout.String(), "reproduce:")

	f, err := os.Open(jsonOut)
	require.NoError(t, err)
	defer f.Close()
	run, err := report.ReadJSON(f)
	require.NoError(t, err)
	assert.True(t, run.Interrupted)
	assert.Equal(t, report.Summary{Total: 3, Interrupted: 3}, run.Summary())
	xml, err := os.ReadFile(junitOut)
	require.NoError(t, err)
	assert.Contains(t, string(xml), `<skipped message="interrupted: `)
	assert.NotContains(t, string(xml), "<failure")
}

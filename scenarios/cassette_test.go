package scenarios

import (
	"context"
	"github.com/faultline-dev/faultline/fault"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/report"
)

func TestCassetteUpstreamReplaysUnderFaults(t *testing.T) {
	sc, err := LoadFile("testdata/cassette/replay-under-faults.yaml")
	require.NoError(t, err)
	res, err := RunOne(context.Background(), sc, Options{Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, report.Passed, res.Status, "%+v", res.Checks)
	require.Len(t, res.Timeline, 2)
	assert.Equal(t, "503", res.Timeline[0].Label)
	assert.Equal(t, "200", res.Timeline[1].Label, "the second attempt is answered from the recording")

	// Without retries the fault layered on the recording fails the call.
	sc.Client.Reference.Policy.Retry.MaxAttempts = 1
	res, err = RunOne(context.Background(), sc, Options{Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, report.Failed, res.Status)
}

func TestCassetteUpstreamErrors(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/cassette/replay-under-faults.yaml")
	require.NoError(t, err)
	file := filepath.Join(dir, "s.yaml")
	require.NoError(t, os.WriteFile(file, src, 0o644))
	_, err = LoadFile(file)
	require.Error(t, err, "the cassette is missing next to the scenario")
	assert.ErrorIs(t, err, fault.ErrInvalid)
	assert.Contains(t, err.Error(), "s.yaml:6:13: upstream.cassette:")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "customers.yaml"), []byte("version: 2\ninteractions: [oops\n"), 0o644))
	_, err = LoadFile(file)
	require.Error(t, err, "a corrupt cassette")
	assert.Contains(t, err.Error(), "upstream.cassette:")
}

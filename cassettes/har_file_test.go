package cassettes

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ImportHARFile saves the redacted cassette, keeps an existing one unless
// told to replace it, and says which errors are bad input.
func TestImportAndExportHARFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.har"), filepath.Join(dir, "sub", "api.yaml")
	writeFile(t, in, sampleHAR)

	cas, _, err := ImportHARFile(in, out, false)
	require.NoError(t, err)
	saved, err := Load(out)
	require.NoError(t, err)
	assert.Len(t, saved.Interactions, len(cas.Interactions))
	assert.Equal(t, Placeholder, saved.Interactions[0].Request.Headers.Get("Authorization"), "redacted before saving")

	_, _, err = ImportHARFile(in, out, false)
	assert.ErrorIs(t, err, fs.ErrExist, "an existing cassette is kept")
	_, _, err = ImportHARFile(in, out, true)
	assert.NoError(t, err, "replace set")

	_, _, err = ImportHARFile(filepath.Join(dir, "missing.har"), filepath.Join(dir, "x.yaml"), false)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	writeFile(t, filepath.Join(dir, "bad.har"), "{\n  \"log\": [\n")
	_, _, err = ImportHARFile(filepath.Join(dir, "bad.har"), filepath.Join(dir, "x.yaml"), false)
	assert.ErrorIs(t, err, ErrInvalidCassette)

	har := filepath.Join(dir, "out.har")
	require.NoError(t, ExportHARFile(out, har))
	back, _, err := ImportHARFile(har, filepath.Join(dir, "again.yaml"), false)
	require.NoError(t, err)
	assert.Len(t, back.Interactions, len(cas.Interactions))

	assert.ErrorIs(t, ExportHARFile(filepath.Join(dir, "missing.yaml"), har), fs.ErrNotExist)
	err = ExportHARFile(out, filepath.Join(dir, "no", "such", "dir", "out.har"))
	require.Error(t, err)
	assert.False(t, errors.Is(err, fs.ErrNotExist), "a write failure is not bad input: %v", err)
	_, statErr := os.Stat(filepath.Join(dir, "x.yaml"))
	assert.ErrorIs(t, statErr, fs.ErrNotExist, "nothing written on bad input")
}

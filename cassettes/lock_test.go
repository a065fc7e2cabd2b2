package cassettes

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two recorders on one cassette: the second is refused and says why, so no
// recording is lost; once the first has saved, the next one adds to it.
func TestRecorderLocksTheCassette(t *testing.T) {
	mux, _, _ := countingUpstream(t)
	live := serve(t, mux)
	path := tempPath(t, "shared.yaml")
	first, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{Mode: ModeNewEpisodes})
	require.NoError(t, err)

	_, err = NewRecorder(mustURL(t, live.URL), path, RecordOptions{Mode: ModeNewEpisodes})
	require.ErrorIs(t, err, ErrLocked)
	assert.Contains(t, err.Error(), fmt.Sprintf("%s: cassette is locked by another process (pid %d)", path, os.Getpid()))
	assert.ErrorIs(t, cassetteOf(it("GET", "http://api.test/x", "", 200, "x")).Save(path), ErrLocked,
		"a save from elsewhere would overwrite the recording too")

	proxy := serve(t, first)
	do(t, proxy.Client(), "GET", proxy.URL+"/v1/known", "")
	require.NoError(t, first.Close())
	_, err = os.Stat(lockPath(path))
	assert.ErrorIs(t, err, os.ErrNotExist, "the lock file goes with the lock")

	second, err := NewRecorder(mustURL(t, live.URL), path, RecordOptions{Mode: ModeNewEpisodes})
	require.NoError(t, err)
	proxy = serve(t, second)
	do(t, proxy.Client(), "GET", proxy.URL+"/v1/unknown", "")
	require.NoError(t, second.Close())
	c, err := Load(path)
	require.NoError(t, err)
	assert.Len(t, c.Interactions, 2, "both recordings kept")
}

// A recorder in another process holds the lock; killed, it leaves none.
func TestRecorderLockAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := tempPath(t, "proc.yaml")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAULTLINE_HOLD_LOCK="+path)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(lockPath(path))
		return err == nil && strings.TrimSpace(string(b)) == fmt.Sprint(cmd.Process.Pid)
	}, 10*time.Second, 10*time.Millisecond, "the child takes the lock")

	_, err := NewRecorder(mustURL(t, "http://127.0.0.1:1"), path, RecordOptions{})
	require.ErrorIs(t, err, ErrLocked)
	assert.Contains(t, err.Error(), fmt.Sprintf("(pid %d)", cmd.Process.Pid))

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	rec, err := NewRecorder(mustURL(t, "http://127.0.0.1:1"), path, RecordOptions{})
	require.NoError(t, err, "the kernel released the dead process's lock")
	assert.ErrorIs(t, rec.Close(), ErrEmptyCassette)
}

// holdLock takes the lock of a cassette and waits to be killed; see
// TestRecorderLockAcrossProcesses.
func holdLock(path string) {
	u, _ := url.Parse("http://127.0.0.1:1")
	if _, err := NewRecorder(u, path, RecordOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	select {}
}

// A temporary file a killed save left beside the cassette goes at the next
// save; other files stay.
func TestSaveRemovesTemporaryLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	left := filepath.Join(dir, ".c.yaml.tmp-12345")
	other := filepath.Join(dir, ".other.yaml.tmp-12345")
	writeFile(t, left, "half a cassette")
	writeFile(t, other, "another cassette's")
	require.NoError(t, cassetteOf(it("GET", "http://api.test/x", "", 200, "x")).Save(path))
	_, err := os.Stat(left)
	assert.True(t, errors.Is(err, os.ErrNotExist), "leftover removed")
	_, err = os.Stat(other)
	assert.NoError(t, err, "another cassette's file is not ours to remove")
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"c.yaml", ".other.yaml.tmp-12345"}, names, "no lock file left either")
}

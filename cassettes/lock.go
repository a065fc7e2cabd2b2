package cassettes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked is wrapped when another process records into, or saves, the
// same cassette: two recorders on one file would lose one's recordings.
var ErrLocked = errors.New("cassette is locked by another process")

// lockPath is the lock file of a cassette: .NAME.lock beside it.
func lockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// lockedError names the holder when the lock file says who it is.
func lockedError(path string) error {
	holder := ""
	if b, err := os.ReadFile(lockPath(path)); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			holder = fmt.Sprintf(" (pid %d)", pid)
		}
	}
	return fmt.Errorf("%s: %w%s: wait for that `faultline record` to stop, or record into another file", path, ErrLocked, holder)
}

// cleanTemps removes temporary files an interrupted save left beside path
// (a save killed between creating and renaming its file). Called under the
// cassette's lock, so no save of this file is in progress.
func cleanTemps(path string) {
	temps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+escapeGlob(filepath.Base(path))+".tmp-*"))
	for _, t := range temps {
		_ = os.Remove(t)
	}
}

func escapeGlob(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

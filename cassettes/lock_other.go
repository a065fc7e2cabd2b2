//go:build !unix

package cassettes

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// fileLock is a lock file created exclusively: without flock, a lock left
// by a killed process stays until it is removed by hand.
type fileLock struct{ path string }

func lock(path string) (*fileLock, error) {
	lp := lockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w (if no faultline record is running, remove %s)", lockedError(path), lp)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	_ = f.Close()
	return &fileLock{path: lp}, nil
}

func (l *fileLock) unlock() {
	if l != nil {
		_ = os.Remove(l.path)
	}
}

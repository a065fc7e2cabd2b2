//go:build unix

package cassettes

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// fileLock is an advisory lock (flock) on a cassette's lock file. The
// kernel releases it when its process dies, so a killed recorder never
// leaves the cassette locked.
type fileLock struct {
	f    *os.File
	path string
}

// lock takes the lock of the cassette at path without waiting.
func lock(path string) (*fileLock, error) {
	lp := lockPath(path)
	for {
		f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, lockedError(path)
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder before us may have removed the file between our open
		// and our flock: then the lock is on a file nobody else sees.
		held, err1 := f.Stat()
		now, err2 := os.Stat(lp)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return &fileLock{f: f, path: lp}, nil
		}
		f.Close()
	}
}

// unlock removes the lock file and releases the lock.
func (l *fileLock) unlock() {
	if l == nil {
		return
	}
	_ = os.Remove(l.path)
	_ = l.f.Close()
}

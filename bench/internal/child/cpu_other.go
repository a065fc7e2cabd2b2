//go:build !unix

package child

import (
	"errors"
	"time"
)

// CPU needs getrusage, which package syscall offers on Unix only.
func CPU() (time.Duration, error) {
	return 0, errors.New("CPU time per request needs getrusage (Linux, macOS, the BSDs)")
}

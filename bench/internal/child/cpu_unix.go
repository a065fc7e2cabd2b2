//go:build unix

package child

import (
	"syscall"
	"time"
)

// CPU is the CPU time (user + system, all threads, so the garbage
// collector's work counts) this process has used, from its own rusage:
// nanosecond-precise on Linux, where /proc's clock ticks (10 ms) would be a
// few percent of a one-second round.
func CPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

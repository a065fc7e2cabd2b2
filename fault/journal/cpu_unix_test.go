//go:build unix

package journal

import "syscall"

// processCPU is the CPU time the process has used, in nanoseconds: what a
// benchmark on a shared machine can compare, where wall time counts other
// processes' load.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

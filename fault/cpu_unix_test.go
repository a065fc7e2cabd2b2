//go:build unix

package fault_test

import "syscall"

// processCPU is the CPU time (user + system, all threads) this process
// has used, in nanoseconds, from its rusage.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

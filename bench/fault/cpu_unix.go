//go:build unix

package main

import (
	"syscall"
	"time"
)

// selfCPU is the CPU time (user + system, all threads) this process has
// used, from its own rusage: nanosecond-precise on Linux, where /proc's
// clock ticks (10 ms) would be a few percent of a one-second round.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

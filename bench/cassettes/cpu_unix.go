//go:build unix && !linux

package main

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, all threads (so the
// garbage collector's work counts).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU has no per-thread clock outside Linux in package syscall: it
// is the process's CPU time, so the received-body passes also count work
// done on other threads (the garbage collector's) there.
func threadCPU() time.Duration { return cpuTime() }

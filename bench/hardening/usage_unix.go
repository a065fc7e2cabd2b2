//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// childUsage is the CPU time and peak resident memory (MB) of a finished
// child process. getrusage reports the peak in KiB on Linux, in bytes on
// macOS and the BSDs.
func childUsage(ps *os.ProcessState) (time.Duration, float64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	rss := float64(ru.Maxrss) / 1024
	if runtime.GOOS != "linux" {
		rss /= 1024
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), rss
}

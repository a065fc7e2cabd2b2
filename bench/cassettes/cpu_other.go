//go:build !unix

package main

import "time"

// cpuTime and threadCPU read no CPU clock on this platform (Windows has no
// getrusage in package syscall): they return 0, so the CPU columns and
// ratios print as 0 and NaN; the wall-clock columns stand.
func cpuTime() time.Duration { return 0 }

func threadCPU() time.Duration { return 0 }

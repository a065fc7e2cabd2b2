//go:build !unix

package main

import (
	"os"
	"time"
)

// childUsage is the child's CPU time; package syscall gives no peak memory
// here, so it reports 0 MB.
func childUsage(ps *os.ProcessState) (time.Duration, float64) {
	return ps.UserTime() + ps.SystemTime(), 0
}

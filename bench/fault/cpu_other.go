//go:build !unix

package main

import (
	"errors"
	"time"
)

// selfCPU needs getrusage, which package syscall offers on Unix only.
func selfCPU() (time.Duration, error) {
	return 0, errors.New("CPU time per request needs getrusage (Linux, macOS, the BSDs)")
}

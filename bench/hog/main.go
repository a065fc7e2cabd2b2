// Command hog keeps every core busy, so that timing-sensitive tests can be
// tried on a machine as loaded as a shared CI runner:
//
//	go run ./bench/hog -for 30m &    # then run the tests; it stops by itself
//
// It runs one spinning goroutine per CPU (or -n), prints how many spins
// each did when it stops, and stops after -for or on SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", runtime.NumCPU(), "busy goroutines (default: one per CPU)")
	d := flag.Duration("for", 10*time.Minute, "stop after this long")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *d)
	defer cancel()
	fmt.Printf("hog: %d busy goroutines for up to %s (pid %d)\n", *n, *d, os.Getpid())
	spins := Spin(ctx, *n)
	fmt.Printf("hog: stopped; %d spins\n", spins)
}

var sink atomic.Uint64

// Spin keeps n goroutines busy until ctx ends and returns how many loops
// they made together.
func Spin(ctx context.Context, n int) uint64 {
	var total atomic.Uint64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var x, spins uint64 = 1, 0
			for ctx.Err() == nil {
				for range 1 << 16 {
					x = x*6364136223846793005 + 1442695040888963407
				}
				spins++
			}
			total.Add(spins)
			sink.Add(x) // keeps the arithmetic from being optimised away
		}()
	}
	wg.Wait()
	return total.Load()
}

// Command webhook measures the webhook campaign's send path against a bare
// net/http client in the same run, and gates it:
//
//	go run ./bench/webhook            # 15-50 s on 2 cores (47 s at load 20)
//	go run ./bench/webhook -rounds 8  # quick
//
// Both sides send the same signed deliveries (webhook.Deliveries: valid
// deliveries of the sample events, signed ahead as the flood case signs
// them) from 16 goroutines to the same loopback receiver, which runs as a
// process of its own (this program re-executed), so this process's CPU
// time is the two clients' alone. The campaign side is the campaign's own
// send path: its client, its per-delivery deadline and its verdict. The
// bare side is http.Client.Do on a client with the campaign's transport
// settings (webhook.Deliveries.BareClient), nothing around it. Both are
// warmed before the first round; in each round each side then sends -n
// deliveries in 8 turns that alternate ABBA (the side that goes first
// alternating too), so both see the same moments of the machine's load
// and neither always inherits the other's garbage.
//
// # Reading a verdict
//
// A round's throughput ratio is the bare client's CPU time per request
// over the campaign's per delivery: the throughput ratio the two would
// reach on CPUs of their own. The run's ratio is the trimmed mean of the
// rounds' ratios (the middle half; the lowest and highest quarter left
// out), which a round that a garbage collection or a neighbour's burst
// lands in does not move. The gate: >= 0.95 of the bare client.
//
// Wall-clock rates print beside it, for reading: deliveries/s, the bare
// client's requests/s, their ratio (the same trimmed mean, of wall time
// per request), and the campaign's rate next to the 32,000 deliveries/s
// issue #12 asked to keep. They do not gate: on a shared 2-core machine
// whose own speed moves by a quarter between minutes, an absolute rate
// says more about the neighbours than about the campaign, and a wall
// ratio spreads several times wider than the CPU ratio under load.
//
// -aa sends the bare client against a second bare client (the true ratio
// is 1): what prints is the estimator's own spread on this machine now.
// -v prints a line per round. Exit status: 0 the gate is met, 1 it is
// missed, 2 the benchmark could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/child"
	"github.com/faultline-dev/faultline/bench/internal/verdict"
	"github.com/faultline-dev/faultline/webhook"
)

// childEnv, set, makes this program the loopback receiver instead.
const childEnv = "FAULTLINE_BENCH_WEBHOOK"

// chunks is how many turns each side takes in a round: the turns
// alternate ABBA, so within a round both sides meet the same moments of
// the machine's load.
const chunks = 8

// target is the gate: the campaign's throughput over the bare client's.
const target = 0.95

// issueRate is the absolute rate issue #12 asked to keep, printed beside
// the measured one for reading.
const issueRate = 32000

func main() {
	if os.Getenv(childEnv) == "receiver" {
		os.Exit(serveReceiver())
	}
	os.Exit(mainCode())
}

// config is what to run.
type config struct {
	rounds, n, workers int
	aa                 bool
	detail             io.Writer // a line per round, or nil
}

func mainCode() int {
	cfg := config{}
	flag.IntVar(&cfg.rounds, "rounds", 40, "rounds; each sends -n deliveries per side")
	flag.IntVar(&cfg.n, "n", 3000, "deliveries per side per round")
	flag.IntVar(&cfg.workers, "workers", 16, "concurrent senders per side")
	flag.BoolVar(&cfg.aa, "aa", false, "A/A: the bare client against a second bare client (true ratio 1)")
	verbose := flag.Bool("v", false, "print each round")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (both clients; samples labelled side=bare or side=campaign) to this file")
	flag.Parse()
	if cfg.rounds < 4 || cfg.workers < 1 || cfg.n < chunks*cfg.workers {
		log.Printf("bench/webhook: -rounds %d -n %d -workers %d: need at least 4 rounds, and -n at least %d times -workers", cfg.rounds, cfg.n, cfg.workers, chunks)
		return 2
	}
	if *verbose {
		cfg.detail = os.Stdout
	}
	if *cpuprofile != "" {
		stop, err := verdict.CPUProfile(*cpuprofile)
		if err != nil {
			log.Printf("bench/webhook: %v", err)
			return 2
		}
		defer stop()
	}
	ok, err := run(os.Stdout, cfg)
	if err != nil {
		log.Printf("bench/webhook: %v", err)
	}
	return verdict.ExitCode(ok, err)
}

func run(w io.Writer, cfg config) (bool, error) {
	recv, err := child.Start("receiver", childEnv+"=receiver")
	if err != nil {
		return false, err
	}
	defer recv.Stop()
	ds, err := webhook.NewDeliveries(webhook.Options{Target: recv.URL, Scheme: "stripe", Secret: "whsec_bench_webhook", Seed: 1}, cfg.n)
	if err != nil {
		return false, err
	}
	defer ds.Close()
	sides := newSides(ds, cfg.aa)
	defer sides.close()
	rounds, err := measure(sides, cfg)
	if err != nil {
		return false, err
	}
	if cfg.aa {
		fmt.Fprintf(w, "A/A (bare against bare, true ratio 1): %s\n", summarize(rounds).describe())
		return true, nil
	}
	return judge(w, rounds), nil
}

// sides are the two senders: send(i) sends delivery i, nil when it was
// acknowledged.
type sides struct {
	bare, ours func(i int) error
	close      func()
}

func newSides(ds *webhook.Deliveries, aa bool) sides {
	bare, other := ds.BareClient(), ds.BareClient()
	bareCtx := pprof.WithLabels(context.Background(), pprof.Labels("side", "bare"))
	oursCtx := pprof.WithLabels(context.Background(), pprof.Labels("side", "campaign"))
	s := sides{
		bare:  labelled(bareCtx, bareSend(bare, ds)),
		ours:  labelled(oursCtx, func(i int) error { return ds.Send(context.Background(), i) }),
		close: func() { bare.CloseIdleConnections(); other.CloseIdleConnections() },
	}
	if aa {
		s.ours = labelled(oursCtx, bareSend(other, ds))
	}
	return s
}

// measure warms both sides, then runs the rounds.
func measure(s sides, cfg config) ([]round, error) {
	for _, send := range []func(int) error{s.bare, s.ours, s.bare, s.ours} {
		if _, err := parallel(cfg.n, cfg.workers, send); err != nil {
			return nil, fmt.Errorf("warming up: %w", err)
		}
	}
	runtime.GC()
	rounds := make([]round, cfg.rounds)
	per := cfg.n / chunks
	for k := range rounds {
		r := &rounds[k]
		for j := range chunks {
			first, second := &r.bare, &r.ours
			sendFirst, sendSecond := s.bare, s.ours
			if (j+k)%2 == 1 {
				first, second, sendFirst, sendSecond = second, first, sendSecond, sendFirst
			}
			if err := timed(first, per, cfg.workers, sendFirst); err != nil {
				return nil, fmt.Errorf("round %d: %w", k+1, err)
			}
			if err := timed(second, per, cfg.workers, sendSecond); err != nil {
				return nil, fmt.Errorf("round %d: %w", k+1, err)
			}
		}
		if cfg.detail != nil {
			fmt.Fprintf(cfg.detail, "round %2d: bare %5.1fus CPU, %6.0f req/s; campaign %5.1fus CPU, %6.0f deliveries/s; ratio %.3f CPU, %.3f wall\n",
				k+1, us(r.bare.cpuPer()), r.bare.rate(), us(r.ours.cpuPer()), r.ours.rate(), r.cpuRatio(), r.wallRatio())
		}
	}
	return rounds, nil
}

// timed has a side send deliveries 0..n-1 and adds the wall and CPU
// time they took to its sample.
func timed(to *sample, n, workers int, send func(int) error) error {
	cpu0, err := child.CPU()
	if err != nil {
		return err
	}
	wall, err := parallel(n, workers, send)
	if err != nil {
		return err
	}
	cpu1, err := child.CPU()
	*to = sample{n: to.n + n, wall: to.wall + wall, cpu: to.cpu + cpu1 - cpu0}
	return err
}

// parallel sends deliveries 0..n-1 from workers goroutines and returns the
// wall time, or the first error.
func parallel(n, workers int, send func(int) error) (time.Duration, error) {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := send(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), first
}

// labelled runs send with ctx's profiler labels, which the goroutines
// it starts (the transport's connection loops) inherit.
func labelled(ctx context.Context, send func(int) error) func(int) error {
	return func(i int) error {
		pprof.SetGoroutineLabels(ctx)
		return send(i)
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

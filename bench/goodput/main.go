// Command goodput puts faultline's reference client and its peers through
// the same bad days and measures what matters to a caller: how many calls
// succeeded within their deadline, and at what cost to the upstream.
//
//	go run ./bench/goodput                 # 3 rounds of every mix, about 2 minutes
//	go run ./bench/goodput -rounds 1 -mix bad-day -v
//	go run ./bench/goodput -mix hard-outage -v -timeline reference,backoff
//	go run ./bench/goodput -try mypolicy.yaml   # the reference client under another policy too
//
// Each mix is a seeded fault plan served by faultline's upstream on
// 127.0.0.1 (see mixes.go): the bad day (503s, a real per-client
// rate limit with Retry-After, resets, resets after the effect, lognormal
// latency, a 2 s outage), a slow degradation, and a hard outage longer than
// the breaker's open time. The workload is the same for every client:
// 8 workers make 320 calls, half GET and half POST, arriving at 40 calls/s
// (seeded Poisson arrivals; a call waits for a free worker), each with a 3 s
// deadline counted from when it arrived. Every client runs against its own upstream with the same plan
// and seed, all clients of a mix at the same time, so that the machine's
// load falls on all of them alike; the order rotates between rounds.
//
// Per client it prints goodput (calls that got a 2xx within their
// deadline), p50 and p99 call latency (from arrival, queueing included), amplification (upstream requests per
// call, from the journal), duplicate effects (a POST whose effect the
// upstream applied twice under different idempotency keys, or without one),
// and the load on the upstream while it was down (requests per second).
// Ranges are the minimum and maximum over the rounds; the verdicts judge the
// reference client with DefaultPolicy() against the targets: goodput
// at least the best peer's less 2 points (medians), no duplicate effect,
// amplification at most 1.7, load while down at most the offered rate. It
// exits 1 when a target is missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/resilience"
)

// settings is the workload, from the flags.
type settings struct {
	rounds, workers, calls int
	rate                   float64 // offered calls per second
	deadline               time.Duration
	seed                   int64
	verbose                bool
	timeline               map[string]bool // clients whose timeline -v prints
}

func main() { os.Exit(mainCode()) }

func mainCode() int {
	s := settings{}
	flag.IntVar(&s.rounds, "rounds", 3, "rounds of every mix (each client runs once per round)")
	flag.IntVar(&s.workers, "workers", 8, "concurrent callers")
	flag.IntVar(&s.calls, "calls", 320, "calls per run")
	flag.Float64Var(&s.rate, "rate", 40, "offered calls per second")
	flag.DurationVar(&s.deadline, "deadline", 3*time.Second, "deadline of each call")
	flag.Int64Var(&s.seed, "seed", 1, "seed of the plans and the workload (round r uses seed+r)")
	only := flag.String("mix", "", "run only this mix (bad-day, slow-degradation, hard-outage)")
	flag.BoolVar(&s.verbose, "v", false, "print every run and why calls failed")
	timelines := flag.String("timeline", "", "with -v, print these clients' timelines (comma-separated names, e.g. reference,backoff)")
	policyFile := flag.String("policy", "", "a resilience policy YAML file for the reference client (default: DefaultPolicy())")
	var tries []string
	flag.Func("try", "also run the reference client with this policy YAML file, as a client named after the file (repeatable; not judged)",
		func(v string) error { tries = append(tries, v); return nil })
	flag.Parse()
	if s.rounds < 1 || s.workers < 1 || s.calls < 1 || s.rate <= 0 || s.deadline <= 0 {
		fmt.Fprintln(os.Stderr, "goodput: -rounds, -workers, -calls, -rate and -deadline must be above zero")
		return 2
	}
	if *policyFile != "" {
		p, err := loadPolicy(*policyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goodput:", err)
			return 2
		}
		referencePolicy = p
	}
	for _, f := range tries {
		p, err := loadPolicy(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goodput:", err)
			return 2
		}
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		peers = append(peers, peer{name, func(seed int64) client {
			return reference{resilience.New(p, resilience.WithSeed(seed))}
		}, true})
	}
	s.timeline = map[string]bool{}
	for _, n := range strings.Split(*timelines, ",") {
		s.timeline[strings.TrimSpace(n)] = true
	}
	selected := slices.DeleteFunc(slices.Clone(mixes), func(m mix) bool { return *only != "" && m.name != *only })
	if len(selected) == 0 {
		fmt.Fprintf(os.Stderr, "goodput: -mix %q: use bad-day, slow-degradation or hard-outage\n", *only)
		return 2
	}
	fmt.Printf("goodput: %d rounds, %d workers x %d calls at %.0f calls/s, %s deadline, seed %d\n",
		s.rounds, s.workers, s.calls, s.rate, s.deadline, s.seed)
	ok := true
	for _, m := range selected {
		rows, err := measureMix(m, s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "goodput:", err)
			return 2
		}
		ok = printMix(m, s, rows) && ok
	}
	if !ok {
		return 1
	}
	return 0
}

// loadPolicy reads a resilience policy file: DefaultPolicy() with the
// file's keys.
func loadPolicy(name string) (resilience.Policy, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return resilience.Policy{}, err
	}
	return resilience.LoadPolicy(name, data)
}

// measureMix runs every client on m for every round.
func measureMix(m mix, s settings) (map[string][]result, error) {
	rows := map[string][]result{}
	for r := range s.rounds {
		seed := s.seed + int64(r)
		order := slices.Clone(peers)
		rotate(order, r)
		res := make([]result, len(order))
		errs := make([]error, len(order))
		var wg sync.WaitGroup
		for i, p := range order {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], errs[i] = runOnce(m, p, s, seed)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for i, p := range order {
			rows[p.name] = append(rows[p.name], res[i])
			if s.verbose {
				fmt.Printf("  round %d %-16s %-14s %s\n%s", r+1, m.name, p.name, res[i].line(m), res[i].timeline)
			}
		}
	}
	return rows, nil
}

func rotate[T any](xs []T, n int) {
	n %= len(xs)
	copy(xs, append(xs[n:len(xs):len(xs)], xs[:n]...))
}

// runOnce serves m on its own upstream and drives the workload through a
// fresh client of p.
func runOnce(m mix, p peer, s settings, seed int64) (result, error) {
	plan, err := m.load(seed)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", m.name, err)
	}
	// The plan's clock starts at the first request, so that every client
	// meets the outage at the same point of its workload, however long
	// its run took to start on a busy machine.
	srv := fault.NewServer(plan, fault.WithJournalSize(1<<16), fault.WithLogger(slog.New(slog.DiscardHandler)),
		fault.WithStartAtFirstRequest())
	cl := p.make(seed)
	calls, at := workload(s, seed)
	start := time.Now()
	outcomes := drive(cl, srv.URL, calls, at, s)
	cl.close()
	srv.Close()
	r := judge(outcomes, srv.Journal().Entries(), m, s)
	if s.timeline[p.name] {
		r.timeline = timeline(p.name, outcomes, at, srv.Journal().Entries(), start)
	}
	return r, nil
}

// outcome is how one call ended, as its caller saw it.
type outcome struct {
	took time.Duration
	err  error
}

// workload is the seeded list of calls and their arrival times.
func workload(s settings, seed int64) ([]call, []time.Duration) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x600d))
	calls := make([]call, s.calls)
	at := make([]time.Duration, s.calls)
	var t float64
	for i := range calls {
		t += rng.ExpFloat64() / s.rate
		at[i] = time.Duration(t * float64(time.Second))
		calls[i] = call{method: "GET", path: fmt.Sprintf("/v1/orders/ord_%d", i), id: fmt.Sprintf("call-%04d", i)}
		if rng.IntN(2) == 0 {
			calls[i] = call{method: "POST", path: "/v1/orders", id: calls[i].id,
				body: fmt.Appendf(nil, `{"amount":%d,"currency":"usd"}`, 100+i)}
		}
	}
	return calls, at
}

// drive makes the calls across s.workers workers. Call i is due at at[i];
// a worker takes it then, or when one is free, and its deadline counts from
// when it was due: a client that holds its workers for long makes the calls
// behind it wait, as a real caller's queue would. A call taken after its
// deadline fails without being sent.
func drive(cl client, base string, calls []call, at []time.Duration, s settings) []outcome {
	out := make([]outcome, len(calls))
	next := make(chan int)
	start := time.Now()
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				due := start.Add(at[i])
				out[i] = callOnce(cl, base, calls[i], due, due.Add(s.deadline))
			}
		}()
	}
	for i := range calls {
		time.Sleep(time.Until(start.Add(at[i])))
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func callOnce(cl client, base string, c call, due, deadline time.Time) outcome {
	if !time.Now().Before(deadline) {
		return outcome{took: time.Since(due), err: errQueued}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := cl.do(ctx, base, c)
	o := outcome{took: time.Since(due), err: err}
	if err == nil && time.Now().After(deadline) {
		o.err = context.DeadlineExceeded
	}
	return o
}

var errQueued = errors.New("no worker free before the deadline")

// reason names why a call failed, for -v.
func reason(err error) string {
	for _, r := range []error{resilience.ErrCircuitOpen, resilience.ErrBudgetExhausted, resilience.ErrRetryAfterTooLong,
		resilience.ErrDeadline, resilience.ErrRetriesExhausted, resilience.ErrNotRetryable, resilience.ErrBulkheadFull,
		context.DeadlineExceeded, errStatus, errQueued} {
		if errors.Is(err, r) {
			return strings.TrimPrefix(r.Error(), "resilience: ")
		}
	}
	return "other"
}

func reasons(out []outcome) string {
	n := map[string]int{}
	for _, o := range out {
		if o.err != nil {
			n[reason(o.err)]++
		}
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", n[k], k)
	}
	return strings.Join(parts, ", ")
}

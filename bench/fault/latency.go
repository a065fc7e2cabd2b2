package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

const (
	latencyConns = 100
	injected     = 100 * time.Millisecond
	// latencyWindows per server of latencyWindow each, in ABBA order:
	// about 8,000 requests per server, so a stall of the machine (or of
	// the load generator, which times both servers) that holds a dozen
	// requests is an eighth of the p99's share, not a quarter; and half-
	// second windows interleave the servers finely, so a burst of load
	// from elsewhere falls on both alike.
	latencyWindows = 16
	latencyWindow  = 500 * time.Millisecond
)

// latencyRun is what one run of the latency row measured: each timed
// request's client-observed duration per server (faultline, bare), the
// same per window, and each server's usage over the timed windows.
type latencyRun struct {
	lat     [2][]time.Duration
	windows [2][][]time.Duration
	used    [2]usage
	loader  loaderGC
}

// loaderGC is what the load generator's collector did over the timed
// windows: its cycles and the bytes it allocated.
type loaderGC struct {
	gcs   uint32
	bytes uint64
}

// holdGC keeps the load generator's garbage collector out of the timed
// windows until the function it returns is called, which records in gc
// what it did meanwhile and restores the collector's settings. The load
// generator times both servers, so each of its collections (26 in one
// run of the row at load 12: a stop of up to 3ms, then 2-14ms of marking
// on one of the two cores) held up whichever server's answers arrived
// then: about 1% of a row's time, the p99's whole share. The timed
// windows allocate about 80MB (see -v); the memory limit bounds a
// runaway.
func holdGC(gc *loaderGC) func() {
	var ms runtime.MemStats
	runtime.GC() // start with what the warm-up left collected
	runtime.ReadMemStats(&ms)
	gcs, bytes := ms.NumGC, ms.TotalAlloc
	pct, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(2<<30)
	return func() {
		runtime.ReadMemStats(&ms)
		gc.gcs, gc.bytes = ms.NumGC-gcs, ms.TotalAlloc-bytes
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

// latencyRows runs the latency row repeat times, fresh servers each time,
// prints each run's verdict and, over several runs, how they spread.
func latencyRows(ctx context.Context, w io.Writer, repeat int) (bool, error) {
	pass := true
	var runs []latencyRun
	for rep := range repeat {
		if repeat > 1 {
			fmt.Fprintf(w, "latency run %d of %d, load average %s\n", rep+1, repeat, loadAverage())
		}
		run, err := latency(ctx)
		if err != nil {
			return false, err
		}
		pass = run.report(w) && pass
		runs = append(runs, run)
	}
	if repeat > 1 {
		printLatencySpread(w, runs)
	}
	return pass, nil
}

// latencyOrder is which server window k measures first: faultline (0),
// then the bare one (1), then the other way round, so the sequence runs
// ABBA ABBA and a machine whose load drifts during the row (a long series
// winding down) weighs on both alike, where ABAB would put the first
// server always earlier.
func latencyOrder(k int) [2]int {
	if k%2 == 0 {
		return [2]int{0, 1}
	}
	return [2]int{1, 0}
}

// latency serves a fixed injected delay to many connections at once and
// measures each request's duration as the client sees it. A bare server
// that waits on a timer is measured in the same run, in alternating
// windows: its p99 is what the machine (scheduling, the load generator)
// adds to any delay, so a miss shows whether it is faultline's or the
// machine's. Each server keeps its connections from window to window
// (one dial each, in the untimed warm-up window): a window is all
// requests.
func latency(ctx context.Context) (run latencyRun, err error) {
	var servers [2][]*server // faultline, bare
	var clients [2]*http.Client
	for i, kind := range []string{"latency", "bare-latency"} {
		s, err := startServer(kind, "")
		if err != nil {
			return run, err
		}
		defer s.Stop()
		servers[i] = []*server{s}
		client, done := latencyClient()
		defer done()
		clients[i] = client
	}
	for _, i := range latencyOrder(0) { // warm-up: dial, first requests, untimed
		if _, err := timedWindow(ctx, clients[i], servers[i][0].URL); err != nil {
			return run, err
		}
	}
	before, err := usages(servers)
	if err != nil {
		return run, err
	}
	defer holdGC(&run.loader)()
	for k := range latencyWindows {
		for _, i := range latencyOrder(k) {
			got, err := timedWindow(ctx, clients[i], servers[i][0].URL)
			if err != nil {
				return run, err
			}
			run.lat[i] = append(run.lat[i], got...)
			run.windows[i] = append(run.windows[i], got)
		}
	}
	after, err := usages(servers)
	for i := range run.used {
		run.used[i] = after[i][0].minus(before[i][0])
	}
	return run, err
}

// latencyClient is a client with a connection for each of latencyConns
// workers, kept between windows; done closes them.
func latencyClient() (*http.Client, func()) {
	tr := &http.Transport{MaxIdleConnsPerHost: latencyConns, MaxConnsPerHost: latencyConns, DisableCompression: true}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, tr.CloseIdleConnections
}

// timedWindow runs latencyConns workers against url for latencyWindow,
// each starting a request as soon as its last one is answered, and returns
// each request's duration. The workers start spread over one injected
// delay, as independent clients would, instead of all at once.
func timedWindow(ctx context.Context, client *http.Client, url string) ([]time.Duration, error) {
	target := targets(url, false, 0)
	var mu sync.Mutex
	var lat []time.Duration
	var errs []error
	var wg sync.WaitGroup
	for i := range latencyConns {
		next := target(i)
		wg.Go(func() {
			time.Sleep(injected * time.Duration(i) / latencyConns)
			var mine []time.Duration
			var err error
			for end := time.Now().Add(latencyWindow); err == nil && time.Now().Before(end); {
				t0 := time.Now()
				if err = get(ctx, client, next); err == nil {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat, errs = append(lat, mine...), append(errs, err)
		})
	}
	wg.Wait()
	return lat, errors.Join(errs...)
}

// quantile is the q-quantile of sorted durations (the nearest rank below).
func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

// percentiles sorts a copy of d and returns its p50 and p99.
func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Sorted(slices.Values(d))
	return quantile(s, 0.50), quantile(s, 0.99)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// report prints the run's verdicts: faultline's own p50 and p99 against
// the targets, the bare server's beside them for reading.
func (run latencyRun) report(w io.Writer) bool {
	var p50, p99 [2]time.Duration
	for i := range run.lat {
		if len(run.lat[i]) == 0 {
			return report(w, "latency: no requests completed", false)
		}
		p50[i], p99[i] = percentiles(run.lat[i])
	}
	if detail != nil {
		run.printWindows(detail)
	}
	ok50 := report(w, fmt.Sprintf("latency %s x %d connections, %d requests: p50 %.2fms (target %s ±2ms); a bare timer server in the same run: %.2fms",
		injected, latencyConns, len(run.lat[0]), ms(p50[0]), injected, ms(p50[1])), (p50[0]-injected).Abs() <= 2*time.Millisecond)
	ok99 := report(w, fmt.Sprintf("latency %s x %d connections: p99 %.2fms (target < %s +5ms); a bare timer server in the same run: %.2fms (what the machine adds)",
		injected, latencyConns, ms(p99[0]), injected, ms(p99[1])), p99[0] < injected+5*time.Millisecond)
	return ok50 && ok99
}

// printWindows prints each window's p50 and p99 per server, in the order
// they ran, and each server's CPU per request and garbage collections
// over the timed windows (-v).
func (run latencyRun) printWindows(w io.Writer) {
	name := [2]string{"faultline", "bare"}
	for k := range latencyWindows {
		for _, i := range latencyOrder(k) {
			p50, p99 := percentiles(run.windows[i][k])
			fmt.Fprintf(w, "latency window %2d %-9s %4d requests: p50 %.2fms p99 %.2fms\n", k, name[i], len(run.windows[i][k]), ms(p50), ms(p99))
		}
	}
	fmt.Fprintf(w, "latency load generator: %d GC cycles, %.0fMB allocated over the timed windows\n", run.loader.gcs, float64(run.loader.bytes)/1e6)
	for i, u := range run.used {
		fmt.Fprintf(w, "latency %-9s CPU/request %.1fus, %.1f allocs/request, %d GC cycles over the timed windows\n",
			name[i], us(u.cpu)/float64(len(run.lat[i])), float64(u.mallocs)/float64(len(run.lat[i])), u.gcs)
	}
}

// printLatencySpread prints each run's p99 for both servers and how many
// runs missed the p99 target.
func printLatencySpread(w io.Writer, runs []latencyRun) {
	missed := 0
	var fl, bare []string
	for _, run := range runs {
		_, p99 := percentiles(run.lat[0])
		_, b99 := percentiles(run.lat[1])
		fl, bare = append(fl, fmt.Sprintf("%.2f", ms(p99))), append(bare, fmt.Sprintf("%.2f", ms(b99)))
		if p99 >= injected+5*time.Millisecond {
			missed++
		}
	}
	fmt.Fprintf(w, "latency p99 over %d runs (ms): faultline %v, bare %v; %d of %d missed the target\n", len(runs), fl, bare, missed, len(runs))
}

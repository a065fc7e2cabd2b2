package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/child"
	"github.com/faultline-dev/faultline/bench/internal/verdict"
	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
	"github.com/faultline-dev/faultline/internal/logbuf"
	"github.com/faultline-dev/faultline/internal/reqlog"
)

// childEnv names the server a re-executed bench/fault runs instead of the
// benchmark, so each server's CPU time is its own process's, free of the
// load generator's.
const childEnv = "FAULTLINE_BENCH_SERVER"

// interactions is the size of the replayed cassette.
const interactions = 10000

// serveChild serves one kind of server on a loopback port, prints "ready
// URL", then answers each line on stdin with "stats CPU-NS MALLOCS GCS
// GC-CPU-NS" (its CPU time so far, its allocation count, its garbage
// collection cycles and the runtime's estimate of their CPU time) until
// stdin closes.
func serveChild(kind, upstream string) int {
	h, flush, err := childHandler(kind, upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/fault server:", err)
		return 2
	}
	srv, addr, err := serveOn(h)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/fault server:", err)
		return 2
	}
	defer srv.Close()
	if dir := os.Getenv(childEnv + "_PROFILES"); dir != "" {
		stop, err := verdict.CPUProfile(filepath.Join(dir, kind+".pprof"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/fault server:", err)
			return 2
		}
		defer stop()
	}
	fmt.Printf("ready %s\n", addr)
	in := bufio.NewScanner(os.Stdin)
	gc := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	for in.Scan() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		metrics.Read(gc)
		cpu, err := child.CPU()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/fault server:", err)
			return 2
		}
		fmt.Printf("stats %d %d %d %d\n", cpu, ms.Mallocs, ms.NumGC, int64(gc[0].Value.Float64()*1e9))
	}
	flush()
	return 0
}

// childHandler builds kind's handler as `faultline serve` and `faultline
// replay` do: JSON request log (to stderr, /dev/null here, through the same
// batching writer), metrics observer, journal.
func childHandler(kind, upstream string) (http.Handler, func(), error) {
	out := logbuf.New(os.Stderr)
	logger := slog.New(reqlog.NewJSON(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	metrics := admin.NewMetrics()
	opts := []fault.Option{fault.WithLogger(logger), fault.WithObserver(metrics.Observe)}
	flush := func() { _ = out.Close() }
	u, _ := url.Parse(upstream)
	switch kind {
	case "bare":
		return bareHandler(), flush, nil
	case "stub":
		return fault.Wrap(nil, stubPlan(), opts...), flush, nil
	case "latency":
		p, err := latencyPlan()
		return fault.Wrap(nil, p, opts...), flush, err
	case "bare-latency":
		return bareLatency(), flush, nil
	case "proxy":
		return fault.Wrap(fault.NewProxy(u), &fault.Plan{Routes: []fault.Route{{Name: "x", Match: fault.Match{Path: "/x"}}}}, opts...), flush, nil
	case "forward":
		return forwardOnly(u), flush, nil
	case "replay":
		rp := cassettes.NewReplayer(replayCassette(), cassettes.ReplayOptions{Logger: logger})
		return fault.Wrap(rp, nil, opts...), flush, nil
	case "bare-replay":
		return bareReplay(), flush, nil
	}
	return nil, nil, fmt.Errorf("unknown server %q", kind)
}

func stubPlan() *fault.Plan {
	return &fault.Plan{Routes: []fault.Route{{Name: "x", Match: fault.Match{Path: "/x"},
		Respond: &fault.Response{Headers: map[string]string{"Content-Type": "application/json"}, Body: body}}}}
}

// latencyPlan is the stub with a fixed injected delay before the headers.
func latencyPlan() (*fault.Plan, error) {
	delay, err := fault.LoadPlan("latency.yaml", fmt.Appendf(nil, "routes:\n  - path: /x\n    faults:\n      - latency: {fixed: %s}\n", injected))
	if err != nil {
		return nil, err
	}
	p := stubPlan()
	p.Routes[0].Rules = delay.Routes[0].Rules
	return p, nil
}

// bareLatency is the least a delaying server does: wait on a timer, then
// answer. What it adds to the delay is what the machine adds.
func bareLatency() http.Handler {
	h := bareHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(injected)
		defer t.Stop()
		select {
		case <-t.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

func bareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// replayPath and replayBody are interaction i's request path and response.
func replayPath(i int) string { return fmt.Sprintf("/v1/customers/cus_%05d", i) }
func replayBody(i int) string {
	return fmt.Sprintf(`{"id":"cus_%05d","object":"customer","email":"u%d@example.com","balance":%d,"currency":"usd","delinquent":false,"livemode":false}`, i, i, i*7)
}

func replayCassette() *cassettes.Cassette {
	c := &cassettes.Cassette{Version: cassettes.FormatVersion}
	hdr := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i < interactions; i++ {
		c.Interactions = append(c.Interactions, &cassettes.Interaction{ID: i,
			Request:  cassettes.Request{Method: "GET", URL: "https://api.example.com" + replayPath(i), Headers: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1},
			Response: cassettes.Response{Code: 200, Status: "200 OK", Body: replayBody(i), Headers: hdr.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(replayBody(i)))},
		})
	}
	return c
}

// bareReplay is the least a replay server does: look the path up in a map
// and write the recorded body.
func bareReplay() http.Handler {
	m := make(map[string][]byte, interactions)
	for i := 0; i < interactions; i++ {
		m[replayPath(i)] = []byte(replayBody(i))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := m[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

// replayTarget picks a random interaction's path from a seeded source.
func replayTarget(base string, seed uint64) func() (string, string) {
	rng := rand.New(rand.NewPCG(seed, 12))
	return func() (string, string) {
		i := rng.IntN(interactions)
		return base + replayPath(i), fmt.Sprintf(`"id":"cus_%05d"`, i)
	}
}

// Command contract measures what judging requests against an OpenAPI spec
// costs `faultline serve`, and how long the largest real spec takes to
// load and serve:
//
//	go run ./bench/contract
//
// Overhead: two servers, each a process of its own (this program
// re-executed) built as serve builds them, answer the same POST
// /v1/orders with the same plan route; one also validates every request
// against a spec (`serve --config plan.yaml --spec orders.yaml`). Over
// rounds of keep-alive load on both servers at once, each server's CPU
// time (user + system, from getrusage in the server) is divided by the
// requests it answered. The ratio spec/stub must be at most 1.5.
// FAULTLINE_BENCH_CONTRACT_SERVER_CPUPROFILE=FILE writes each server's CPU
// profile to FILE.stub and FILE.spec.
//
// Largest spec: DigitalOcean's (2,900 files, 659 operations), read in
// place from ../shared/realworld (skipped, with the reason, when absent):
// the time contract.Load takes, then the time to serve every operation
// once over loopback (first answers compile their schemas).
//
// It exits 1 if the target is missed, 2 if it cannot run. About 30
// seconds on 2 cores.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/child"
)

const (
	conns       = 16 // concurrent keep-alive connections per server
	rounds      = 5  // rounds, each loading both servers at once
	roundLength = time.Second
	target      = 1.5 // spec CPU per request / stub CPU per request, at most
	deadline    = 180 * time.Second
)

func main() {
	if kind := os.Getenv(childEnv); kind != "" {
		os.Exit(serveChild(kind))
	}
	os.Exit(mainCode())
}

func mainCode() int {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	code := overhead(ctx)
	if c := largestSpec(ctx); c > code {
		code = c
	}
	return code
}

// overhead compares the spec server's CPU per request with the stub's.
// Both servers are loaded at the same time, round after round, so
// whatever else the machine runs weighs on both alike (alternating
// rounds left each at the mercy of the other engineers' jobs of its
// second: the ratio swung by ±0.2 at a load average of 10).
func overhead(ctx context.Context) int {
	kinds := []string{"stub", "spec"}
	servers := make([]*server, len(kinds))
	for i, kind := range kinds {
		s, err := startServer(kind)
		if err != nil {
			log.Printf("bench/contract: %v", err)
			return 2
		}
		defer s.Stop()
		servers[i] = s
	}
	cpu := make([]time.Duration, len(kinds))
	reqs := make([]int64, len(kinds))
	for r := 0; r < rounds; r++ {
		if err := round(ctx, servers, cpu, reqs); err != nil {
			log.Printf("bench/contract: %v", err)
			return 2
		}
	}
	per := func(i int) time.Duration { return cpu[i] / time.Duration(max(reqs[i], 1)) }
	ratio := float64(per(1)) / float64(per(0))
	verdict := "PASS"
	if ratio > target {
		verdict = "FAIL"
	}
	fmt.Printf("request validation: stub %s CPU/request (%d requests), stub + spec %s CPU/request (%d requests)\n",
		per(0), reqs[0], per(1), reqs[1])
	fmt.Printf("%s validation overhead %.2fx the stub's CPU per request (target <= %.1fx)\n", verdict, ratio, target)
	if verdict == "FAIL" {
		return 1
	}
	return 0
}

// round loads every server at once for roundLength and adds the CPU time
// each used and the requests each answered.
func round(ctx context.Context, servers []*server, cpu []time.Duration, reqs []int64) error {
	before := make([]time.Duration, len(servers))
	for i, s := range servers {
		c, err := serverCPU(s)
		if err != nil {
			return err
		}
		before[i] = c
	}
	n := make([]int64, len(servers))
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n[i], errs[i] = load(ctx, s.URL+"/v1/orders", roundLength)
		}()
	}
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			return fmt.Errorf("%s server: %w", s.Kind, errs[i])
		}
		after, err := serverCPU(s)
		if err != nil {
			return err
		}
		cpu[i] += after - before[i]
		reqs[i] += n[i]
	}
	return nil
}

// server is a re-executed bench/contract serving one kind of server.
type server = child.Process

func startServer(kind string) (*server, error) {
	return child.Start(kind, childEnv+"="+kind)
}

// serverCPU asks the server for its CPU time so far.
func serverCPU(s *server) (time.Duration, error) {
	answer, err := s.Ask("cpu")
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(strings.TrimPrefix(answer, "cpu "), 10, 64)
	return time.Duration(ns), err
}

// load posts the order to target from conns keep-alive connections for d
// and returns how many requests were answered 201.
func load(ctx context.Context, target string, d time.Duration) (int64, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if err := post(ctx, client, target); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	return total.Load(), firstErr
}

func post(ctx context.Context, c *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(reqBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("the benchmark ran past its %s limit", deadline)
		}
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err == nil && (resp.StatusCode != http.StatusCreated || !bytes.Equal(got, respBody)) {
		err = fmt.Errorf("status %d, body %.200s", resp.StatusCode, got)
	}
	return err
}

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
// alternating rounds of keep-alive load, each server's CPU time (user +
// system, from getrusage in the server) is divided by the requests it
// answered. The ratio spec/stub must be at most 1.5.
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
	conns       = 16 // concurrent keep-alive connections
	rounds      = 5  // alternating rounds per server
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
func overhead(ctx context.Context) int {
	servers := map[string]*server{}
	for _, kind := range []string{"stub", "spec"} {
		s, err := startServer(kind)
		if err != nil {
			log.Printf("bench/contract: %v", err)
			return 2
		}
		defer s.Stop()
		servers[kind] = s
	}
	cpu := map[string]time.Duration{}
	reqs := map[string]int64{}
	for r := 0; r < rounds; r++ {
		for _, kind := range []string{"stub", "spec"} {
			s := servers[kind]
			before, err := serverCPU(s)
			if err != nil {
				log.Printf("bench/contract: %v", err)
				return 2
			}
			n, err := load(ctx, s.URL+"/v1/orders", roundLength)
			if err != nil {
				log.Printf("bench/contract: %s server: %v", kind, err)
				return 2
			}
			after, err := serverCPU(s)
			if err != nil {
				log.Printf("bench/contract: %v", err)
				return 2
			}
			cpu[kind] += after - before
			reqs[kind] += n
		}
	}
	per := func(kind string) time.Duration { return cpu[kind] / time.Duration(max(reqs[kind], 1)) }
	ratio := float64(per("spec")) / float64(per("stub"))
	verdict := "PASS"
	if ratio > target {
		verdict = "FAIL"
	}
	fmt.Printf("request validation: stub %s CPU/request (%d requests), stub + spec %s CPU/request (%d requests)\n",
		per("stub"), reqs["stub"], per("spec"), reqs["spec"])
	fmt.Printf("%s validation overhead %.2fx the stub's CPU per request (target <= %.1fx)\n", verdict, ratio, target)
	if verdict == "FAIL" {
		return 1
	}
	return 0
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

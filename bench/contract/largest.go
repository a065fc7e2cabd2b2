package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/fault"
)

// largestFile is DigitalOcean's spec under shared/realworld/openapi.
const largestFile = "digitalocean/specification/DigitalOcean-public.v2.yaml"

// largestSpec loads the largest real spec and serves each of its
// operations once over loopback, printing the times; the figures are
// reported, not gated (they depend on the machine, and on its load).
func largestSpec(ctx context.Context) int {
	path, ok := realworld(largestFile)
	if !ok {
		fmt.Printf("SKIP largest spec: %s not found in a shared/realworld/openapi beside the repository\n", largestFile)
		return 0
	}
	start := time.Now()
	spec, err := contract.Load(path)
	if err != nil {
		log.Printf("bench/contract: %v", err)
		return 2
	}
	loaded := time.Since(start)
	h := fault.Wrap(spec.Handler(1), &fault.Plan{}, fault.WithLogger(slog.New(slog.DiscardHandler)), fault.WithInspect(spec.Inspect))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Printf("bench/contract: %v", err)
		return 2
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	served, first, codes, err := sweep(ctx, spec, "http://"+ln.Addr().String())
	if err != nil {
		log.Printf("bench/contract: %v", err)
		return 2
	}
	ops := len(spec.Operations())
	fmt.Printf("largest spec (DigitalOcean, %d operations): loaded in %s; first request answered %s after start; every operation served once in %s (%s per operation); statuses %v\n",
		ops, loaded.Round(time.Millisecond), (loaded + first).Round(time.Millisecond), served.Round(time.Millisecond),
		(served / time.Duration(ops)).Round(time.Microsecond), codes)
	return 0
}

// sweep sends each operation's example request once and returns the time
// taken, the first answer's time and how many answers got each status.
func sweep(ctx context.Context, spec *contract.Spec, base string) (time.Duration, time.Duration, map[int]int, error) {
	u, _ := url.Parse(base)
	client := &http.Client{Timeout: 30 * time.Second}
	codes := map[int]int{}
	var first time.Duration
	start := time.Now()
	for i, op := range spec.Operations() {
		req, err := spec.ExampleRequest(op, 1)
		if err != nil {
			return 0, 0, nil, fmt.Errorf("%s: %w", op.Name(), err)
		}
		req = req.WithContext(ctx)
		req.URL.Scheme, req.URL.Host, req.Host, req.RequestURI = u.Scheme, u.Host, u.Host, ""
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[resp.StatusCode]++
		if i == 0 {
			first = time.Since(start)
		}
	}
	return time.Since(start), first, codes, nil
}

// realworld finds shared/realworld/openapi/name beside the repository,
// walking up from the working directory.
func realworld(name string) (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "realworld", "openapi", name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

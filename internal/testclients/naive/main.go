// Command naive is a deliberately naive API client, kept so faultline's
// tests can show that the scenario library tells a careless integration
// from a resilient one. It follows the external-client contract (see
// package scenarios): it reads FAULTLINE_URL and FAULTLINE_CALLS and makes
// each call with a plain net/http client that has no timeout and never
// retries. Any transport error or status >= 400 is printed on stderr and
// makes it exit 1; otherwise it exits 0. It sends no X-Request-Id and no
// Idempotency-Key, and does not look at response bodies beyond reading them.
//
// Do not copy it: it is the example of what not to do.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// call is one entry of FAULTLINE_CALLS.
type call struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
	Count       int               `json:"count"`
	Concurrency int               `json:"concurrency"`
	Pace        time.Duration     `json:"pace_ns"`
}

func main() {
	base := os.Getenv("FAULTLINE_URL")
	var calls []call
	if err := json.Unmarshal([]byte(os.Getenv("FAULTLINE_CALLS")), &calls); err != nil || base == "" {
		fmt.Fprintln(os.Stderr, "naive: need FAULTLINE_URL and FAULTLINE_CALLS (a JSON list of calls)")
		os.Exit(2)
	}
	var mu sync.Mutex
	failed := 0
	for _, c := range calls {
		each(c, func() {
			if err := do(base, c); err != nil {
				mu.Lock()
				failed++
				fmt.Fprintln(os.Stderr, "naive:", err)
				mu.Unlock()
			}
		})
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// do makes one plain request: no timeout, no retry.
func do(base string, c call) error {
	req, err := http.NewRequest(c.Method, base+c.Path, bytes.NewBufferString(c.Body))
	if err != nil {
		return err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return fmt.Errorf("%s %s: reading the body: %w", c.Method, c.Path, err)
	}
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s %s: %s", c.Method, c.Path, resp.Status)
	}
	return nil
}

// each runs fn Count times across Concurrency workers; after the first
// Concurrency calls it waits Pace before handing out the next, as the
// reference runner does.
func each(c call, fn func()) {
	count, workers := max(c.Count, 1), max(c.Concurrency, 1)
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range min(workers, count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				fn()
			}
		}()
	}
	for i := range count {
		if i >= workers && c.Pace > 0 {
			time.Sleep(c.Pace)
		}
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}

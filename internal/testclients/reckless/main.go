// Command reckless is a deliberately reckless API client, kept so
// faultline's tests can show that the scenario library catches the usual
// retry mistakes. It follows the external-client contract (see package
// scenarios): it reads FAULTLINE_URL and FAULTLINE_CALLS and makes each
// call, retrying every failure (a transport error or any status >= 400,
// 4xx included) at once, up to 5 attempts, ignoring Retry-After. It sends
// no Idempotency-Key and no X-Request-Id, so a retried POST looks like a new
// operation. Each attempt has a 2 s timeout so it never hangs for good. A
// call that fails 5 times is printed on stderr and makes it exit 1.
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

const attempts = 5

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

var client = &http.Client{Timeout: 2 * time.Second}

func main() {
	base := os.Getenv("FAULTLINE_URL")
	var calls []call
	if err := json.Unmarshal([]byte(os.Getenv("FAULTLINE_CALLS")), &calls); err != nil || base == "" {
		fmt.Fprintln(os.Stderr, "reckless: need FAULTLINE_URL and FAULTLINE_CALLS (a JSON list of calls)")
		os.Exit(2)
	}
	var mu sync.Mutex
	failed := 0
	for _, c := range calls {
		each(c, func() {
			var err error
			for range attempts {
				if err = do(base, c); err == nil {
					return
				}
			}
			mu.Lock()
			failed++
			fmt.Fprintf(os.Stderr, "reckless: gave up after %d attempts: %v\n", attempts, err)
			mu.Unlock()
		})
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// do makes one attempt.
func do(base string, c call) error {
	req, err := http.NewRequest(c.Method, base+c.Path, bytes.NewBufferString(c.Body))
	if err != nil {
		return err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
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

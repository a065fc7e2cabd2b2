// Package contract is the external-client side of faultline's scenario
// contract, shared by the deliberately bad test clients: read
// FAULTLINE_URL and FAULTLINE_CALLS, make each call Count times across
// Concurrency workers with Pace between them, and exit 0 when every call
// was handled or 1 (with the reasons on stderr) when one was not.
package contract

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

// Call is one entry of FAULTLINE_CALLS.
type Call struct {
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Headers     map[string]string `json:"headers"`
	Body        string            `json:"body"`
	Count       int               `json:"count"`
	Concurrency int               `json:"concurrency"`
	Pace        time.Duration     `json:"pace_ns"`
	Paginate    string            `json:"paginate"` // "cursor" or "page": fetch the whole listing
	Timeout     time.Duration     `json:"timeout_ns"`
	Expect      map[string]string `json:"expect"`
	// ID is unique to this logical call, for its X-Request-Id (set by Main).
	ID string `json:"-"`
}

// Main runs every call through handle and exits; name prefixes messages.
func Main(name string, handle func(base string, c Call) error) {
	base := os.Getenv("FAULTLINE_URL")
	var calls []Call
	if err := json.Unmarshal([]byte(os.Getenv("FAULTLINE_CALLS")), &calls); err != nil || base == "" {
		fmt.Fprintln(os.Stderr, name+": need FAULTLINE_URL and FAULTLINE_CALLS (a JSON list of calls)")
		os.Exit(2)
	}
	var mu sync.Mutex
	failed, n := 0, 0
	for _, c := range calls {
		each(c, func() {
			mu.Lock()
			n++
			c := c
			c.ID = fmt.Sprintf("%s-%d", os.Getenv("FAULTLINE_SCENARIO"), n)
			mu.Unlock()
			if err := handle(base, c); err != nil {
				mu.Lock()
				failed++
				fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
				mu.Unlock()
			}
		})
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// Do makes one request and reads the whole response; a transport error,
// a broken body or a status >= 400 is an error.
func Do(client *http.Client, base string, c Call) error {
	if c.Paginate != "" {
		return list(client, base, c)
	}
	_, err := Send(client, base, c)
	return err
}

// Send makes one request, never following pages, and returns the whole
// response body; a transport error, a broken body or a status >= 400 is an
// error.
func Send(client *http.Client, base string, c Call) ([]byte, error) {
	req, err := http.NewRequest(c.Method, base+c.Path, bytes.NewBufferString(c.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", c.Method, c.Path, err)
	}
	if resp.StatusCode >= 400 {
		return nil, fmt.Errorf("%s %s: %s", c.Method, c.Path, resp.Status)
	}
	return body, nil
}

// each runs fn Count times across Concurrency workers; after the first
// Concurrency calls it waits Pace before handing out the next, as the
// reference runner does.
func each(c Call, fn func()) {
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

// Command execclient is a tiny external client for the scenarios package's
// tests. It makes the calls in FAULTLINE_CALLS against FAULTLINE_URL,
// telling the upstream what it received: the scenario's name in
// X-Client-Id, the seed in the query, and EXECCLIENT_MARK (set by the
// scenario's client.exec.env) in X-Mark. It exits 1 with a message on
// stderr when a call fails.
//
// With the argument "fail" it gives up at once (exit 3); with "hang" it
// makes its first call with no timeout, so it waits as long as the upstream
// does.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
)

type call struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Count   int               `json:"count"`
}

func main() {
	mode := "calls"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode == "fail" {
		fmt.Fprintln(os.Stderr, "execclient: gave up: the upstream said 503 three times")
		os.Exit(3)
	}
	var calls []call
	if err := json.Unmarshal([]byte(os.Getenv("FAULTLINE_CALLS")), &calls); err != nil {
		fail("FAULTLINE_CALLS: %v", err)
	}
	n := 0
	for _, c := range calls {
		for range max(c.Count, 1) {
			n++
			do(c, n)
			if mode == "hang" {
				return
			}
		}
	}
	fmt.Printf("execclient: %d calls done\n", n)
}

func do(c call, n int) {
	url := os.Getenv("FAULTLINE_URL") + c.Path + "?seed=" + os.Getenv("FAULTLINE_SEED")
	req, err := http.NewRequest(c.Method, url, strings.NewReader(""))
	if err != nil {
		fail("%v", err)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Client-Id", os.Getenv("FAULTLINE_SCENARIO"))
	req.Header.Set("X-Request-Id", fmt.Sprint("call-", n))
	if m := os.Getenv("EXECCLIENT_MARK"); m != "" {
		req.Header.Set("X-Mark", m)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("%s %s: %v", c.Method, c.Path, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		fail("%s %s: status %d", c.Method, c.Path, resp.StatusCode)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "execclient: "+format+"\n", args...)
	os.Exit(1)
}

package fault_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/faultline-dev/faultline/fault"
)

// A stub upstream whose first request fails, and its journal.
func ExampleNewServer() {
	plan, err := fault.LoadPlan("plan.yaml", []byte(`
routes:
  - path: /v1/charges
    respond: {json: {id: ch_1}}
    faults:
      - when: {first: 1}
        status: {code: 503}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := fault.NewServer(plan)
	defer srv.Close()

	for i := 0; i < 2; i++ {
		resp, err := srv.Client().Get(srv.URL + "/v1/charges")
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	for _, e := range srv.Journal().Entries() {
		fmt.Printf("#%d %s %s -> %d faults=%q\n", e.Seq, e.Method, e.Path, e.Status, e.FaultNames())
	}
	// Output:
	// 503 {"error":{"type":"faultline","message":"Service Unavailable"}}
	// 200 {"id":"ch_1"}
	// #1 GET /v1/charges -> 503 faults="status"
	// #2 GET /v1/charges -> 200 faults=""
}

// Faults around a reverse proxy to a real API: routes without respond:
// forward, and their faults apply before or instead of forwarding.
func ExampleNewProxy() {
	real := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "real API saw %s", r.URL.Path)
	}))
	defer real.Close()
	u, _ := url.Parse(real.URL)

	plan, _ := fault.LoadPlan("proxy.yaml", []byte(`
routes:
  - path: /v1/**
    faults:
      - when: {first: 1}
        status: {code: 502}
`))
	h := fault.Wrap(fault.NewProxy(u), plan)
	defer h.Close()
	front := httptest.NewServer(h)
	defer front.Close()

	for i := 0; i < 2; i++ {
		resp, err := http.Get(front.URL + "/v1/refunds")
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// 502 {"error":{"type":"faultline","message":"Bad Gateway"}}
	// 200 real API saw /v1/refunds
}

// Plan errors say where the problem is and what to write instead.
func ExampleLoadPlan_error() {
	_, err := fault.LoadPlan("plan.yaml", []byte(`
routes:
  - path: /v1/charges
    faults:
      - when: {requests: "5..2"}
        reset:
`))
	fmt.Println(err)
	// Output:
	// plan.yaml:5:26: routes[0].faults[0].when.requests: "5..2": the end must be a number not below the start
}

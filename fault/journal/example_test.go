package journal_test

import (
	"fmt"

	"github.com/faultline-dev/faultline/fault"
)

// A Go test reads what the upstream saw and did: here a client's retry
// after a 429 that asked it to wait one second.
func Example() {
	plan, err := fault.LoadPlan("plan.yaml", []byte(`
routes:
  - path: /v1/charges
    respond: {json: {id: ch_1}}
    faults:
      - when: {first: 1}
        status: {code: 429, headers: {Retry-After: "1"}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := fault.NewServer(plan)
	defer srv.Close()
	for range 2 {
		resp, err := srv.Client().Post(srv.URL+"/v1/charges?api_key=sk_live_abc123", "application/json", nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}

	for _, e := range srv.Journal().Entries() {
		fmt.Printf("#%d %s %s?%s -> %s faults=%q complete=%v\n", e.Seq, e.Method, e.Path, e.Query, e.Label(), e.FaultNames(), e.Complete())
	}
	// Output:
	// #1 POST /v1/charges?api_key=[REDACTED] -> 429 (Retry-After 1) faults="status" complete=true
	// #2 POST /v1/charges?api_key=[REDACTED] -> 200 faults="" complete=true
}

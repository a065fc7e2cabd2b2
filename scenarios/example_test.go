package scenarios_test

import (
	"context"
	"fmt"

	"github.com/faultline-dev/faultline/scenarios"
)

// A scenario judged from Go: the upstream fails the first attempt of every
// call, and the reference client must retry once and succeed.
func ExampleRunOne() {
	sc, err := scenarios.Load("retry.yaml", []byte(`
version: 1
name: retries-one-503
tags: [retry, full]
upstream:
  routes:
    - path: /v1/orders/{id}
      respond: {status: 200, json: {id: ord_1}}
      faults:
        - when: {first: 1, per: "header:X-Request-Id"}
          status: {code: 503}
client:
  calls: [{method: GET, path: /v1/orders/ord_1, count: 2}]
  reference: {policy: {retry: {base_delay: 5ms}}}
checks:
  - outcome: success
  - attempts: {exact: 2}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := scenarios.RunOne(context.Background(), sc, scenarios.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, res.Status)
	for _, c := range res.Checks {
		fmt.Printf("  %s %s: expected %s\n", c.Status, c.Name, c.Expected)
	}
	// Output:
	// retries-one-503 passed
	//   passed outcome: expected success
	//   passed attempts: expected exactly 2 per call
}

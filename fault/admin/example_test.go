package admin_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
)

// The admin API swaps plans while the server runs; an invalid plan is
// refused and the old one stays.
func ExampleListen() {
	plan, _ := fault.LoadPlan("plan.yaml", []byte("routes:\n  - path: /ok\n    respond: {status: 200}\n"))
	metrics := admin.NewMetrics()
	srv := fault.NewServer(plan, fault.WithObserver(metrics.Observe))
	defer srv.Close()
	api, err := admin.Listen("127.0.0.1:0", srv.Handler, admin.Config{Metrics: metrics})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer api.Close()

	put := func(yaml string) {
		req, _ := http.NewRequest(http.MethodPut, api.URL+"/plan", strings.NewReader(yaml))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	}
	put("routes:\n  - path: /ok\n    faults: [{status: {code: 99}}]\n")
	put("routes:\n  - path: /ok\n    faults: [{status: {code: 500}}]\n")
	// Output:
	// 400 {"error":"body:3:30: routes[0].faults[0].status.code: 99 is not an HTTP status (100-599) (the plan in force is unchanged)"}
	// 200 {"seed":0,"routes":[{"name":"/ok","path":"/ok","faults":["status"]}]}
}

package main

import (
	"bufio"
	_ "embed"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/faultline-dev/faultline/bench/internal/child"
	"github.com/faultline-dev/faultline/contract"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
	"github.com/faultline-dev/faultline/internal/logbuf"
)

// childEnv names the server a re-executed bench/contract runs instead of
// the benchmark, so each server's CPU time is its own, free of the load
// generator's.
const childEnv = "FAULTLINE_BENCH_CONTRACT_SERVER"

//go:embed orders.yaml
var ordersSpec []byte

var (
	reqBody  = []byte(`{"amount":1200,"currency":"eur","customer":"cus_4QFOF3xrmUg4nD","description":"2 x espresso beans, 1 kg","note":null,"receipt_email":"ada@example.com","shipping":{"name":"Ada Lovelace","address":{"line1":"12 St James's Square","city":"London","postal_code":"SW1Y 4JH","country":"GB"}},"metadata":{"order_ref":"A-1042"}}`)
	respBody = []byte(`{"id":"ord_1MmlLrLkdIwHu7ix0snN0B15","status":"pending"}`)
)

// serveChild serves one kind of server on a loopback port, prints "ready
// URL", then answers each line on stdin with its CPU time so far until
// stdin closes.
func serveChild(kind string) int {
	h, flush, err := childHandler(kind)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/contract server:", err)
		return 2
	}
	defer flush()
	if path := os.Getenv(childEnv + "_CPUPROFILE"); path != "" {
		f, err := os.Create(path + "." + kind)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/contract server:", err)
		return 2
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Printf("ready http://%s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cpu, err := child.CPU()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/contract server:", err)
			return 2
		}
		fmt.Printf("cpu %d\n", cpu)
	}
	return 0
}

// childHandler builds the server as `faultline serve` does (JSON request
// log through the batching writer, metrics, journal): "stub" is a plan
// route answering POST /v1/orders; "spec" is the same route with the spec
// judging every request first (`serve --config plan.yaml --spec orders.yaml`).
func childHandler(kind string) (http.Handler, func(), error) {
	out := logbuf.New(os.Stderr)
	logger := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	metrics := admin.NewMetrics()
	opts := []fault.Option{fault.WithLogger(logger), fault.WithObserver(metrics.Observe)}
	flush := func() { _ = out.Close() }
	switch kind {
	case "stub":
		return fault.Wrap(nil, stubPlan(), opts...), flush, nil
	case "spec":
		spec, err := contract.LoadData("orders.yaml", ordersSpec)
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, fault.WithInspect(spec.Inspect), fault.WithMutator(spec))
		return fault.Wrap(spec.Handler(1), stubPlan(), opts...), flush, nil
	}
	return nil, nil, fmt.Errorf("unknown server %q", kind)
}

func stubPlan() *fault.Plan {
	return &fault.Plan{Routes: []fault.Route{{Name: "create", Match: fault.Match{Method: "POST", Path: "/v1/orders"},
		Respond: &fault.Response{Status: 201, Headers: map[string]string{"Content-Type": "application/json"}, Body: respBody}}}}
}

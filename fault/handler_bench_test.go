package fault_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/reqlog"
)

// discardWriter is a ResponseWriter that keeps nothing, so a benchmark
// counts the handler's own allocations.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkStub is one stub request through the handler as serve builds it
// (request log, metrics), without the network: go test -bench Stub -benchmem.
func BenchmarkStub(b *testing.B) {
	m := admin.NewMetrics()
	h := fault.Wrap(nil, &fault.Plan{Routes: []fault.Route{{Name: "x", Match: fault.Match{Path: "/x"},
		Respond: &fault.Response{Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"ok":true}`)}}}},
		fault.WithLogger(slog.New(reqlog.NewJSON(io.Discard, nil))), fault.WithObserver(m.Observe))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("User-Agent", "bench")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// withoutRules is a handler as bench/fault's proxy row builds it, a route
// without rules in front of a base handler, here one that answers 204 at
// once (the proxy left out) and without log or metrics: what remains is
// the handler's own work per request.
func withoutRules() http.Handler {
	base := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return fault.Wrap(base, &fault.Plan{Routes: []fault.Route{{Name: "x", Match: fault.Match{Path: "/x"}}}})
}

// goRequest is a request as Go's client sends it to the proxy row.
func goRequest() *http.Request {
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("User-Agent", "Go-http-client/1.1")
	return r
}

// BenchmarkRouteWithoutRules: go test -run '^$' -bench RouteWithoutRules -benchmem ./fault/
func BenchmarkRouteWithoutRules(b *testing.B) {
	h, r, w := withoutRules(), goRequest(), &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRouteWithoutRulesParallel is BenchmarkRouteWithoutRules from
// every core at once, as a busy server serves it: what the cores share
// (locks, counters) costs more there.
func BenchmarkRouteWithoutRulesParallel(b *testing.B) {
	h := withoutRules()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r, w := goRequest(), &discardWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// proxyRow is a handler as bench/fault's proxy child builds it: a route
// without rules in front of a base handler, request log (JSON through the
// batching writer) and metrics on. The base here answers at once with a
// small body (the forwarding left out), so what the benchmark adds up is
// the handler's own work per proxied request. With bare set it is the base
// alone.
func proxyRow(bare bool) http.Handler {
	base := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(rowBody)
	})
	if bare {
		return base
	}
	m := admin.NewMetrics()
	logger := slog.New(reqlog.NewJSON(&lineSink{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return fault.Wrap(base, &fault.Plan{Routes: []fault.Route{{Name: "x", Match: fault.Match{Path: "/x"}}}},
		fault.WithLogger(logger), fault.WithObserver(m.Observe))
}

// lineSink does what a logbuf.Writer does with a line at a server's
// pace: copies it into a batch under a lock; a full batch is dropped here
// instead of written. (A logbuf.Writer under a benchmark's pace of a
// million lines a second outgrows the batches it reuses, which a server
// never does.)
type lineSink struct {
	mu  sync.Mutex
	buf []byte
}

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	if len(s.buf)+len(p) > 32<<10 {
		s.buf = s.buf[:0]
	}
	s.buf = append(s.buf, p...)
	s.mu.Unlock()
	return len(p), nil
}

var rowBody = []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099,"amount_captured":1099,"currency":"usd","customer":"cus_9s6XKzkNRiz8i3","paid":true,"status":"succeeded"}`)

// benchRow runs h from every core at once, as a busy server does, and
// reports the process's CPU time per request (cpu-ns/op: the garbage
// collector's and the log writer's goroutines included, other processes'
// load excluded), which is what bench/fault compares.
func benchRow(b *testing.B, h http.Handler) {
	r, w := goRequest(), &discardWriter{h: http.Header{}}
	for range journal.DefaultSize { // the journal full, as in a server's steady state
		h.ServeHTTP(w, r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		r, w := goRequest(), &discardWriter{h: http.Header{}}
		r.RemoteAddr = "127.0.0.1:40000"
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkProxyRow: go test -run '^$' -bench ProxyRow -benchmem ./fault/
// (Handler is faultline's handler around the base; Base is the base alone).
func BenchmarkProxyRowHandler(b *testing.B) { benchRow(b, proxyRow(false)) }
func BenchmarkProxyRowBase(b *testing.B)    { benchRow(b, proxyRow(true)) }

// BenchmarkRouteWithoutRulesRow is withoutRules from every core at once
// with its journal full, reporting the process's CPU time per request
// (cpu-ns/op), which counts what the cores pay for lines they share and
// not the time another process held the core: go test -run '^$' -bench
// RouteWithoutRulesRow -cpu 1,2 ./fault/
func BenchmarkRouteWithoutRulesRow(b *testing.B) { benchRow(b, withoutRules()) }

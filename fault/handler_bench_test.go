package fault_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/admin"
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

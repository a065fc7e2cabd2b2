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

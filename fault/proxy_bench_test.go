//go:build unix

package fault

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"syscall"
	"testing"
)

// rowAnswer is the upstream's answer in bench/fault's proxy row: a small
// JSON body with its length.
var rowAnswer = []byte(`{"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","object":"charge","amount":1099,"amount_captured":1099,"currency":"usd","customer":"cus_9s6XKzkNRiz8i3","paid":true,"status":"succeeded"}`)

// cannedUpstream answers every request with rowAnswer and the headers a
// net/http upstream sends with it, without a network: registered on the
// proxy's Transport for "http", it leaves the proxy's own work (and the
// Transport's checks before it dispatches) to measure.
type cannedUpstream struct{}

func (cannedUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	_ = httptrace.ContextClientTrace(r.Context()) // as the Transport's connection does
	return &http.Response{StatusCode: http.StatusOK, ContentLength: int64(len(rowAnswer)),
		Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"170"}, "Date": {"Wed, 02 Dec 2026 14:00:00 GMT"}},
		Body:   io.NopCloser(bytes.NewReader(rowAnswer))}, nil
}

// headerWriter is a ResponseWriter that keeps its header and nothing else.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerWriter) WriteHeader(int)             {}

// BenchmarkProxyForwardPath is the proxy's work for a request of the
// proxy row (as Go's client sends it, answered as the row's upstream
// answers) without the network: main against a branch, build each with
// go test -c and run -run '^$' -bench ProxyForwardPath -benchmem in turns.
func BenchmarkProxyForwardPath(b *testing.B) {
	u, _ := url.Parse("http://upstream.test")
	p := NewProxy(u).(*proxy)
	p.tr.RegisterProtocol("http", cannedUpstream{})
	ctx, cancel := context.WithCancel(context.Background()) // a server's request context can be cancelled
	defer cancel()
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	r.Header.Set("User-Agent", "Go-http-client/1.1")
	r.Header.Set("Accept-Encoding", "gzip")
	w := &headerWriter{h: http.Header{}}
	p.rp = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { b.Fatal("the request took ReverseProxy's path") })
	loopCPU(b, func() {
		clear(w.h)
		p.ServeHTTP(w, r)
	})
}

// loopCPU runs f b.N times and reports the process's own CPU per call
// (cpu-ns/op) beside ns/op, and allocations.
func loopCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	cpu0 := ownCPU()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(ownCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// ownCPU is the CPU time (user + system) this process has used, in
// nanoseconds: unlike ns/op, other processes' load on the cores does not
// count in it.
func ownCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkForwardingContext makes a forwarded request's context with its
// 1xx trace and looks the trace up as the Transport does (twice), the old
// way (WithClientTrace) and the new (the forwarding is the context):
// go test -run '^$' -bench ForwardingContext -benchmem ./fault/
func BenchmarkForwardingContext(b *testing.B) {
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), http.ServerContextKey, "srv"))
	defer cancel()
	w := httptest.NewRecorder()
	b.Run("WithClientTrace", func(b *testing.B) {
		loopCPU(b, func() {
			c := oldForwardingContext(ctx, w)
			_, _ = httptrace.ContextClientTrace(c), httptrace.ContextClientTrace(c)
		})
	})
	b.Run("Forwarding", func(b *testing.B) {
		loopCPU(b, func() {
			c := newForwarding(ctx, w).context()
			_, _ = httptrace.ContextClientTrace(c), httptrace.ContextClientTrace(c)
		})
	})
}

// BenchmarkRequestAndResponseHeaders is the proxy row's header work the
// old way (lookups, strip pass, two response passes, Get) and the new (one
// pass each; no strip pass where there is nothing to strip):
// go test -run '^$' -bench RequestAndResponseHeaders ./fault/
func BenchmarkRequestAndResponseHeaders(b *testing.B) {
	req := http.Header{"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}}
	res := http.Header{"Content-Type": {"application/json"}, "Content-Length": {"170"}, "Date": {"Wed, 02 Dec 2026 14:00:00 GMT"}}
	dst := http.Header{}
	lookups := func(h http.Header) bool {
		_, ua := h["User-Agent"]
		if plainHeaderByLookup(h) && ua {
			stripRequestHeaders(h)
			return true
		}
		return false
	}
	scan := func(h http.Header) bool {
		s := scanRequestHeader(h)
		if s.strip {
			stripRequestHeaders(h)
		}
		return s.plain && s.userAgent
	}
	for _, c := range []struct {
		name    string
		request func(http.Header) bool
		copy    func(dst, src http.Header) string
	}{{"TwoPasses", lookups, copyResponseHeaderInTwoPasses}, {"OnePass", scan, copyResponseHeader}} {
		b.Run(c.name, func(b *testing.B) {
			loopCPU(b, func() {
				clear(dst)
				if !c.request(req) || c.copy(dst, res) == "" {
					b.Fatal("wrong answer")
				}
			})
		})
	}
}

package resilience

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock advances at once when asked to sleep, recording each sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.sleeps = append(f.sleeps, d)
	return nil
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// testPolicy is the default policy with a rate limit that never binds.
func testPolicy() Policy {
	p := DefaultPolicy()
	p.RateLimit.Rate, p.RateLimit.Burst = 1e6, 1e6
	return p
}

// seen is what a test server records of each request it received.
type seen struct {
	Method, Path, Key, RequestID string
	Body                         []byte
}

// script is a test upstream: handler i answers request i (the last one
// answers all later requests).
type script struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  []seen
	steps []http.HandlerFunc
	n     atomic.Int32
}

func newScript(t *testing.T, steps ...http.HandlerFunc) *script {
	t.Helper()
	s := &script{t: t, steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	i := int(s.n.Add(1)) - 1
	s.mu.Lock()
	s.reqs = append(s.reqs, seen{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), r.Header.Get("X-Request-Id"), body})
	s.mu.Unlock()
	s.steps[min(i, len(s.steps)-1)](w, r)
}

func (s *script) count() int { return int(s.n.Load()) }

func (s *script) seen() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func (s *script) url(path string) string { return s.srv.URL + path }

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func withHeader(k, v string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(k, v)
		h(w, r)
	}
}

// reset answers with a TCP RST after reading the request.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// truncated promises 100 bytes and sends 10, then closes the connection.
func truncated(w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
	_ = buf.Flush()
	_ = conn.Close()
}

// garbage answers with bytes that are not HTTP.
func garbage(w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_, _ = buf.WriteString("\x00\x01garbage\xff\r\n\r\n")
	_ = buf.Flush()
	_ = conn.Close()
}

// hang blocks until the client gives up on the request.
func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func newClient(t *testing.T, p Policy, opts ...Option) *Client {
	t.Helper()
	c := New(p, opts...)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func get(url string) *Request { return &Request{Method: http.MethodGet, URL: url} }

func post(url, body string) *Request {
	return &Request{Method: http.MethodPost, URL: url, Body: bytes.Clone([]byte(body))}
}

package fault

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/fault/journal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ownClient is a client for s of the test's own, whose settings it may
// change without touching the client s.Client() shares.
func ownClient(s *Server) *http.Client {
	return &http.Client{Transport: s.Client().Transport.(*http.Transport).Clone()}
}

// freshConns is a client for s that sends every request on a new
// connection, for a test that counts what faults do to connections: on a
// reused connection cut before any answer, the transport sends a GET again
// without telling.
func freshConns(s *Server) *http.Client {
	c := ownClient(s)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	return c
}

// servePlan loads a YAML plan and serves it for the test's lifetime.
func servePlan(t *testing.T, src string, opts ...Option) *Server {
	t.Helper()
	p, err := LoadPlan("test.yaml", []byte(src))
	require.NoError(t, err)
	s := NewServer(p, opts...)
	t.Cleanup(s.Close)
	return s
}

// get does a GET with a fresh connection and reads the whole body.
func get(t *testing.T, s *Server, path string) (int, string, error) {
	t.Helper()
	return do(t, s, http.MethodGet, path, nil)
}

func do(t *testing.T, s *Server, method, path string, hdr map[string]string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := freshConns(s).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// statuses makes n sequential GETs and returns their status codes.
func statuses(t *testing.T, s *Server, path string, n int, hdr map[string]string) []int {
	t.Helper()
	var out []int
	for i := 0; i < n; i++ {
		code, _, err := do(t, s, http.MethodGet, path, hdr)
		require.NoError(t, err)
		out = append(out, code)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func jsonValid(s string) bool { return json.Valid([]byte(s)) }

// settled returns the journal once no request is in flight: a client sees a
// reset or close before the handler has recorded it.
func settled(t *testing.T, s *Server) []journal.Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.NoError(t, s.Handler.Wait(ctx))
	return s.Journal().Entries()
}

// fakeClock is clockwork's fake clock with the Sleep of [Clock]: a wait
// blocks until the test advances the clock past it (or its context ends).
// Tests sync with waiting (a fault is sleeping) instead of wall-clock margins.
type fakeClock struct{ *clockwork.FakeClock }

func newFakeClock() fakeClock { return newFakeClockAt(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

func newFakeClockAt(at time.Time) fakeClock { return fakeClock{clockwork.NewFakeClockAt(at)} }

func (c fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.Chan():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waiting blocks until n waits are pending on the clock; it fails the test
// if they never come (10s: a bound for a broken fault, not a timing check).
func (c fakeClock) waiting(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.BlockUntilContext(ctx, n), "expected %d waits on the clock", n)
}

// getWithin is get with a 10s client timeout: a bound for a broken fault
// that waits on a fake clock nobody moves, not a timing check.
func getWithin(t *testing.T, s *Server, path string) (int, string, error) {
	t.Helper()
	c := ownClient(s)
	c.Timeout = 10 * time.Second
	resp, err := c.Get(s.URL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// inBackground runs f in a goroutine; its result arrives on the channel.
func inBackground[T any](t *testing.T, f func() T) <-chan T {
	t.Helper()
	out := make(chan T, 1)
	go func() { out <- f() }()
	return out
}

// arrived takes the value from ch, failing the test if none comes within
// 10s (a bound for a stuck server, not a timing check).
func arrived[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived within 10s")
	}
	var zero T
	return zero
}

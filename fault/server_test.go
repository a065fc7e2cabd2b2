package fault

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
)

const (
	ioWait    = 3 * time.Second // longest a test waits for a journal entry
	pollEvery = 5 * time.Millisecond
)

// lastEntry waits for the journal entry of the request to path.
func lastEntry(t *testing.T, s *Server, path string) journal.Entry {
	t.Helper()
	var got journal.Entry
	require.Eventually(t, func() bool {
		for _, e := range s.Journal().Entries() {
			if e.Path == path {
				got = e
				return true
			}
		}
		return false
	}, ioWait, pollEvery, "no journal entry for %s", path)
	return got
}

func TestAllFaultsExample(t *testing.T) {
	p, err := LoadPlanFile("../scenarios/examples/all-faults.yaml")
	require.NoError(t, err)
	s := NewServer(p)
	t.Cleanup(s.Close)
	client := freshConns(s)
	client.Timeout = 2 * time.Second

	type want struct {
		status int    // 0: no status line
		end    string // how the connection ended
		param  string // a parameter the fault noted, "key=value"
	}
	cases := map[string]want{
		"/ok":         {status: 200, end: journal.EndComplete},
		"/latency":    {status: 200, end: journal.EndComplete, param: "delay=150ms"},
		"/status":     {status: 503, end: journal.EndComplete, param: "code=503"},
		"/rate_limit": {status: 200, end: journal.EndComplete, param: "allowed=true"},
		"/reset":      {end: journal.EndReset},
		"/close":      {end: journal.EndClosed},
		"/truncate":   {status: 200, end: journal.EndTruncated},
		"/garbage":    {end: journal.EndGarbage, param: "bytes=64"},
		"/hang":       {end: journal.EndHung},
		"/slow_body":  {status: 200, end: journal.EndComplete},
		"/malformed":  {status: 200, end: journal.EndComplete, param: "mode=change_type"},
		"/outage":     {status: 503, end: journal.EndComplete, param: "state=down"},
	}
	for path, w := range cases {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			wait := 300 * time.Millisecond // long enough for all but the hang (and slow_body)
			if path == "/slow_body" {
				wait = 2 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
			require.NoError(t, err)
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			e := lastEntry(t, s, path)
			if path == "/ok" {
				assert.Empty(t, e.Faults)
			} else {
				require.Len(t, e.Faults, 1)
				assert.Equal(t, strings.TrimPrefix(path, "/"), e.Faults[0].Type)
			}
			assert.Equal(t, w.end, e.End)
			if w.status != 0 {
				assert.Equal(t, w.status, e.Status)
			}
			if w.param != "" {
				k, v, _ := strings.Cut(w.param, "=")
				assert.Equal(t, v, e.Faults[0].Params[k], "%+v", e.Faults[0])
			}
		})
	}
}

func TestTLSServesFaults(t *testing.T) {
	cert, err := tlsfault.SelfSigned()
	require.NoError(t, err)
	p, err := LoadPlan("tls.yaml", []byte(`
routes:
  - path: /ok
    respond: {json: {ok: true}}
  - path: /close
    faults: [{close: }]
`))
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(nil, p), cert)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	require.True(t, strings.HasPrefix(s.URL, "https://127.0.0.1:"))

	resp, err := s.Client().Get(s.URL + "/ok")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `{"ok":true}`, string(body))
	assert.Equal(t, 1, resp.ProtoMajor, "HTTP/1.1 so socket faults can hijack")

	_, err = s.Client().Get(s.URL + "/close")
	require.Error(t, err, "a socket fault works through TLS")
	assert.Equal(t, journal.EndClosed, lastEntry(t, s, "/close").End)

	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}}
	_, err = untrusting.Get(s.URL + "/ok")
	require.Error(t, err, "a client without the CA refuses the certificate")
	untrusting.CloseIdleConnections()
}

func TestProxyMode(t *testing.T) {
	var hits sync.Map
	upstream := NewServer(&Plan{Routes: []Route{{Name: "up", Respond: &Response{Body: []byte(`{"from":"upstream"}`)}}}})
	t.Cleanup(upstream.Close)
	u, err := url.Parse(upstream.URL)
	require.NoError(t, err)
	p, err := LoadPlan("proxy.yaml", []byte(`
routes:
  - path: /v1/**
    faults:
      - when: {first: 1}
        status: {code: 503}
      - when: {requests: "2"}
        latency: {fixed: 50ms}
  - path: /stub
    respond: {status: 202}
`))
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(NewProxy(u), p, WithObserver(func(e *journal.Entry) { hits.Store(e.Seq, e.Path) })), nil)
	require.NoError(t, err)
	t.Cleanup(s.Close)

	code, body, err := get(t, s, "/v1/charges?limit=1")
	require.NoError(t, err)
	assert.Equal(t, 503, code, "the fault answers instead of forwarding")
	start := time.Now()
	code, body, err = get(t, s, "/v1/charges?limit=1")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Equal(t, `{"from":"upstream"}`, body)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "latency applies before forwarding")
	code, _, _ = get(t, s, "/stub")
	assert.Equal(t, 202, code, "a route with respond: does not forward")
	code, body, _ = get(t, s, "/elsewhere")
	assert.Equal(t, 200, code, "unmatched requests forward too")

	ups := upstream.Journal().Entries()
	require.Len(t, ups, 2, "only forwarded requests reach the upstream")
	assert.Equal(t, "/v1/charges", ups[0].Path)
	assert.Equal(t, "limit=1", ups[0].Query)

	upstream.Close()
	code, body, _ = get(t, s, "/v1/charges")
	assert.Equal(t, 502, code)
	assert.Contains(t, body, "faultline: upstream http://127.0.0.1:")
	count := 0
	hits.Range(func(_, _ any) bool { count++; return true })
	assert.Equal(t, 5, count)
}

func TestManyIdleConnectionsDoNotBlock(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {first: 0, requests: '99'}\n        status: {code: 500}\n")
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", s.Addr().String())
		require.NoError(t, err)
		conns = append(conns, c)
	}
	// Half of them start a request and stall mid-headers.
	for _, c := range conns[:100] {
		_, err := c.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n"))
		require.NoError(t, err)
	}
	start := time.Now()
	code, _, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Less(t, time.Since(start), time.Second)
}

func TestOversizeHeadersRejected(t *testing.T) {
	s := servePlan(t, okRoute)
	c, err := net.Dial("tcp", s.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioWait))
	go func() {
		_, _ = c.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	assert.Empty(t, s.Journal().Entries(), "the handler never saw it")
}

func TestCloseWithHungRequestsLeaksNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p, err := LoadPlan("hang.yaml", []byte("routes:\n  - path: /hang\n    faults: [{hang: }]\n  - path: /slow\n    faults: [{latency: {fixed: 1h}}]\n"))
	require.NoError(t, err)
	s := NewServer(p)
	client := s.Client()
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		path := "/hang"
		if i%2 == 1 {
			path = "/slow"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A hang ends in an error, a released latency in the answer.
			if resp, err := client.Get(s.URL + path); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	require.Eventually(t, func() bool { return s.Journal().Seq() == 10 }, ioWait, pollEvery)
	start := time.Now()
	s.Close()
	wg.Wait()
	assert.Less(t, time.Since(start), 2*time.Second, "Close releases hung requests")
	assert.Len(t, s.Journal().Entries(), 10, "every hung request is journaled")
	client.CloseIdleConnections()
}

// BenchmarkHandler measures the handler's own cost per request, without the
// network: a bare stub response against the same stub behind Wrap.
func BenchmarkHandler(b *testing.B) {
	resp := &Response{Body: []byte(`{"id":"ch_1","amount":1000}`)}
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", resp},
		{"wrapped", Wrap(nil, &Plan{Routes: []Route{{Name: "x", Match: Match{Path: "/v1/charges"}, Respond: resp}}})},
		{"wrapped_rule_not_firing", Wrap(nil, &Plan{Routes: []Route{{Name: "x", Match: Match{Path: "/v1/charges"}, Respond: resp,
			Rules: []Rule{{When: When{First: 1}, Fault: statusFault{Response: Response{Status: 503}}}}}}})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/v1/charges", nil)
			req.Header.Set("Authorization", "Bearer sk_test_123")
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// TestShutdownCutsInjectedDelays: requests held in a 30 s latency fault do
// not hold a shutdown: it returns without error long before its deadline,
// each held connection is closed (never answered with an empty 200), and
// the journal says so.
func TestShutdownCutsInjectedDelays(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: {fixed: 30s}\n"))
	require.NoError(t, err)
	s := NewServer(p)
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() {
			resp, err := s.Client().Get(s.URL + "/x")
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return s.Handler.inflight.Load() == n }, ioWait, pollEvery)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, s.Shutdown(ctx), "a drain with only injected delays in flight succeeds")
	assert.Less(t, time.Since(start), time.Second, "delays are cut, not waited out")
	for range n {
		assert.Error(t, <-errs, "a cut request's connection is closed")
	}
	entries := s.Journal().Entries()
	require.Len(t, entries, n)
	for _, e := range entries {
		assert.Equal(t, journal.EndClosed, e.End)
		assert.False(t, e.Effect)
	}
}

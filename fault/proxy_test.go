package fault

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoUpstream answers what it saw of each request, with hop-by-hop
// headers of its own, trailers, or a 103 first, by path.
func echoUpstream(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var names []string
		for k, vv := range r.Header {
			names = append(names, k+"="+strings.Join(vv, ","))
		}
		sort.Strings(names)
		h := w.Header()
		switch r.URL.Path {
		case "/trailers":
			h.Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "part")
			h.Set("X-Sum", "42")
			h.Set(http.TrailerPrefix+"X-Late", "yes")
			return
		case "/hints":
			h.Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			clear(h)
		}
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "1")
		h["Set-Cookie"] = []string{"a=1", "b=2"}
		h.Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "uri": r.RequestURI, "host": r.Host,
			"headers": names, "body": string(body)})
	}))
	t.Cleanup(s.Close)
	return s
}

// seen is what a client got from a proxy: the 1xx codes, status, headers
// (but Date), body and trailers.
type seen struct {
	early   []int
	status  int
	header  http.Header
	body    string
	trailer http.Header
}

func through(t *testing.T, proxyURL string, method, target, body string, header http.Header) seen {
	t.Helper()
	var got seen
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		got.early = append(got.early, code)
		return nil
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), method, proxyURL+target, strings.NewReader(body))
	require.NoError(t, err)
	for k, vv := range header {
		req.Header[k] = vv
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Header.Del("Date")
	got.status, got.header, got.body, got.trailer = resp.StatusCode, resp.Header, string(b), resp.Trailer
	return got
}

// TestProxyShortPathForwardsAsReverseProxy sends the same requests through
// the proxy and through httputil.ReverseProxy alone (the proxy with its
// short path off): upstream and client must see the same, and the plain
// requests must have taken the short path.
func TestProxyShortPathForwardsAsReverseProxy(t *testing.T) {
	up := echoUpstream(t)
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	short := NewProxy(u).(*proxy)
	var fallbacks atomic.Int64
	rp := short.rp
	short.rp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fallbacks.Add(1); rp.ServeHTTP(w, r) })
	long := NewProxy(u).(*proxy)
	long.short = false
	viaShort, viaLong := httptest.NewServer(short), httptest.NewServer(long)
	defer viaShort.Close()
	defer viaLong.Close()

	cases := []struct {
		method, target, body string
		header               http.Header
		plain                bool
	}{
		{"GET", "/echo?a=1&b=two%20words", "", http.Header{"Proxy-Authorization": {"Basic eA=="}, "Keep-Alive": {"300"},
			"X-Forwarded-For": {"10.0.0.1"}, "Forwarded": {"for=x"}, "X-Custom": {"1", "2"}, "User-Agent": {""}}, true},
		{"POST", "/echo", `{"amount":1}`, http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"k1"}}, true},
		{"GET", "/trailers", "", nil, true},
		{"GET", "/hints", "", nil, true},
		{"GET", "/echo", "", http.Header{"Connection": {"X-Drop"}, "X-Drop": {"1"}}, false},
		{"GET", "/echo?a=1;b=2", "", nil, false},
		{"GET", "/echo?bad=%zz", "", nil, false},
		{"GET", "/echo", "", http.Header{"Te": {"trailers"}}, false},
	}
	wantFallbacks := int64(0)
	for _, c := range cases {
		a := through(t, viaShort.URL, c.method, c.target, c.body, c.header)
		b := through(t, viaLong.URL, c.method, c.target, c.body, c.header)
		assert.Equal(t, b, a, "%s %s", c.method, c.target)
		if !c.plain {
			wantFallbacks++
		}
	}
	assert.Equal(t, wantFallbacks, fallbacks.Load(), "only the requests that are not plain go through ReverseProxy")

	// What the cases must show, so that agreeing means something.
	echo := through(t, viaShort.URL, "GET", "/echo?a=1", "", http.Header{"Proxy-Authorization": {"Basic eA=="}, "X-Forwarded-For": {"1.2.3.4"}, "User-Agent": {""}})
	assert.NotContains(t, echo.body, "Proxy-Authorization")
	assert.NotContains(t, echo.body, "X-Forwarded-For")
	assert.NotContains(t, echo.body, "User-Agent")
	assert.Contains(t, echo.body, `"uri":"/echo?a=1"`)
	assert.Contains(t, echo.body, `"host":"`+u.Host+`"`)
	assert.Empty(t, echo.header.Get("Keep-Alive"), "hop-by-hop response headers are dropped")
	assert.Empty(t, echo.header.Get("X-Hop"), "and those Connection names")
	assert.Equal(t, []string{"a=1", "b=2"}, echo.header["Set-Cookie"])
	tr := through(t, viaShort.URL, "GET", "/trailers", "", nil)
	assert.Equal(t, "42", tr.trailer.Get("X-Sum"))
	assert.Equal(t, "yes", tr.trailer.Get("X-Late"))
	hints := through(t, viaShort.URL, "GET", "/hints", "", nil)
	assert.Equal(t, []int{http.StatusEarlyHints}, hints.early)
}

func TestProxyShortPathStreamsEvents(t *testing.T) {
	next := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: 1\n\n")
		http.NewResponseController(w).Flush()
		<-next
		_, _ = io.WriteString(w, "data: 2\n\n")
	}))
	defer up.Close()
	defer close(next)
	u, _ := url.Parse(up.URL)
	via := httptest.NewServer(NewProxy(u))
	defer via.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // fails, not hangs, without the flush
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", via.URL+"/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	require.NoError(t, err, "the first event arrives while the upstream still holds the response")
	assert.Equal(t, "data: 1\n", line)
}

func TestProxyUpstreamDownIs502(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	u, _ := url.Parse(up.URL)
	up.Close()
	via := httptest.NewServer(NewProxy(u))
	defer via.Close()
	resp, err := http.Get(via.URL + "/x")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, string(b), "faultline: upstream http://"+u.Host+" failed: ")
}

package fault

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The forward path before one-pass headers and the forwarding context,
// kept as the reference the new ways must agree with and as the
// benchmarks' baseline.

// plainHeaderByLookup is plainRequest's header test before
// scanRequestHeader.
func plainHeaderByLookup(h http.Header) bool {
	return len(h["Connection"])+len(h["Upgrade"])+len(h["Te"])+len(h["Expect"]) == 0
}

// outgoingHeaderAlways is the outgoing request's header as forward made
// it before scanRequestHeader: stripped and its User-Agent looked up.
func outgoingHeaderAlways(h http.Header) http.Header {
	out := h.Clone()
	stripRequestHeaders(out)
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = []string{""}
	}
	return out
}

// outgoingHeader is the outgoing request's header as forward makes it.
func outgoingHeader(h http.Header, s requestHeader) http.Header {
	out := h.Clone()
	if s.strip {
		stripRequestHeaders(out)
	}
	if !s.userAgent {
		out["User-Agent"] = []string{""}
	}
	return out
}

// copyResponseHeaderInTwoPasses is forward's response header copy before
// copyResponseHeader, with copyBody's Content-Type lookup.
func copyResponseHeaderInTwoPasses(dst, src http.Header) string {
	removeHopHeaders(src)
	copyHeader(dst, src)
	return src.Get("Content-Type")
}

// oldForwarding is forwarding before it was the context: a trace put in
// front of the request's context by httptrace.WithClientTrace.
type oldForwarding struct {
	w     http.ResponseWriter
	trace httptrace.ClientTrace
	mu    sync.Mutex
	done  bool
}

func (f *oldForwarding) got1xx(int, textproto.MIMEHeader) error { return nil }

func oldForwardingContext(ctx context.Context, w http.ResponseWriter) context.Context {
	f := &oldForwarding{w: w}
	f.trace.Got1xxResponse = f.got1xx
	return httptrace.WithClientTrace(ctx, &f.trace)
}

// requestHeaderSets are headerSets with the names plainHeader looks for,
// some with no value (which leave a request plain).
func requestHeaderSets(n int) []http.Header {
	sets := headerSets(n)
	for i, h := range sets {
		switch i % 4 {
		case 0:
			h["Expect"] = []string{"100-continue"}
		case 1:
			h["Expect"], h["Upgrade"] = []string{}, nil
		case 2:
			h["Connection"] = nil
		}
		switch i % 3 {
		case 0:
			h["User-Agent"] = []string{"Go-http-client/1.1"}
		case 1:
			h["User-Agent"] = nil
		}
	}
	return sets
}

// TestScanRequestHeaderAgreesWithLookups: a request is plain as the
// lookups said, and its outgoing header is what stripping every time and
// looking User-Agent up made.
func TestScanRequestHeaderAgreesWithLookups(t *testing.T) {
	plain, kept := 0, 0
	for _, h := range requestHeaderSets(2000) {
		want, s := plainHeaderByLookup(h), scanRequestHeader(h)
		if !assert.Equal(t, want, s.plain, "%v", h) {
			return
		}
		if !want {
			continue
		}
		plain++
		if !s.strip {
			kept++
		}
		if !assert.Equal(t, outgoingHeaderAlways(h), outgoingHeader(h, s), "%v", h) {
			return
		}
	}
	assert.Greater(t, plain, 100, "the sets have plain requests")
	assert.Less(t, plain, 1900, "and others")
	assert.Positive(t, kept, "and plain requests with nothing to strip")
	goClient := http.Header{"User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}}
	assert.Equal(t, requestHeader{plain: true, userAgent: true}, scanRequestHeader(goClient),
		"a request as Go's client sends it is plain, with nothing to strip")
}

func TestCopyResponseHeaderAgreesWithTwoPasses(t *testing.T) {
	for i, h := range headerSets(2000) {
		if i%3 == 0 {
			h["Content-Type"] = append(h["Content-Type"], "text/event-stream")
		}
		dstWant, dstGot := http.Header{}, http.Header{}
		if i%5 == 0 { // a header someone set before: the values are appended
			dstWant["Content-Type"], dstGot["Content-Type"] = []string{"a"}, []string{"a"}
		}
		ctWant := copyResponseHeaderInTwoPasses(dstWant, h.Clone())
		ctGot := copyResponseHeader(dstGot, h.Clone())
		if !assert.Equal(t, dstWant, dstGot, "%v", h) || !assert.Equal(t, ctWant, ctGot, "%v", h) {
			return
		}
	}
}

// TestForwardingIsTheRequestsContextWithTheTrace: the forwarding answers
// for the trace under httptrace's key and for everything else as the
// request's context does; its children are cancelled with the request
// without a goroutine each (context finds the request's cancelCtx through
// it, as it would through a WithValue).
func TestForwardingIsTheRequestsContextWithTheTrace(t *testing.T) {
	require.NotNil(t, clientTraceKey, "httptrace's key is learnt")
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	f := newForwarding(parent, httptest.NewRecorder())
	ctx := f.context()
	assert.Same(t, f, ctx, "no context in front of it")
	assert.Same(t, &f.trace, httptrace.ContextClientTrace(ctx))
	assert.Equal(t, "v", ctx.Value(key{}))
	assert.Nil(t, ctx.Value("other"))

	before := runtime.NumGoroutine()
	children := make([]context.Context, 100)
	for i := range children {
		var stop context.CancelCauseFunc
		children[i], stop = context.WithCancelCause(ctx) // as the Transport makes one
		defer stop(nil)
	}
	assert.Less(t, runtime.NumGoroutine()-before, 50, "no goroutine per child")
	cancel()
	for _, c := range children {
		<-c.Done()
	}
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

// TestProxyComposesAClientTraceAlreadyThere: a request whose context has
// a client trace (put there by a handler in front of the proxy) gets the
// proxy's composed with it, as ReverseProxy does: both see the 103.
func TestProxyComposesAClientTraceAlreadyThere(t *testing.T) {
	up := echoUpstream(t)
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	var mu sync.Mutex
	var outer []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		mu.Lock()
		defer mu.Unlock()
		outer = append(outer, code)
		return nil
	}}
	p := NewProxy(u)
	via := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.ServeHTTP(w, r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	}))
	defer via.Close()
	got := through(t, via.URL, "GET", "/hints", "", nil)
	assert.Equal(t, []int{http.StatusEarlyHints}, got.early, "the client gets the 103")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{http.StatusEarlyHints}, outer, "and the trace already there sees it")
}

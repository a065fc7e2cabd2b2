package fault

import (
	"context"
	"errors"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
)

// NewProxy returns a reverse proxy to upstream, for a Handler to wrap:
// faults apply before (latency) or instead of (status, reset) forwarding.
//
// It forwards as httputil.ReverseProxy does with Rewrite setting the
// upstream's URL and Host, and it is one for every request but the
// common one: a request with no protocol upgrade, no Connection, Te or
// Expect header, a path and query ReverseProxy leaves alone, to an
// upstream without a base path takes a shorter path of one RoundTrip and
// a copy (hop-by-hop and forwarding headers dropped, 1xx answers, trailers
// and streamed bodies passed on as ReverseProxy passes them), about 6
// allocations and a few percent of a busy proxy's CPU less.
func NewProxy(upstream *url.URL) http.Handler {
	// The default transport keeps 2 idle connections per host, which makes
	// a busy proxy dial (and leave TIME_WAIT sockets) for most requests.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	// Pass the client's Accept-Encoding through untouched instead of
	// negotiating gzip on its behalf: the proxy stays transparent and
	// does no decompression work.
	tr.DisableCompression = true
	p := &proxy{upstream: upstream, tr: tr, buffers: newProxyBuffers(),
		short: (upstream.Path == "" || upstream.Path == "/") && upstream.RawPath == "" && upstream.RawQuery == ""}
	p.rp = &httputil.ReverseProxy{
		Transport:  tr,
		BufferPool: p.buffers,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Host = upstream.Host
		},
		ErrorHandler: p.fail,
	}
	return p
}

type proxy struct {
	upstream *url.URL
	tr       *http.Transport
	rp       http.Handler // httputil.ReverseProxy, for all other requests
	buffers  *proxyBuffers
	short    bool // the upstream has no path or query to join to a request's
}

func (p *proxy) fail(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, "faultline: upstream "+p.upstream.Redacted()+" failed: "+err.Error(), http.StatusBadGateway)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.short && plainTarget(r) {
		if h := scanRequestHeader(r.Header); h.plain {
			p.forward(w, r, h)
			return
		}
	}
	p.rp.ServeHTTP(w, r)
}

// plainTarget reports whether ReverseProxy would forward r to the same
// target changing nothing but its URL's scheme and host, and Host: with
// a plain header (scanRequestHeader), r is a plain request, which
// ReverseProxy would forward changing nothing else but the headers
// forward drops.
func plainTarget(r *http.Request) bool {
	return r.Context().Done() != nil && r.URL.RawPath == "" && strings.HasPrefix(r.URL.Path, "/") &&
		cleanQuery(r.URL.RawQuery)
}

// requestHeader is what forward needs to know of a request's header.
type requestHeader struct {
	plain     bool // no Connection, Upgrade, Te or Expect value
	strip     bool // a hop-by-hop or forwarding header to drop
	userAgent bool // a User-Agent header, maybe empty
}

// scanRequestHeader learns what forward needs to know of h in one pass
// over a request's few headers: a lookup for each name it asks about
// costs more, and a request as most clients send it has nothing to strip.
func scanRequestHeader(h http.Header) requestHeader {
	s := requestHeader{plain: true}
	for k, vv := range h {
		switch {
		case k == "User-Agent":
			s.userAgent = true
		case (k == "Connection" || k == "Upgrade" || k == "Te" || k == "Expect") && len(vv) > 0:
			return requestHeader{}
		case hopHeader(k) || forwardedHeader(k):
			s.strip = true
		}
	}
	return s
}

// cleanQuery reports whether ReverseProxy passes the query on as it is:
// no ';' and no malformed escape.
func cleanQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case ';':
			return false
		case '%':
			if i+2 >= len(q) || !ishex(q[i+1]) || !ishex(q[i+2]) {
				return false
			}
		}
	}
	return true
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hopHeader reports whether the header named k (in canonical form) is
// hop-by-hop, dropped from both directions (RFC 9110 7.6.1) as
// ReverseProxy drops them. A request or response has a few headers, so
// one pass over them, each name matched here, costs less than a delete per
// hop-by-hop name (each a hash and a probe).
func hopHeader(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// forwardedHeader reports whether k is a forwarding header, dropped from
// the request as ReverseProxy's Rewrite mode drops them.
func forwardedHeader(k string) bool {
	switch k {
	case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
		return true
	}
	return false
}

// forward is ReverseProxy's work for a plain request.
// h is scanRequestHeader(r.Header).
func (p *proxy) forward(w http.ResponseWriter, r *http.Request, h requestHeader) {
	f := newForwarding(r.Context(), w)
	out := r.Clone(f.context())
	if r.ContentLength == 0 {
		out.Body = nil // lets the Transport retry it
	} else if out.Body != nil {
		out.Body = io.NopCloser(out.Body) // the Transport closing it must not close r's
	}
	out.Close = false
	if h.strip {
		stripRequestHeaders(out.Header)
	}
	if !h.userAgent {
		out.Header["User-Agent"] = []string{""} // not Go's default
	}
	out.URL.Scheme, out.URL.Host, out.Host = p.upstream.Scheme, p.upstream.Host, p.upstream.Host
	res, err := p.tr.RoundTrip(out)
	f.finalAnswer()
	if err != nil {
		p.fail(w, out, err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSwitchingProtocols {
		p.fail(w, out, errors.New("it switched protocols (101) when none was asked for"))
		return
	}
	contentType := copyResponseHeader(w.Header(), res.Header)
	announced := len(res.Trailer)
	if announced > 0 {
		names := make([]string, 0, announced)
		for k := range res.Trailer {
			names = append(names, k)
		}
		w.Header().Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(res.StatusCode)
	if err := p.copyBody(w, res, contentType); err != nil {
		panic(http.ErrAbortHandler) // the status is sent: all there is left to do is cut the response
	}
	_ = res.Body.Close() // now, to read the trailers
	if len(res.Trailer) == 0 {
		return
	}
	_ = http.NewResponseController(w).Flush() // chunked, so the trailers can follow
	if len(res.Trailer) == announced {
		copyHeader(w.Header(), res.Trailer)
		return
	}
	for k, vv := range res.Trailer {
		for _, v := range vv {
			w.Header().Add(http.TrailerPrefix+k, v)
		}
	}
}

// copyBody copies the response body, flushing after every write when it
// streams (no length, or server-sent events) as ReverseProxy does.
// contentType is the response's first Content-Type value.
func (p *proxy) copyBody(w http.ResponseWriter, res *http.Response, contentType string) error {
	bp := p.buffers.get()
	defer p.buffers.put(bp)
	buf := *bp
	streams := res.ContentLength == -1 || eventStream(contentType)
	rc := http.NewResponseController(w)
	for {
		n, rerr := res.Body.Read(buf)
		if rerr != nil && rerr != io.EOF && rerr != context.Canceled {
			log.Printf("httputil: ReverseProxy read error during body copy: %v", rerr) // ReverseProxy's line
		}
		if n > 0 {
			nw, werr := w.Write(buf[:n])
			if werr != nil {
				return werr
			}
			if nw != n {
				return io.ErrShortWrite
			}
			if streams {
				_ = rc.Flush()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// eventStream reports whether ct is text/event-stream (server-sent
// events), parsing it only when it may be.
func eventStream(ct string) bool {
	const sse = "text/event-stream"
	if len(ct) < len(sse) || !strings.EqualFold(ct[:len(sse)], sse) {
		return false
	}
	base, _, _ := mime.ParseMediaType(ct)
	return base == sse
}

// stripRequestHeaders drops the hop-by-hop and forwarding headers from a
// request's.
func stripRequestHeaders(h http.Header) {
	for k := range h {
		if hopHeader(k) || forwardedHeader(k) {
			delete(h, k)
		}
	}
}

// removeHopHeaders drops the hop-by-hop headers, and those Connection
// names, from h.
func removeHopHeaders(h http.Header) {
	removeConnectionNames(h)
	for k := range h {
		if hopHeader(k) {
			delete(h, k)
		}
	}
}

// removeConnectionNames drops the headers h's Connection names.
func removeConnectionNames(h http.Header) {
	for _, f := range h["Connection"] {
		for _, name := range strings.Split(f, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
}

// copyResponseHeader copies src to dst as removeHopHeaders(src) then
// copyHeader(dst, src) do: where no Connection header names others and
// dst is empty (a response no one has written yet), in one pass over
// src's few headers, hop-by-hop ones skipped (src keeps them), without a
// lookup in dst. It returns src's first Content-Type
// value, for copyBody, which would otherwise look it up.
func copyResponseHeader(dst, src http.Header) (contentType string) {
	if _, ok := src["Connection"]; ok || len(dst) > 0 {
		removeHopHeaders(src)
		copyHeader(dst, src)
		if ct := src["Content-Type"]; len(ct) > 0 {
			return ct[0]
		}
		return ""
	}
	for k, vv := range src {
		if hopHeader(k) {
			continue
		}
		if k == "Content-Type" && len(vv) > 0 {
			contentType = vv[0]
		}
		dst[k] = vv
	}
	return contentType
}

// copyHeader adds src's values to dst, sharing src's slices where dst has
// none (src is not used again).
func copyHeader(dst, src http.Header) {
	for k, vv := range src {
		if old, ok := dst[k]; ok {
			dst[k] = append(old, vv...)
		} else {
			dst[k] = vv
		}
	}
}

// forwarding is a forwarded request's context: the incoming request's,
// with a client trace that passes 1xx answers on to the client until the
// final answer arrives, as ReverseProxy does. The value is the context
// and answers for the trace itself, where httptrace.WithClientTrace would
// add a context value in front of it (an allocation, and a walk of the
// context's chain to compose with a trace already there).
type forwarding struct {
	context.Context
	w     http.ResponseWriter
	trace httptrace.ClientTrace
	mu    sync.Mutex
	done  bool
}

// newForwarding returns the forwarding of a request of ctx, answering
// to w.
func newForwarding(ctx context.Context, w http.ResponseWriter) *forwarding {
	f := &forwarding{Context: ctx, w: w}
	f.trace.Got1xxResponse = f.got1xx
	return f
}

// context is the context to forward the request in: f, or, where the
// request's context already has a client trace (to compose with, as
// ReverseProxy does) or the trace's key could not be learnt,
// httptrace.WithClientTrace's.
func (f *forwarding) context() context.Context {
	if clientTraceKey == nil || httptrace.ContextClientTrace(f.Context) != nil {
		return httptrace.WithClientTrace(f.Context, &f.trace)
	}
	return f
}

// finalAnswer stops f passing 1xx answers on: RoundTrip has returned, the
// final answer is the caller's to write. A 1xx arriving later (after a
// cancelled RoundTrip) is dropped.
func (f *forwarding) finalAnswer() {
	f.mu.Lock()
	f.done = true
	f.mu.Unlock()
}

// Value implements context.Context: the trace under httptrace's key,
// else the request context's values.
func (f *forwarding) Value(key any) any {
	if key == clientTraceKey {
		return &f.trace
	}
	return f.Context.Value(key)
}

func (f *forwarding) got1xx(code int, header textproto.MIMEHeader) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return nil
	}
	h := f.w.Header()
	copyHeader(h, http.Header(header))
	f.w.WriteHeader(code)
	clear(h) // WriteHeader does not clear them for a 1xx
	return nil
}

// clientTraceKey is the key httptrace keeps a ClientTrace under in a
// context (unexported there), learnt once by asking a context that notes
// the key it is asked for; nil if httptrace asked for none.
var clientTraceKey = func() any {
	var k keyProbe
	httptrace.ContextClientTrace(&k)
	return k.key
}()

// keyProbe is a context that notes the key of the last value asked of it.
type keyProbe struct {
	context.Context
	key any
}

func (k *keyProbe) Value(key any) any {
	k.key = key
	return nil
}

// proxyBuffers lends the proxy its copy buffers, which it would otherwise
// allocate (32 KiB) for every response. It keeps pointers to them in a
// sync.Pool: each core takes and gives back from its own list, where a
// shared channel's lock went back and forth between the cores twice a
// response; and a pointer goes into a Pool as it is, where a slice would
// be boxed (one allocation per response). The short path keeps the
// pointer it took (get, put); ReverseProxy's BufferPool side (Get, Put)
// boxes a new one on Put, on a path that allocates far more.
type proxyBuffers struct{ pool sync.Pool }

const proxyBufferSize = 32 << 10

func newProxyBuffers() *proxyBuffers {
	return &proxyBuffers{pool: sync.Pool{New: func() any {
		b := make([]byte, proxyBufferSize)
		return &b
	}}}
}

func (p *proxyBuffers) get() *[]byte  { return p.pool.Get().(*[]byte) }
func (p *proxyBuffers) put(b *[]byte) { p.pool.Put(b) }

// Get implements httputil.BufferPool.
func (p *proxyBuffers) Get() []byte { return *p.get() }

// Put implements httputil.BufferPool.
func (p *proxyBuffers) Put(b []byte) {
	if cap(b) >= proxyBufferSize {
		b = b[:proxyBufferSize]
		p.put(&b)
	}
}

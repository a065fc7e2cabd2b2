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
	if !p.short || !plainRequest(r) {
		p.rp.ServeHTTP(w, r)
		return
	}
	p.forward(w, r)
}

// plainRequest reports whether ReverseProxy would forward r changing
// nothing but its URL, Host and the headers forward drops.
func plainRequest(r *http.Request) bool {
	h := r.Header
	return r.Context().Done() != nil && r.URL.RawPath == "" && strings.HasPrefix(r.URL.Path, "/") &&
		cleanQuery(r.URL.RawQuery) && len(h["Connection"])+len(h["Upgrade"])+len(h["Te"])+len(h["Expect"]) == 0
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
func (p *proxy) forward(w http.ResponseWriter, r *http.Request) {
	f := &forwarding{w: w}
	f.trace.Got1xxResponse = f.got1xx
	out := r.Clone(httptrace.WithClientTrace(r.Context(), &f.trace))
	if r.ContentLength == 0 {
		out.Body = nil // lets the Transport retry it
	} else if out.Body != nil {
		out.Body = io.NopCloser(out.Body) // the Transport closing it must not close r's
	}
	out.Close = false
	stripRequestHeaders(out.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // not Go's default
	}
	out.URL.Scheme, out.URL.Host, out.Host = p.upstream.Scheme, p.upstream.Host, p.upstream.Host
	res, err := p.tr.RoundTrip(out)
	f.mu.Lock()
	f.done = true
	f.mu.Unlock()
	if err != nil {
		p.fail(w, out, err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSwitchingProtocols {
		p.fail(w, out, errors.New("it switched protocols (101) when none was asked for"))
		return
	}
	removeHopHeaders(res.Header)
	copyHeader(w.Header(), res.Header)
	announced := len(res.Trailer)
	if announced > 0 {
		names := make([]string, 0, announced)
		for k := range res.Trailer {
			names = append(names, k)
		}
		w.Header().Add("Trailer", strings.Join(names, ", "))
	}
	w.WriteHeader(res.StatusCode)
	if err := p.copyBody(w, res); err != nil {
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
func (p *proxy) copyBody(w http.ResponseWriter, res *http.Response) error {
	bp := p.buffers.get()
	defer p.buffers.put(bp)
	buf := *bp
	streams := res.ContentLength == -1 || eventStream(res.Header.Get("Content-Type"))
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

// forwarding passes 1xx answers on to the client until the final answer
// arrives, as ReverseProxy does.
type forwarding struct {
	w     http.ResponseWriter
	trace httptrace.ClientTrace
	mu    sync.Mutex
	done  bool
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

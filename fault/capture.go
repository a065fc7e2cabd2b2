package fault

import (
	"bytes"
	"net/http"
	"strconv"
)

// captured is a response produced by the next handler, held back so a
// fault can alter it before it reaches the client.
type captured struct {
	status int
	header http.Header
	body   []byte
}

type captureWriter struct {
	c   *captured
	buf bytes.Buffer
}

func (cw *captureWriter) Header() http.Header { return cw.c.header }
func (cw *captureWriter) Write(p []byte) (int, error) {
	if cw.c.status == 0 {
		cw.c.status = http.StatusOK
	}
	return cw.buf.Write(p)
}
func (cw *captureWriter) WriteHeader(code int) {
	if cw.c.status == 0 {
		cw.c.status = code
	}
}

// capture runs next and returns its whole response. It asks for an
// unencoded body (a proxied upstream would otherwise gzip it for a client
// that accepts gzip), so faults can read and cut the real bytes.
func capture(next http.Handler, r *http.Request) *captured {
	r.Header.Del("Accept-Encoding")
	c := &captured{header: http.Header{}}
	cw := &captureWriter{c: c}
	next.ServeHTTP(cw, r)
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body = cw.buf.Bytes()
	return c
}

// writeHeader sends the captured headers and status with the body's full
// Content-Length.
func (c *captured) writeHeader(w http.ResponseWriter) {
	for k, vs := range c.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(c.body)))
	w.WriteHeader(c.status)
}

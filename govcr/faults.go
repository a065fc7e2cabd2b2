package govcr

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
)

// Transport is an http.RoundTripper that sends each request through a fault
// plan before it reaches the transport it wraps (go-vcr's recorder, or any
// other). Requests travel to a fault upstream on 127.0.0.1 that forwards
// them to the wrapped transport; what the plan does to a request (a delay,
// a 503, a reset connection) is what the client receives. An error of the
// wrapped transport (go-vcr's "requested interaction not found") comes
// back to the client unchanged. Close stops the fault upstream.
type Transport struct {
	srv   *fault.Server
	front *http.Transport
	base  *url.URL

	seq  atomic.Int64
	errs sync.Map // request number -> error of the wrapped transport
}

// Headers that carry a request from the front transport to the forwarder.
const (
	targetHeader = "X-Faultline-Govcr-Target" // scheme://host the client asked for
	seqHeader    = "X-Faultline-Govcr-Seq"
)

// WithFaults returns a Transport applying plan in front of next. opts are
// the fault upstream's (fault.WithLogger, fault.WithClock...).
func WithFaults(next http.RoundTripper, plan *fault.Plan, opts ...fault.Option) (*Transport, error) {
	t := &Transport{}
	srv, err := fault.Listen("127.0.0.1:0", fault.Wrap(t.forwarder(next), plan, opts...), nil)
	if err != nil {
		return nil, fmt.Errorf("govcr: start the fault upstream: %w", err)
	}
	t.srv = srv
	t.base, _ = url.Parse(srv.URL)
	// Bodies pass as the wrapped transport gave them (no decompression),
	// and no proxy from the environment stands between.
	t.front = &http.Transport{DisableCompression: true, DialContext: (&net.Dialer{}).DialContext, MaxIdleConnsPerHost: 16}
	return t, nil
}

// RoundTrip sends r through the fault plan to the wrapped transport.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := t.seq.Add(1)
	out := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host, u.User = t.base.Scheme, t.base.Host, nil
	out.URL, out.Host, out.RequestURI = &u, t.base.Host, ""
	out.Header.Set(targetHeader, r.URL.Scheme+"://"+r.URL.Host)
	out.Header.Set(seqHeader, strconv.FormatInt(n, 10))
	resp, err := t.front.RoundTrip(out)
	if e, ok := t.errs.LoadAndDelete(n); ok {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, e.(error)
	}
	if err != nil {
		return nil, err
	}
	resp.Request = r
	return resp, nil
}

// forwarder is the fault upstream's base handler: it sends each request on
// to next, as the client addressed it, and writes next's response.
func (t *Transport) forwarder(next http.RoundTripper) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target, err := url.Parse(r.Header.Get(targetHeader))
		if err != nil || target.Host == "" {
			http.Error(w, "govcr: request without its target", http.StatusBadRequest)
			return
		}
		out := r.Clone(r.Context())
		u := *r.URL
		u.Scheme, u.Host = target.Scheme, target.Host
		out.URL, out.Host, out.RequestURI = &u, target.Host, ""
		seq, _ := strconv.ParseInt(r.Header.Get(seqHeader), 10, 64)
		out.Header.Del(targetHeader)
		out.Header.Del(seqHeader)
		if r.ContentLength == 0 {
			out.Body = http.NoBody
		}
		resp, err := next.RoundTrip(out)
		if err != nil {
			t.errs.Store(seq, err)
			http.Error(w, "govcr: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = append([]string(nil), vs...)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

// Journal is what the fault upstream saw and did, request by request.
func (t *Transport) Journal() *journal.Journal { return t.srv.Journal() }

// Close stops the fault upstream and closes idle connections to it.
func (t *Transport) Close() {
	t.front.CloseIdleConnections()
	t.srv.Close()
}

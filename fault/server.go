package fault

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/fault/tlsfault"
)

// Server is a fault upstream listening on a real socket, in the spirit of
// httptest.Server: NewServer starts it on a loopback port, URL is its base
// URL, Journal what it saw, Close stops it.
type Server struct {
	URL     string
	Handler *Handler
	srv     *http.Server
	ln      net.Listener
	errc    chan error
	tls     *tlsfault.Cert
	hs      *tlsfault.Listener // nil without TLS
	stopped sync.Once
	served  error // what Serve returned, once stopped

	clientMu sync.Mutex
	client   *http.Client // made by the first call to Client
}

// NewServer starts a stub upstream for plan on 127.0.0.1 at a free port.
// It panics if it cannot listen, like httptest.NewServer; use [Listen] to
// handle the error.
func NewServer(plan *Plan, opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", Wrap(nil, plan, opts...), nil)
	if err != nil {
		panic("fault: " + err.Error())
	}
	return s
}

// Listen serves h on addr, with TLS when t is not nil. Server-side
// timeouts and size limits protect it from hostile clients.
func Listen(addr string, h *Handler, t *tlsfault.Cert) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot listen on %s: %w (is another process using the port?)", addr, err)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	s := &Server{Handler: h, ln: ln, errc: make(chan error, 1), tls: t}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
		// Socket faults hijack connections, which HTTP/2 cannot do.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	scheme := "http"
	if t != nil {
		scheme = "https"
		s.hs = tlsfault.NewListener(ln, t)
		ln = s.hs
	}
	s.URL = scheme + "://" + s.ln.Addr().String()
	go func() { s.errc <- s.srv.Serve(ln) }()
	return s, nil
}

// Journal returns what the server saw.
func (s *Server) Journal() *journal.Journal { return s.Handler.Journal() }

// Handshakes returns the TLS handshakes that failed (none without TLS).
func (s *Server) Handshakes() []tlsfault.Handshake {
	if s.hs == nil {
		return nil
	}
	return s.hs.Handshakes()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Client returns an http.Client for the server, trusting its certificate
// when it serves TLS. Like httptest.Server's, it is one client, made on the
// first call and shared by every caller, whose idle connections Close
// closes; a test that changes its settings (Timeout, keep-alives, a
// redirect policy) should build its own from a clone of its Transport.
func (s *Server) Client() *http.Client {
	s.clientMu.Lock()
	defer s.clientMu.Unlock()
	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if s.tls != nil {
			tr.TLSClientConfig = &tls.Config{RootCAs: s.tls.Pool, MinVersion: tls.VersionTLS12}
		}
		s.client = &http.Client{Transport: tr}
	}
	return s.client
}

// closeClientIdle closes the idle connections of the client Client made,
// so that a stopped server leaves no client connection behind.
func (s *Server) closeClientIdle() {
	s.clientMu.Lock()
	defer s.clientMu.Unlock()
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
}

// Shutdown stops accepting, cuts what faults hold (hangs and injected
// delays: their connections are closed), and waits for the other requests
// in flight to finish until ctx ends; then it closes what is left. Nothing held is ever answered with an
// empty 200: a cut request's connection is closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Handler.Release()
	err := s.srv.Shutdown(ctx)
	waitCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err != nil {
		// The drain ran out of time: cut what is still held, let those
		// handlers close their connections, then close the rest.
		s.Handler.Close()
		_ = s.Handler.Wait(waitCtx)
		_ = s.srv.Close()
	}
	if werr := s.Handler.Wait(waitCtx); err == nil {
		err = werr
	}
	s.Handler.Close()
	s.stopped.Do(func() { s.served = <-s.errc })
	s.closeClientIdle()
	if serr := s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Close stops the server at once, waiting at most a second for requests in
// flight.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

package tlsfault

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Handshake is a TLS handshake that failed: no request could follow. Error
// is what the server saw, which names the client's alert when the client
// refused the certificate ("remote error: tls: bad certificate").
type Handshake struct {
	Time       time.Time `json:"time"`
	RemoteAddr string    `json:"remote_addr"`
	Error      string    `json:"error"`
}

// maxHandshakes bounds the failed handshakes kept.
const maxHandshakes = 10000

// Listener serves TLS on a listener: it completes each connection's
// handshake before Accept returns it, so that the handshakes that fail,
// which an http.Server only logs, are recorded ([Listener.Handshakes]).
// With the Cert's PlainHTTP it also hands on plain HTTP connections.
type Listener struct {
	net.Listener
	cfg    *tls.Config
	plain  bool // plain HTTP is answered too
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	ctx    context.Context // ends handshakes in progress when closed
	cancel context.CancelFunc
	active sync.WaitGroup // handshakes in progress

	mu     sync.Mutex
	failed []Handshake
}

// NewListener serves c on inner, which it owns from now on: Close closes
// it.
func NewListener(inner net.Listener, c *Cert) *Listener {
	l := &Listener{Listener: inner, cfg: c.Config, plain: c.PlainHTTP, conns: make(chan net.Conn), done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	go l.acceptLoop()
	return l
}

func (l *Listener) acceptLoop() {
	defer l.doneOnce()
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return
		}
		l.active.Add(1)
		go l.handshake(c)
	}
}

func (l *Listener) handshake(c net.Conn) {
	defer l.active.Done()
	if l.plain {
		var ok bool
		if c, ok = l.sniff(c); !ok {
			return
		}
		if _, isTLS := c.(*peeked); !isTLS {
			l.hand(c)
			return
		}
	}
	tc := tls.Server(c, l.cfg)
	ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		l.mu.Lock()
		if len(l.failed) < maxHandshakes {
			l.failed = append(l.failed, Handshake{Time: time.Now(), RemoteAddr: c.RemoteAddr().String(), Error: err.Error()})
		}
		l.mu.Unlock()
		_ = c.Close()
		return
	}
	l.hand(tc)
}

// hand passes a connection to Accept, or closes it once closed.
func (l *Listener) hand(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	}
}

// sniff reads a connection's first byte: a TLS handshake record (0x16)
// comes back as a *peeked to be handshaken, anything else as plain HTTP.
func (l *Listener) sniff(c net.Conn) (net.Conn, bool) {
	var b [1]byte
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, b[:]); err != nil {
		_ = c.Close()
		return nil, false
	}
	_ = c.SetReadDeadline(time.Time{})
	p := &peeked{Conn: c, first: b[0], pending: true}
	if b[0] == 0x16 {
		return p, true
	}
	return plainConn{p}, true
}

// peeked is a connection whose first byte was read to tell TLS from plain
// HTTP; Read gives it back first.
type peeked struct {
	net.Conn
	first   byte
	pending bool
}

func (p *peeked) Read(b []byte) (int, error) {
	if p.pending && len(b) > 0 {
		b[0], p.pending = p.first, false
		return 1, nil
	}
	return p.Conn.Read(b)
}

// plainConn is a sniffed connection that speaks plain HTTP.
type plainConn struct{ *peeked }

// Accept returns the next connection whose handshake succeeded (or, with
// PlainHTTP, that speaks plain HTTP).
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// handshakeGrace is how long Close lets handshakes in progress finish, so
// that a client's refusal, sent a moment before, is recorded with its
// reason rather than cut short.
const handshakeGrace = 500 * time.Millisecond

// Close stops accepting, and ends handshakes still in progress after a
// short grace.
func (l *Listener) Close() error {
	err := l.Listener.Close()
	finished := make(chan struct{})
	go func() { l.active.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(handshakeGrace):
	}
	l.cancel()
	l.doneOnce()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// doneOnce makes Accept return: the listener is closed.
func (l *Listener) doneOnce() { l.once.Do(func() { close(l.done) }) }

// Handshakes returns the TLS handshakes that failed, oldest first.
func (l *Listener) Handshakes() []Handshake {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Handshake(nil), l.failed...)
}

package resilience

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Client sends HTTP requests under a Policy. It is safe for concurrent use;
// per-host state (breaker, rate, budget, bulkhead) is shared by all calls.
type Client struct {
	p     Policy
	clock Clock
	log   *slog.Logger
	rt    http.RoundTripper
	// ownTransport: rt is the client's *http.Transport, which reports
	// through httptrace whether a request was written.
	ownTransport bool
	keyHeader    string // canonical Policy.Idempotency.Header
	fallback     func(*Request, error) (*Response, error)

	rngMu sync.Mutex
	rng   *rand.Rand

	upMu      sync.Mutex
	upstreams map[string]*upstream

	cache *staleCache
	m     recorder
}

// Request is one logical call; the client may send it several times.
type Request struct {
	Method string // GET when empty
	URL    string
	Header http.Header
	Body   []byte // sent intact on every attempt
	// Kind picks the attempt timeout; inferred from Method when empty.
	Kind Kind
	// IdempotencyKey is sent in the idempotency header on every attempt.
	// POST and PATCH get a generated one when empty (Policy.Idempotency).
	IdempotencyKey string
	// Name groups calls under one breaker, rate limit, budget and bulkhead
	// (an integration such as "stripe"); the URL's host when empty.
	Name string
}

// Response is the final answer to a call.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte // always complete: a broken body is a failed attempt
	Attempts   int    // requests sent for this call (see Metrics.Attempts)
	Fallback   bool   // produced by a fallback, not by the upstream now
	Stale      bool   // a cached earlier response (Fallback is true too)
}

// Option configures a Client.
type Option func(*Client)

// WithSeed makes jitter, request IDs and idempotency keys reproducible (for
// calls made one after another). Without it the client seeds itself from
// crypto/rand, so that two processes never share keys.
func WithSeed(seed int64) Option {
	return func(c *Client) {
		var s [32]byte
		binary.LittleEndian.PutUint64(s[:], uint64(seed))
		c.rng = rand.New(rand.NewChaCha8(s))
	}
}

// WithClock replaces the wall clock used for waits.
func WithClock(clock Clock) Option { return func(c *Client) { c.clock = clock } }

// WithLogger receives one record per attempt. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithTransport sends attempts through rt instead of the client's own
// transport (whose connect, TLS and header timeouts come from the Policy).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.rt = rt } }

// WithFallback sets a function that answers a call whose upstream is failing
// (breaker open, retries or budget exhausted, no time left). It is not used
// for client errors. Its response is marked Fallback.
func WithFallback(fn func(*Request, error) (*Response, error)) Option {
	return func(c *Client) { c.fallback = fn }
}

// New returns a client for p. Invalid policy fields are replaced by their
// defaults (use Policy.Validate to report them).
func New(p Policy, opts ...Option) *Client {
	c := &Client{p: p.normalized(), clock: realClock{}, upstreams: map[string]*upstream{}}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.rng == nil {
		var s [32]byte
		_, _ = crand.Read(s[:])
		c.rng = rand.New(rand.NewChaCha8(s))
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.rt == nil {
		c.rt, c.ownTransport = newTransport(c.p.Timeouts), true
	}
	c.keyHeader = textproto.CanonicalMIMEHeaderKey(c.p.Idempotency.Header)
	c.cache = newStaleCache(c.p.StaleCache)
	return c
}

func newTransport(t Timeouts) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   t.TLSHandshake,
		ResponseHeaderTimeout: t.ResponseHeader,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// CloseIdleConnections closes the transport's idle connections.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Metrics returns a snapshot of the client's counters.
func (c *Client) Metrics() Metrics { return c.m.snapshot() }

// upstream holds the per-host (or per-Name) protections.
type upstream struct {
	breaker *breaker
	limiter *limiter
	bulk    *bulkhead
	budget  *budget
	quota   *quota
	latency latencies
}

func (c *Client) upstream(name string) *upstream {
	c.upMu.Lock()
	defer c.upMu.Unlock()
	if u, ok := c.upstreams[name]; ok {
		return u
	}
	u := &upstream{
		breaker: newBreaker(name, c.p.Breaker, c.clock, func(name string, from, to gobreaker.State) {
			c.m.transition(c.clock.Now(), name, from, to)
			c.log.Warn("circuit breaker", "breaker", name, "from", from.String(), "to", to.String())
		}),
		limiter: newLimiter(c.p.RateLimit),
		bulk:    newBulkhead(c.p.Bulkhead),
		budget:  newBudget(c.p.Budget),
		quota:   newQuota(c.p.RateLimit),
	}
	c.upstreams[name] = u
	return u
}

const requestIDHeader = "X-Request-Id"

// uuid returns a random version 4 UUID from the client's source.
func (c *Client) uuid() string {
	c.rngMu.Lock()
	hi, lo := c.rng.Uint64(), c.rng.Uint64()
	c.rngMu.Unlock()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// jitter returns a uniform duration in [0, d).
func (c *Client) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	c.rngMu.Lock()
	defer c.rngMu.Unlock()
	return time.Duration(c.rng.Int64N(int64(d)))
}

// call is the state of one logical call across its attempts.
type call struct {
	req      *Request
	method   string
	rawURL   string
	u        *url.URL
	header   http.Header
	id       string
	safe     bool // idempotent method or keyed
	name     string
	up       *upstream
	kind     Kind
	timeout  time.Duration
	start    time.Time
	end      time.Time
	deadline time.Time // from Timeouts.Total on the client's clock; zero if none
	attempts int
	refused  int       // times an open breaker refused the call
	held     int       // of those, the ones that used a try (see holdForBreaker)
	last     *Response // last complete response read
	status   int
}

// tries counts the call's attempts, sent or refused by the breaker.
func (cl *call) tries() int { return cl.attempts + cl.held }

// first reports whether nothing was tried yet, not even refused.
func (cl *call) first() bool { return cl.attempts == 0 && cl.refused == 0 }

func (cl *call) op() string { return cl.method + " " + maskURL(cl.u) }

// prepare validates req and builds its call.
func (c *Client) prepare(req *Request) (*call, error) {
	if req == nil {
		return nil, &Error{Class: ClassClientError, reason: ErrNotRetryable, op: "call", Err: errors.New("nil *Request")}
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	cl := &call{req: req, method: method, rawURL: req.URL, start: c.clock.Now()}
	u, err := url.Parse(req.URL)
	if err == nil && u.Scheme != "http" && u.Scheme != "https" {
		err = errUnsupportedScheme
	} else if err == nil && u.Host == "" {
		err = errors.New("URL has no host")
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message would repeat the URL, secrets and all
		}
		cl.u = &url.URL{Opaque: "(invalid URL)"}
		return nil, cl.fail(ClassClientError, ErrNotRetryable, fmt.Errorf("request URL: %w; write it like https://api.example.com/v1/items", err))
	}
	cl.u = u
	kind := req.Kind
	if kind == "" {
		kind = kindOf(method)
	}
	switch kind {
	case KindRead, KindCreate, KindUpdate, KindPayment, KindUpload:
	default:
		return nil, cl.fail(ClassClientError, ErrNotRetryable, fmt.Errorf("request kind %q: use read, create, update, payment or upload", kind))
	}
	cl.kind, cl.timeout = kind, c.p.Timeouts.attemptTimeout(kind)
	cl.header = c.headers(req, method)
	cl.id = cl.header.Get(requestIDHeader)
	cl.safe = idempotentMethod(method) || cl.header.Get(c.keyHeader) != ""
	cl.name = req.Name
	if cl.name == "" {
		cl.name = u.Host
	}
	cl.up = c.upstream(cl.name)
	return cl, nil
}

// headers returns the headers sent on every attempt: the caller's, a
// correlation ID, and an idempotency key when one applies.
func (c *Client) headers(req *Request, method string) http.Header {
	h := make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		h[k] = v
	}
	vals := make([]string, 2) // one allocation for both values
	if h.Get(requestIDHeader) == "" {
		vals[0] = c.uuid()
		h[requestIDHeader] = vals[0:1:1]
	}
	key := req.IdempotencyKey
	if key == "" {
		key = h.Get(c.keyHeader)
	}
	if key == "" && needsKey(method) && c.p.Idempotency.AutoKey {
		key = c.uuid()
	}
	if key != "" {
		vals[1] = key
		h[c.keyHeader] = vals[1:2:2]
	}
	return h
}

// fail builds the call's error.
func (cl *call) fail(class Class, reason, cause error) *Error {
	return &Error{Class: class, Attempts: cl.attempts, LastStatus: cl.status, Err: cause, reason: reason, op: cl.op()}
}

// remaining returns the time left before the call's deadline, if it has one.
func (c *Client) remaining(ctx context.Context, cl *call) (time.Duration, bool) {
	var rem time.Duration
	var ok bool
	if dl, has := ctx.Deadline(); has {
		rem, ok = time.Until(dl), true
	}
	if !cl.deadline.IsZero() {
		if r := cl.deadline.Sub(c.clock.Now()); !ok || r < rem {
			rem, ok = r, true
		}
	}
	return rem, ok
}

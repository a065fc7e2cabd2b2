package fault

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/reqlog"
)

// Handler wears a plan's faults around an http.Handler and journals every
// request. It is what [NewServer] serves, and what a cassette replay or a
// reverse proxy is wrapped in.
type Handler struct {
	base    http.Handler
	state   atomic.Pointer[planState]
	journal *journal.Journal
	cfg     config
	release chan struct{} // closed when shutdown starts: hangs let go
	done    chan struct{} // closed when it must end now: waits are cut
	once    sync.Once
	close   sync.Once
	planMu  sync.Mutex      // serializes SetPlan, Reset and Close
	reqlog  *reqlog.Handler // the logger's handler when it is one
	// inflight counts requests being served, including ones whose
	// connection a fault hijacked (http.Server no longer tracks those).
	inflight atomic.Int64
}

type planState struct {
	plan  *Plan
	start time.Time
	// lazy: time windows start at the first request, firstAt
	// (WithStartAtFirstRequest).
	lazy     bool
	firstAt  atomic.Pointer[time.Time]
	routes   []*routeState
	webhooks *dispatcher            // nil when the plan declares none
	_        [2*cacheLine - 80]byte // see cacheLine
}

type routeState struct {
	route *Route
	hash  uint64
	mu    sync.Mutex
	// counts are the positions of the route's requests in its rules'
	// schedules; a route without rules has no schedule and counts nothing.
	counts *counters
	_      [cacheLine - 32]byte // see cacheLine
}

// cacheLine is the size of a cache line. A planState and each of its
// routeStates, read by every request, fill whole lines of their own (a
// size the allocator aligns to one): unpadded (80 and 32 bytes), each
// shared its lines with whatever the allocator put beside it, and a
// neighbour that another core writes per request (a 32-byte value of a
// request's, say) would make every request miss its route.
const cacheLine = 64

// Option configures a Handler or Server.
type Option func(*config)

type config struct {
	logger      *slog.Logger
	journalSize int
	valueMax    int
	maxBody     int64
	bodyTimeout time.Duration
	clock       Clock
	onEntry     func(*journal.Entry)
	lazyStart   bool
	inspect     func(*http.Request) (*http.Request, map[string]string)
	mutator     Mutator
}

// WithLogger logs one line per request with the faults applied.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithJournalSize sets how many entries the journal keeps; zero or less
// means [journal.DefaultSize].
func WithJournalSize(n int) Option { return func(c *config) { c.journalSize = n } }

// WithJournalValueMax sets how many bytes of each request value (path,
// query, a header) a journal entry keeps; a longer value is cut there and
// marked "…[cut N bytes, sha256 XXXXXXXXXXXXXXXX]" (how much was dropped,
// and a digest of the whole value, so two long values that share their
// first bytes still compare unequal). Zero or less means
// [journal.DefaultValueMax].
// With the entry count it bounds the journal's memory: roughly
// size × 8 values × valueMax bytes at worst.
func WithJournalValueMax(n int) Option { return func(c *config) { c.valueMax = n } }

// WithBodyTimeout sets how long a request's body may take to arrive once
// its headers have; a slower one is answered 408 and its connection closed.
func WithBodyTimeout(d time.Duration) Option { return func(c *config) { c.bodyTimeout = d } }

// DefaultBodyTimeout is how long a request body may take by default.
const DefaultBodyTimeout = 30 * time.Second

// WithMaxBody sets the largest request body accepted; larger ones get 413.
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithClock replaces real time for the journal, time windows, rate limits
// and every wait a fault makes (see [Clock]); tests inject a fake one so that
// no test sleeps for real.
func WithClock(clock Clock) Option { return func(c *config) { c.clock = clock } }

// WithStartAtFirstRequest counts the plan's time windows (outages, flaps,
// when: {after, for}) from the first request it serves instead of from
// when it was set, so a client that takes a while to start (an
// interpreter) meets the same timeline as one that starts at once.
func WithStartAtFirstRequest() Option { return func(c *config) { c.lazyStart = true } }

// DefaultMaxBody is the largest request body accepted by default.
const DefaultMaxBody = 10 << 20

// Wrap returns a Handler serving plan's routes in front of base. Requests
// that match no route, and routes with no stub response, go to base; a nil
// base answers them 404 with the list of routes.
func Wrap(base http.Handler, plan *Plan, opts ...Option) *Handler {
	cfg := config{maxBody: DefaultMaxBody, clock: wallClock{}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.bodyTimeout <= 0 {
		cfg.bodyTimeout = DefaultBodyTimeout
	}
	h := &Handler{base: base, journal: journal.New(cfg.journalSize, cfg.valueMax), cfg: cfg, release: make(chan struct{}), done: make(chan struct{})}
	if h.base == nil {
		h.base = http.HandlerFunc(h.notFound)
	}
	if cfg.logger != nil {
		h.reqlog, _ = cfg.logger.Handler().(*reqlog.Handler)
	}
	h.SetPlan(plan)
	return h
}

// Journal returns the handler's journal.
func (h *Handler) Journal() *journal.Journal { return h.journal }

// Plan returns the plan in force.
func (h *Handler) Plan() *Plan { return h.state.Load().plan }

// planStart reports when the plan in force started (its time windows count from
// there).
func (h *Handler) planStart() time.Time { return h.state.Load().begin(time.Time{}) }

// FirstRequest reports when the first request under the plan in force
// arrived, with WithStartAtFirstRequest; ok is false before it (and
// without that option).
func (h *Handler) FirstRequest() (at time.Time, ok bool) {
	if p := h.state.Load().firstAt.Load(); p != nil {
		return *p, true
	}
	return time.Time{}, false
}

// begin is when the plan's time windows start: when it was set, or with
// WithStartAtFirstRequest when its first request (arriving at now) came.
// Before that first request it reports when the plan was set.
func (st *planState) begin(now time.Time) time.Time {
	if !st.lazy {
		return st.start
	}
	if at := st.firstAt.Load(); at != nil {
		return *at
	}
	if now.IsZero() {
		return st.start
	}
	first := new(time.Time) // here, not &now: that would move now to the heap on every call
	*first = now
	st.firstAt.CompareAndSwap(nil, first)
	return *st.firstAt.Load()
}

// SetPlan swaps the plan atomically: requests already in flight finish under
// the old one, counters and time windows start afresh.
func (h *Handler) SetPlan(p *Plan) {
	h.planMu.Lock()
	defer h.planMu.Unlock()
	h.setPlan(p)
}

func (h *Handler) setPlan(p *Plan) {
	if p == nil {
		p = &Plan{}
	}
	st := &planState{plan: p, start: h.cfg.clock.Now(), lazy: h.cfg.lazyStart}
	select {
	case <-h.done: // closed: a new plan sends no webhooks
	default:
		st.webhooks = newDispatcher(p, h.cfg.clock)
	}
	for i := range p.Routes {
		for _, rule := range p.Routes[i].Rules {
			if r, ok := rule.Fault.(resetter); ok {
				r.Reset() // a plan served again starts afresh (its tokens, its windows)
			}
		}
		hf := fnv.New64a()
		_, _ = hf.Write([]byte(p.Routes[i].Name))
		st.routes = append(st.routes, &routeState{route: &p.Routes[i], hash: hf.Sum64(), counts: newCounters(maxScopeKeys)})
	}
	if old := h.state.Swap(st); old != nil && old.webhooks != nil {
		old.webhooks.close()
	}
}

// WaitDeliveries waits until the webhooks already fired have been
// delivered (redeliveries included), or ctx ends. Timers keep firing.
func (h *Handler) WaitDeliveries(ctx context.Context) error {
	if d := h.state.Load().webhooks; d != nil {
		return d.wait(ctx)
	}
	return nil
}

// Wait waits until no request is being served (so every request so far is
// in the journal), or ctx ends.
func (h *Handler) Wait(ctx context.Context) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for h.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// Deliveries returns the webhook deliveries the plan in force has sent.
func (h *Handler) Deliveries() []journal.Delivery {
	if d := h.state.Load().webhooks; d != nil {
		return d.list()
	}
	return nil
}

// Reset restarts the plan's counters, time windows and stateful faults, and
// empties the journal.
func (h *Handler) Reset() {
	h.planMu.Lock()
	defer h.planMu.Unlock()
	h.setPlan(h.Plan()) // resets stateful faults too
	h.journal.Reset()
}

// Release lets go of requests held by a fault, so a server can drain at
// once: a hang, an injected delay (latency, slow_body) are cut and their
// connections closed; requests doing real work (a proxied call) finish.
func (h *Handler) Release() { h.once.Do(func() { close(h.release) }) }

// Close ends every held request now (hang and latency alike) and stops
// webhook deliveries.
func (h *Handler) Close() {
	h.Release()
	h.close.Do(func() {
		h.planMu.Lock()
		defer h.planMu.Unlock()
		close(h.done)
		if d := h.state.Load().webhooks; d != nil {
			d.close()
		}
	})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	var names []string
	for _, rt := range h.Plan().Routes {
		names = append(names, rt.Name)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `{"error":"faultline: no route matches %s %s","routes":%q}`+"\n", r.Method, r.URL.Path, names)
}

// served is what a request keeps while it is served, in one value
// (under 512 bytes: no allocation header): the recorder around its
// ResponseWriter, the journal entry being filled, and the step that marks
// the route's effect. Faults write the entry under mu while the request is
// served; once finish has completed it, nothing writes it again (every
// fault's work, goroutines included, ends before the handler returns), so
// the journal, the log and observers read it without a copy.
//
// A request no fault touched gives its value back to servedPool when it
// is done, for the next request: the journal keeps a copy of the entry,
// and Begin overwrites every field of it, so nothing of one request
// reaches the next. A request a fault served (a fault may hand its Call,
// which points into the entry, to goroutines of its own), hijacked, or
// that panicked, leaves its value to the garbage collector.
type served struct {
	rec    recorder
	mu     sync.Mutex
	entry  journal.Entry
	effect effectStep
}

var servedPool = sync.Pool{New: func() any { return new(served) }}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.inflight.Add(1)
	defer h.inflight.Add(-1)
	st := h.state.Load()
	s := servedPool.Get().(*served)
	s.rec, s.effect = recorder{ResponseWriter: w}, effectStep{}
	e := &s.entry
	h.journal.Begin(e, r, h.cfg.clock.Now())
	defer h.finish(s, r)
	if !h.readBody(&s.rec, r, e) {
		return
	}
	if h.cfg.inspect != nil {
		r, e.Notes = h.cfg.inspect(r)
	}
	route := st.match(r)
	if route == nil {
		h.base.ServeHTTP(&s.rec, r)
		return
	}
	e.Route = route.route.Name
	h.chain(st, route, r, s).ServeHTTP(&s.rec, r)
}

// readBody buffers the request body (so faults and the base handler can
// both read it) and hashes it. A body that cannot be read is answered here,
// and the journal says why: over the limit 413; not all sent within the
// body timeout 408 (end body_timeout); cut short or badly chunked 400; the
// connection gone, closed without an answer (end client_gone).
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, e *journal.Entry) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.cfg.bodyTimeout)) // a socket's clock; a ResponseRecorder has no deadline
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		// The deadline stays: net/http would otherwise wait for the rest
		// of a slow body before closing the connection.
		refuseBody(w, r, e, err, h.cfg)
		return false
	}
	_ = rc.SetReadDeadline(time.Time{})
	sum := sha256.Sum256(body)
	e.BodySHA256, e.BodySize = hex.EncodeToString(sum[:]), int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// refuseBody answers a request whose body could not be read.
func refuseBody(w http.ResponseWriter, r *http.Request, e *journal.Entry, err error, cfg config) {
	var tooBig *http.MaxBytesError
	var netErr net.Error
	w.Header().Set("Connection", "close")
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("faultline: request body over %d bytes", cfg.maxBody), http.StatusRequestEntityTooLarge)
	case errors.Is(err, os.ErrDeadlineExceeded):
		e.End = journal.EndBodyTimeout
		http.Error(w, fmt.Sprintf("faultline: request body not received within %s", cfg.bodyTimeout), http.StatusRequestTimeout)
	case errors.As(err, &netErr) || errors.Is(err, net.ErrClosed):
		e.End = journal.EndClientGone
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			_ = conn.Close() // nothing to answer, and never an empty 200
		}
	default: // a body shorter than its Content-Length (then a half-close), or a bad chunk
		http.Error(w, "faultline: unreadable request body: "+err.Error(), http.StatusBadRequest)
	}
}

func (st *planState) match(r *http.Request) *routeState {
	for _, rs := range st.routes {
		if rs.route.Match.matches(r) {
			return rs
		}
	}
	return nil
}

// positions counts the request in every scope the route's rules use and
// returns each rule's position, plus the route-wide position. Only a
// route with rules is counted.
func (rs *routeState) positions(r *http.Request) (perRule []int, routeN int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	routeN = rs.counts.inc("route")
	perRule = make([]int, len(rs.route.Rules))
	keys := make([]string, len(rs.route.Rules)) // a route has few rules: a slice beats a map
	for i, rule := range rs.route.Rules {
		k := rule.When.scopeKey(r)
		keys[i] = k
		n, found := routeN, k == "route"
		for j := 0; j < i && !found; j++ {
			n, found = perRule[j], keys[j] == k
		}
		if !found {
			n = rs.counts.inc(k)
		}
		perRule[i] = n
	}
	return perRule, routeN
}

// chain builds the handler for one request: the faults its rules select,
// outermost first, around the route's response.
func (h *Handler) chain(st *planState, rs *routeState, r *http.Request, s *served) http.Handler {
	e, mu := &s.entry, &s.mu
	respond := h.base
	if rs.route.Respond != nil {
		respond = rs.route.Respond
	}
	if len(rs.route.Rules) == 0 {
		// No rule: no position to count (nothing would read it: the
		// route's lock, a hash and a map write saved on every request),
		// no draw, nothing to select. A lazy plan's windows still start
		// at its first request, whichever route that takes. No fault
		// shares the entry, so the effect is marked without the lock
		// (finish takes it after the response), and the response is
		// served straight.
		st.begin(e.Time)
		e.Effect = true
		return respond
	}
	s.effect = effectStep{next: respond, e: e, mu: mu}
	var next http.Handler = &s.effect
	perRule, routeN := rs.positions(r)
	start := st.begin(e.Time)
	rnd := rand.New(rand.NewPCG(uint64(st.plan.Seed), rs.hash^uint64(routeN)))
	elapsed := h.cfg.clock.Now().Sub(start)
	var selected []int
	for i, rule := range rs.route.Rules {
		draw := 0.0
		if rule.When.drawn() {
			draw = rnd.Float64()
		}
		if rule.When.applies(perRule[i], elapsed, draw) {
			selected = append(selected, i)
		}
	}
	for k := len(selected) - 1; k >= 0; k-- {
		i := selected[k]
		call := &Call{N: perRule[i], Seq: e.Seq, Start: start, Rand: rnd, Next: next, Done: h.release, stop: h.done, clock: h.cfg.clock, entry: e, mu: mu, mutator: h.cfg.mutator}
		next = faultStep(rs.route.Rules[i].Fault, call)
	}
	return next
}

// effectStep records in the entry that the route's response was produced,
// then produces it.
type effectStep struct {
	next http.Handler
	e    *journal.Entry
	mu   *sync.Mutex
}

func (s *effectStep) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.e.Effect = true
	s.mu.Unlock()
	s.next.ServeHTTP(w, r)
}

func faultStep(f Fault, c *Call) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.entry.Faults = append(c.entry.Faults, journal.Applied{Type: f.Kind()})
		c.mu.Unlock()
		f.Serve(w, r, c)
	})
}

// finish completes the journal entry, even when a fault aborted the
// response with http.ErrAbortHandler (which it re-raises).
func (h *Handler) finish(s *served, r *http.Request) {
	p := recover()
	e, rec, mu := &s.entry, &s.rec, &s.mu
	mu.Lock()
	e.Status, e.BytesSent = rec.status, rec.bytes
	if e.Status == 0 && rec.hijacked == false && e.End == "" && p == nil {
		e.Status = http.StatusOK
	}
	if e.End == "" {
		switch {
		case r.Context().Err() != nil && !rec.done():
			e.End = journal.EndClientGone
		case p != nil:
			e.End = journal.EndTruncated
		default:
			e.End = journal.EndComplete
		}
	}
	end := h.endOf(e.Time)
	if e.Duration == 0 { // a fault that cut the connection set it then
		e.Duration = end.Sub(e.Time)
	}
	mu.Unlock()
	h.journal.Record(e)
	h.log(e, end)
	if h.cfg.onEntry != nil {
		h.cfg.onEntry(e)
	}
	if d := h.state.Load().webhooks; d != nil && p == nil {
		d.observe(e, r)
	}
	if p != nil {
		panic(p)
	}
	if len(e.Faults) == 0 && !rec.hijacked {
		s.rec, s.effect = recorder{}, effectStep{} // no hold on the connection's writer while pooled
		servedPool.Put(s)
	}
}

// endOf is the clock's now for a request that started at start. With real
// time it is start plus the monotonic time since start: one clock reading
// where time.Now takes two (the wall and the monotonic clock, about 50 ns
// each on a virtual machine). It is the instant time.Now would give unless
// the wall clock is stepped while the request is served, and the duration
// is the monotonic one either way.
func (h *Handler) endOf(start time.Time) time.Time {
	if _, wall := h.cfg.clock.(wallClock); wall {
		return start.Add(time.Since(start))
	}
	return h.cfg.clock.Now()
}

// log writes the request's line: straight into the log's buffer when the
// logger's handler is a reqlog.Handler (as faultline serve and replay make
// it; Wrap keeps it: a logger's handler never changes), else through a
// record handed to the logger's handler, as Logger.LogAttrs would,
// without the call-stack capture for a source location the line never
// shows. The line's time is end, when the handler finished, read from the
// clock once for both (reading the time costs ~100 ns on a virtual
// machine); an injected clock's time is not the log's: then it is read
// again from the wall.
func (h *Handler) log(e *journal.Entry, end time.Time) {
	ctx := context.Background()
	if h.cfg.logger == nil || !h.enabled(ctx) {
		return
	}
	if _, wall := h.cfg.clock.(wallClock); !wall {
		end = time.Now()
	}
	l := reqlog.Line{Time: end, Seq: e.Seq, Method: e.Method, Path: e.Path, Status: e.Status, End: e.End,
		Duration: e.Duration.Round(time.Microsecond), Route: e.Route, IdempotencyKey: e.IdempotencyKey}
	if len(e.Faults) > 0 {
		l.Fault = e.FaultNames()
	}
	if h.reqlog != nil && h.reqlog.WriteRequest(&l) {
		return
	}
	// Typed attributes in a fixed array: no value is boxed, nothing escapes
	// but what the handler keeps.
	var buf [9]slog.Attr
	rec := slog.NewRecord(l.Time, slog.LevelInfo, reqlog.Msg, 0)
	rec.AddAttrs(l.AppendAttrs(buf[:0])...)
	_ = h.cfg.logger.Handler().Handle(ctx, rec)
}

// enabled reports whether the request line's level is on.
func (h *Handler) enabled(ctx context.Context) bool {
	if h.reqlog != nil {
		return h.reqlog.Enabled(ctx, slog.LevelInfo)
	}
	return h.cfg.logger.Enabled(ctx, slog.LevelInfo)
}

// recorder tracks the status and bytes written, and lets faults hijack or
// flush the underlying connection.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// WriteString writes s without the copy into a byte slice that
// io.WriteString makes for a writer that lacks it (net/http's
// ResponseWriter has it): a replayed body is a string.
func (w *recorder) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.WriteString(w.ResponseWriter, s)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) done() bool { return w.status != 0 || w.hijacked }

// Flush implements http.Flusher.
func (w *recorder) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack implements http.Hijacker.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// WithInspect calls f with every request before it is routed (its body
// buffered: f may read it if it puts it back). The notes f returns are kept
// in the request's journal entry, and the request it returns is the one
// served: the same, or one whose context carries what f learned for the
// base handler. A spec layer uses it to judge every request against its
// contract, including those a fault answers.
func WithInspect(f func(*http.Request) (*http.Request, map[string]string)) Option {
	return func(c *config) { c.inspect = f }
}

// WithMutator supplies the body rewrites the malformed fault's contract
// modes need (see [Mutator]).
func WithMutator(m Mutator) Option { return func(c *config) { c.mutator = m } }

// WithObserver calls f with every journal entry as it is recorded (for
// metrics). f must be quick and safe for concurrent use, and must not keep
// the entry once it returns: its memory serves a later request (copy what
// it needs; the journal keeps its own copy).
func WithObserver(f func(*journal.Entry)) Option { return func(c *config) { c.onEntry = f } }

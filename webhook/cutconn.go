package webhook

import (
	"context"
	"math"
	"net"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// A watch cuts the campaign's own deliveries off at their deadline by
// closing the connection a delivery is on, so that the request itself
// carries no cancellable context.
//
// Any cancellable request context, even a shared one (see cutoffs), costs
// net/http's transport a registration per request: it derives its own
// cancel from the request's context, which takes the parent's lock and
// adds to and removes from its map of children. That was the last few per
// cent of CPU between the campaign's send path and a bare client. Here a
// request's context is a fixed one of a pooled ticket (Done is nil, so
// nothing registers) whose trace hook learns which connection the
// transport gave the delivery; the delivery marks that connection with its
// due time, and one watcher goroutine closes a connection whose mark has
// passed. A closed connection ends the delivery's wait for its answer,
// wherever the wait is (writing the request, its headers, its body), and
// is never reused, so a late answer cannot be read as the next delivery's.
//
// The watcher wakes at the earliest mark and not in between: under a
// flood, marks only grow (a delivery's is its start plus the deadline), so
// it wakes about once per deadline; a mark earlier than the planned wake
// kicks it. It runs while the watch has connections open.
//
// It is for the campaign's own transport on plain-HTTP targets only: one
// request at a time per connection (HTTP/1.1); HTTP/2, which an https
// target may negotiate, multiplexes deliveries on a connection.
//
// As with cutoffs, the watch only stops the wait; send judges each answer
// by its own elapsed time against the exact deadline.
type watch struct {
	deadline time.Duration
	base     time.Time // marks count nanoseconds since base, on the monotonic clock
	dialer   net.Dialer

	mu      sync.Mutex
	conns   map[*cutConn]struct{} // the open connections
	running bool                  // a watcher goroutine runs

	// next is when the watcher wakes next (nanoseconds since base); never
	// while it scans and while it waits for nothing, so a mark set then
	// kicks it.
	next atomic.Int64
	kick chan struct{}

	tickets sync.Pool // *ticket

	// root is the campaign's context once bound: a dial for a delivery,
	// whose own context cannot be cancelled, stops when the campaign is.
	root atomic.Pointer[context.Context]
}

// never is a watcher that waits for no time: any mark kicks it.
const never = math.MaxInt64

// cut marks a connection the watch has closed.
const cut = -1

func newWatch(deadline time.Duration) *watch {
	w := &watch{
		deadline: deadline,
		base:     time.Now(),
		// A dial takes no longer than a delivery may: a delivery waiting
		// for a connection is cut off by its dial's timeout. net/http's
		// default dialer otherwise.
		dialer: net.Dialer{Timeout: min(deadline, 30*time.Second), KeepAlive: 30 * time.Second},
		conns:  map[*cutConn]struct{}{},
		kick:   make(chan struct{}, 1),
	}
	w.next.Store(never)
	return w
}

// now is the time on the watch's clock.
func (w *watch) now() int64 { return int64(time.Since(w.base)) }

// dial is the transport's DialContext: connections the watch can cut.
func (w *watch) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if root := w.root.Load(); root != nil && ctx.Done() == nil {
		ctx = *root
	}
	c, err := w.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return w.add(c), nil
}

// add watches c.
func (w *watch) add(c net.Conn) *cutConn {
	cc := &cutConn{Conn: c, w: w}
	w.mu.Lock()
	w.conns[cc] = struct{}{}
	if !w.running {
		w.running = true
		go w.run()
	}
	w.mu.Unlock()
	return cc
}

// forget drops a closed connection; the watcher stops with the last one.
func (w *watch) forget(c *cutConn) {
	w.mu.Lock()
	delete(w.conns, c)
	last := len(w.conns) == 0
	w.mu.Unlock()
	if last {
		w.wake()
	}
}

func (w *watch) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// marked tells the watcher about a new mark.
func (w *watch) marked(due int64) {
	if due < w.next.Load() {
		w.wake()
	}
}

// run is the watcher: it sweeps, then sleeps until the earliest mark or a
// kick, until no connection is open.
func (w *watch) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		w.next.Store(never)
		next, open := w.sweep()
		if !open {
			return
		}
		if next != never {
			w.next.Store(next)
			timer.Reset(time.Duration(next - w.now()))
		}
		select {
		case <-w.kick:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// sweep closes the connections whose mark has passed and returns the
// earliest mark left; open is false, and the watcher stops, when no
// connection is open.
func (w *watch) sweep() (next int64, open bool) {
	now := w.now()
	next = never
	var due []*cutConn
	w.mu.Lock()
	if len(w.conns) == 0 {
		w.running = false
		w.mu.Unlock()
		return never, false
	}
	for c := range w.conns {
		if m, ok := c.cutIf(now); ok {
			due = append(due, c)
		} else if m > 0 && m < next {
			next = m
		}
	}
	w.mu.Unlock()
	for _, c := range due {
		c.Close()
	}
	return next, true
}

// cutAll closes every connection a delivery is on: the campaign was
// cancelled.
func (w *watch) cutAll() {
	var busy []*cutConn
	w.mu.Lock()
	for c := range w.conns {
		if _, ok := c.cutIf(never); ok {
			busy = append(busy, c)
		}
	}
	w.mu.Unlock()
	for _, c := range busy {
		c.Close()
	}
}

// cutConn is a connection of the campaign's transport, marked with the
// due time of the delivery on it.
type cutConn struct {
	net.Conn
	w *watch
	// mark is the due time (nanoseconds since w.base) of the delivery on
	// the connection; 0 when none is, cut once the watch has closed it.
	mark atomic.Int64
}

// Close closes the connection and forgets it.
func (c *cutConn) Close() error {
	c.w.forget(c)
	return c.Conn.Close()
}

// hold marks c with a delivery's due time and returns the mark to
// release it with. A mark differs from the one it replaces (a delivery
// whose answer was read in full may release its connection after the
// transport has handed it to the next one), so the earlier delivery's
// release cannot clear it.
func (c *cutConn) hold(due int64) int64 {
	for {
		old := c.mark.Load()
		if old == cut {
			// Cut at its last delivery's deadline just as the transport
			// pooled it: the caller closes it (the watcher may not have
			// yet), writing fails and the transport retries the request,
			// which has not left, on another connection.
			return cut
		}
		m := due
		if m == old {
			m++
		}
		if c.mark.CompareAndSwap(old, m) {
			c.w.marked(m)
			return m
		}
	}
}

// release clears the mark m, if it is still c's.
func (c *cutConn) release(m int64) { c.mark.CompareAndSwap(m, 0) }

// cutIf marks c cut if its mark is at or before now, and says whether it
// did; else it returns the mark (0: no delivery on c, cut: cut before).
func (c *cutConn) cutIf(now int64) (mark int64, did bool) {
	for {
		m := c.mark.Load()
		if m <= 0 || m > now {
			return m, false
		}
		if c.mark.CompareAndSwap(m, cut) {
			return m, true
		}
	}
}

// ticket is a delivery's pass on the watched transport: the request's
// context, whose trace tells the ticket its connection.
type ticket struct {
	ctx   context.Context
	trace httptrace.ClientTrace
	due   int64        // the delivery's due time
	conn  *cutConn     // the connection the delivery is on, or nil
	mark  int64        // the mark it holds there
	stop  *atomic.Bool // set when the campaign the delivery belongs to is cancelled; nil when it cannot be
}

func (w *watch) ticket(start time.Time, stop *atomic.Bool) *ticket {
	t, _ := w.tickets.Get().(*ticket)
	if t == nil {
		t = &ticket{}
		t.trace.GotConn = t.gotConn
		t.ctx = httptrace.WithClientTrace(context.Background(), &t.trace)
	}
	t.due = int64(start.Sub(w.base) + w.deadline)
	t.stop = stop
	return t
}

// traced is the context for a delivery under ctx, a context of someone
// else's that can be cancelled: ctx, with the ticket's hook. The hook
// goes in a trace of its own, as WithClientTrace joins it to a trace ctx
// may carry by editing the trace it is given.
func (t *ticket) traced(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: t.gotConn})
}

// gotConn is the transport's hook: the delivery is on info.Conn now (a
// retried request gets another connection; the first is left).
func (t *ticket) gotConn(info httptrace.GotConnInfo) {
	t.leave()
	c, ok := info.Conn.(*cutConn)
	if !ok {
		return
	}
	m := c.hold(t.due)
	if m == cut {
		// The watcher closes it after its sweep: close it now, before
		// the request is written, so that it fails with nothing written
		// and is retried, not cut once it has reached the receiver.
		c.Close()
		return
	}
	t.conn, t.mark = c, m
	if t.stop != nil && t.stop.Load() {
		// The campaign was cancelled while the delivery waited for a
		// connection (cutAll has either seen the mark or been seen here).
		if _, ok := c.cutIf(never); ok {
			c.Close()
		}
	}
}

// leave releases the ticket's connection.
func (t *ticket) leave() {
	if t.conn != nil {
		t.conn.release(t.mark)
		t.conn = nil
	}
}

// done returns t when its delivery is over: the transport calls no hook
// of a request after Client.Do has returned.
func (w *watch) done(t *ticket) {
	t.leave()
	w.tickets.Put(t)
}

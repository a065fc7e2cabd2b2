package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// pipe is a watched connection and the far end of it.
func pipe(t *testing.T, w *watch) (*cutConn, net.Conn) {
	t.Helper()
	near, far := net.Pipe()
	c := w.add(near)
	t.Cleanup(func() { c.Close(); far.Close() })
	return c, far
}

// closedWithin says whether far sees its peer close within d.
func closedWithin(far net.Conn, d time.Duration) bool {
	_ = far.SetReadDeadline(time.Now().Add(d))
	_, err := far.Read(make([]byte, 1))
	return errors.Is(err, io.EOF)
}

// A watched connection is cut once the mark of the delivery on it has
// passed, never before it; one whose delivery released it is left open.
func TestWatchCutsAConnectionAtItsMarkNotBefore(t *testing.T) {
	w := newWatch(time.Hour)
	held, heldFar := pipe(t, w)
	freed, freedFar := pipe(t, w)
	due := w.now() + int64(100*time.Millisecond)
	m := held.hold(due)
	freed.release(freed.hold(due))
	if !closedWithin(heldFar, 10*time.Second) {
		t.Fatal("a connection 10s past its delivery's mark is still open")
	}
	if now := w.now(); now < due || held.mark.Load() != cut {
		t.Fatalf("cut at +%s with mark %d, want at or after its mark +%s", time.Duration(now), held.mark.Load(), time.Duration(due))
	}
	held.release(m) // the delivery's release after the cut leaves it cut
	if held.mark.Load() != cut {
		t.Fatalf("release after the cut: mark %d, want cut", held.mark.Load())
	}
	if closedWithin(freedFar, 200*time.Millisecond) || freed.mark.Load() != 0 {
		t.Fatalf("a released connection was cut (mark %d)", freed.mark.Load())
	}
}

// The transport may hand a connection to the next delivery before the
// previous one, whose answer it read in full, has released it: that late
// release must not clear the next delivery's mark, even an equal one.
func TestStaleReleaseKeepsTheNextDeliverysMark(t *testing.T) {
	w := newWatch(time.Hour)
	c, far := pipe(t, w)
	due := w.now() + int64(50*time.Millisecond)
	first := c.hold(due)
	second := c.hold(due) // same due: same nanosecond start
	if second == first {
		t.Fatalf("two deliveries hold the same mark %d", first)
	}
	c.release(first)
	if c.mark.Load() != second {
		t.Fatalf("the first delivery's release left mark %d, want the second's %d", c.mark.Load(), second)
	}
	if !closedWithin(far, 10*time.Second) {
		t.Fatal("the second delivery's connection was not cut at its mark")
	}
}

// A mark earlier than the watcher's planned wake wakes it: a short
// deadline after a long one is still kept.
func TestEarlierMarkWakesTheWatcher(t *testing.T) {
	w := newWatch(time.Hour)
	late, _ := pipe(t, w)
	early, earlyFar := pipe(t, w)
	late.hold(w.now() + int64(time.Hour))
	time.Sleep(10 * time.Millisecond) // the watcher plans to wake in an hour
	early.hold(w.now() + int64(20*time.Millisecond))
	if !closedWithin(earlyFar, 10*time.Second) {
		t.Fatal("a mark 20ms away, set while the watcher slept until an hour away, was not cut within 10s")
	}
}

// peers is what a receiver saw: how many requests, from how many
// connections.
type peers struct {
	mu    sync.Mutex
	n     int
	addrs map[string]bool
}

// note counts r and returns how many requests there have been.
func (p *peers) note(r *http.Request) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.addrs == nil {
		p.addrs = map[string]bool{}
	}
	p.addrs[r.RemoteAddr] = true
	p.n++
	return p.n
}

// conns is how many connections the requests came on.
func (p *peers) conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.addrs)
}

// spy records whether each request's context can be cancelled.
type spy struct {
	next        http.RoundTripper
	mu          sync.Mutex
	cancellable []bool
}

func (s *spy) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.cancellable = append(s.cancellable, r.Context().Done() != nil)
	s.mu.Unlock()
	return s.next.RoundTrip(r)
}

// The campaign's own client sends deliveries under a context that cannot
// be cancelled, under the campaign's context too, so net/http registers
// no cancel per request; a context of someone else's is passed on as it is.
func TestOwnDeliveriesCarryNoCancellableContext(t *testing.T) {
	c, err := newCampaign(Options{Target: serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })), Scheme: "stripe", Secret: stripeSecret, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	sp := &spy{next: c.s.client.Transport}
	c.s.client.Transport = sp
	root, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer c.s.bind(root)()
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	for _, ctx := range []context.Context{context.Background(), root, other} {
		if o := c.s.send(ctx, c.b.signed(c.event(0), "ctx")); o.code != http.StatusNoContent {
			t.Fatalf("delivery: %q", o.label())
		}
	}
	if want := []bool{false, false, true}; len(sp.cancellable) != 3 || sp.cancellable[0] != want[0] || sp.cancellable[1] != want[1] || sp.cancellable[2] != want[2] {
		t.Fatalf("cancellable request contexts (background, campaign's, other): %v, want %v", sp.cancellable, want)
	}
}

// A receiver that answers after the deadline is judged late, and its
// answer, arriving on a connection the watch has cut, never reaches the
// next delivery: that one gets its own answer, on another connection.
func TestLateAnswerDoesNotReachTheNextDelivery(t *testing.T) {
	const deadline = 100 * time.Millisecond
	var remotes peers
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		first := remotes.note(r) == 1
		if first {
			time.Sleep(3 * deadline)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c, err := newCampaign(Options{Target: serve(t, h), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: deadline})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	if c.s.watch == nil {
		t.Fatal("the campaign's own client to an http target is not watched")
	}
	if o := c.s.send(context.Background(), c.b.signed(c.event(0), "late")); o.label() != "no answer (deadline)" || o.took < deadline {
		t.Fatalf("answer after 3x the deadline: %q after %s, want no answer (deadline) after at least %s", o.label(), o.took, deadline)
	}
	// The next deliveries are judged by which answer they get, not by a
	// machine's pace: they have an hour.
	c.s.deadline, c.s.watch.deadline = time.Hour, time.Hour
	for range 3 {
		if o := c.s.send(context.Background(), c.b.signed(c.event(0), "next")); o.code != http.StatusNoContent {
			t.Fatalf("the next delivery: %q, want its own 204", o.label())
		}
	}
	if n := remotes.conns(); n != 2 {
		t.Fatalf("the receiver saw %d connections, want 2 (the late one cut, the next on a new one)", n)
	}
}

// Headers within the deadline and a body after it: a stalled answer,
// cut off at the deadline by the watch.
func TestWatchedStalledBodyIsNoAnswer(t *testing.T) {
	const deadline = 100 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "2")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-time.After(time.Minute):
		case <-r.Context().Done():
		}
	})
	c, err := newCampaign(Options{Target: serve(t, h), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: deadline})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	start := time.Now()
	o := c.s.send(context.Background(), c.b.signed(c.event(0), "stall"))
	if wall := time.Since(start); o.label() != "200 headers, then no answer (deadline)" || wall < deadline || wall > deadline+5*time.Second {
		t.Fatalf("stalled body: %q after %s, want 200 headers, then no answer (deadline) within [%s, %s]", o.label(), wall, deadline, deadline+5*time.Second)
	}
}

// Cancelling the campaign's context cuts its deliveries in flight at
// once, and a delivery sent after it does not leave.
func TestCancelledCampaignCutsItsWatchedDeliveries(t *testing.T) {
	c, err := newCampaign(Options{Target: serve(t, hang), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	defer c.s.bind(ctx)()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	o := c.s.send(ctx, c.b.signed(c.event(0), "cancel"))
	if wall := time.Since(start); !errors.Is(o.err, context.Canceled) || wall > 10*time.Second {
		t.Fatalf("cancelled after 50ms: %q after %s, want cancelled within 10s (deadline 1h)", o.label(), wall)
	}
	if o := c.s.send(ctx, c.b.signed(c.event(0), "after")); !errors.Is(o.err, context.Canceled) {
		t.Fatalf("sent after the cancel: %q, want cancelled", o.label())
	}
}

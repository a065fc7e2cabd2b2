package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told, safe for concurrent use.
type fakeClock struct {
	base time.Time
	off  atomic.Int64
}

func newFakeClock() *fakeClock               { return &fakeClock{base: time.Now()} }
func (f *fakeClock) now() time.Time          { return f.base.Add(time.Duration(f.off.Load())) }
func (f *fakeClock) advance(d time.Duration) { f.off.Add(int64(d)) }

// Deliveries starting within one tick share a context whose deadline is
// never before any of their own deadlines and at most a tick after; the
// next tick gets a context of its own.
func TestCutoffsShareATickAndAreAtMostATickLate(t *testing.T) {
	const deadline = time.Hour
	clk := newFakeClock()
	cs := newCutoffs(deadline)
	var held []*cutoff
	defer func() {
		for _, c := range held {
			cs.leave(c)
		}
	}()
	join := func() (*cutoff, time.Time) {
		start := clk.now()
		c := cs.join(context.Background(), start)
		held = append(held, c)
		at, ok := c.ctx.Deadline()
		if !ok || at.Before(start.Add(deadline)) || at.After(start.Add(deadline+tick)) {
			t.Fatalf("a delivery starting at +%s is cut off at +%s: want within [deadline, deadline+tick] = [%s, %s]",
				start.Sub(clk.base), at.Sub(clk.base), deadline, deadline+tick)
		}
		return c, start
	}
	first, _ := join()
	for _, step := range []time.Duration{300 * time.Microsecond, 600 * time.Microsecond, 99 * time.Microsecond} {
		clk.advance(step)
		if c, _ := join(); c != first {
			t.Fatalf("a delivery %s into the tick got a context of its own", clk.now().Sub(clk.base))
		}
	}
	clk.advance(time.Microsecond) // the tick is over
	if c, _ := join(); c == first {
		t.Fatal("a delivery after the tick shares the previous tick's context")
	}
}

// A tick's context lives while a delivery that started in it is in
// flight, however many ticks later; the last one out cancels it (its timer
// stops), and a later delivery never joins a cancelled context.
func TestCutoffLivesUntilItsLastDeliveryLeaves(t *testing.T) {
	clk := newFakeClock()
	cs := newCutoffs(time.Hour)
	a := cs.join(context.Background(), clk.now())
	b := cs.join(context.Background(), clk.now())
	clk.advance(5 * tick)
	c := cs.join(context.Background(), clk.now())
	if c == a {
		t.Fatal("a delivery five ticks later joined the first tick")
	}
	cs.leave(a)
	if a.ctx.Err() != nil {
		t.Fatalf("the first tick's context was cancelled with a delivery still in flight: %v", a.ctx.Err())
	}
	cs.leave(b)
	if !errors.Is(a.ctx.Err(), context.Canceled) {
		t.Fatalf("the first tick's context after its last delivery: %v, want cancelled", a.ctx.Err())
	}
	cs.leave(c)
	if c.ctx.Err() == nil {
		t.Fatal("the current tick's context outlived its last delivery")
	}
	d := cs.join(context.Background(), clk.now()) // same tick as c, but c is over
	defer cs.leave(d)
	if d == c || d.ctx.Err() != nil {
		t.Fatalf("a delivery joined a finished tick's context (err %v)", d.ctx.Err())
	}
}

// Sixteen senders joining and leaving at once (run under -race): a
// delivery never holds a cancelled context or one cut off before its own
// deadline, and once all have left, every context handed out is
// cancelled, its timer stopped.
func TestCutoffsUnderConcurrentSenders(t *testing.T) {
	const deadline = time.Hour
	cs := newCutoffs(deadline)
	var seen sync.Map
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 2000 {
				start := time.Now()
				c := cs.join(context.Background(), start)
				seen.Store(c, true)
				if at, _ := c.ctx.Deadline(); c.ctx.Err() != nil || at.Before(start.Add(deadline)) {
					t.Errorf("joined a context cancelled (%v) or cut off %s early", c.ctx.Err(), start.Add(deadline).Sub(at))
				}
				runtime.Gosched()
				if c.ctx.Err() != nil {
					t.Errorf("a context was cancelled while a delivery held it: %v", c.ctx.Err())
				}
				cs.leave(c)
			}
		})
	}
	wg.Wait()
	seen.Range(func(k, _ any) bool {
		if k.(*cutoff).ctx.Err() == nil {
			t.Error("a context outlived its last delivery")
		}
		return true
	})
}

// tagged is a context whose type cannot be compared with ==.
type tagged struct {
	context.Context
	tags []string
}

// A shared context is a child of the delivery's own context: a delivery
// under another parent gets another one (the parent's values and
// cancellation are the delivery's), and cancelling the parent cuts its
// deliveries off at once.
func TestCutoffFollowsTheParent(t *testing.T) {
	cs := newCutoffs(time.Hour)
	p1, cancel := context.WithCancel(context.Background())
	now := time.Now()
	a := cs.join(p1, now)
	defer cs.leave(a)
	b := cs.join(context.Background(), now)
	defer cs.leave(b)
	if a == b {
		t.Fatal("deliveries under different parents share a context")
	}
	u1, u2 := tagged{context.Background(), []string{"x"}}, tagged{context.Background(), []string{"y"}}
	c, d := cs.join(u1, now), cs.join(u2, now) // must not panic comparing them
	defer cs.leave(c)
	defer cs.leave(d)
	if c == d {
		t.Fatal("deliveries under different (incomparable) parents share a context")
	}
	cancel()
	select {
	case <-a.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the parent did not cancel its deliveries' context")
	}
}

// script is a clock that reads base+at[0], base+at[1], ... in turn: what
// the sender reads at a delivery's start, when its headers arrived and
// when its body did.
type script struct {
	base time.Time
	at   []time.Duration
	n    atomic.Int64
}

func (s *script) now() time.Time { return s.base.Add(s.at[s.n.Add(1)-1]) }

// A receiver whose answer arrives at the deadline or after it (on the
// sender's clock) is judged late, however early the shared cutoff would
// have let the answer in; one that arrives before it is acknowledged.
// Headers in time with the body late is a stalled answer.
func TestAnswerAtOrAfterTheDeadlineIsLate(t *testing.T) {
	const deadline = 10 * time.Second // the real cutoff never fires here
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	c, err := newCampaign(Options{Target: srv, Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: deadline})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	for _, tc := range []struct {
		headers, body time.Duration // on the sender's clock, since the start
		label         string
	}{
		{deadline - 2*time.Microsecond, deadline - time.Microsecond, "200"},
		{0, deadline - time.Nanosecond, "200"},
		{deadline - time.Microsecond, deadline, "200 headers, then no answer (deadline)"},
		{deadline / 2, deadline + time.Microsecond, "200 headers, then no answer (deadline)"},
		{deadline, deadline, "no answer (deadline)"},
		{deadline + time.Microsecond, deadline + time.Microsecond, "no answer (deadline)"},
	} {
		c.s.now = (&script{base: time.Now(), at: []time.Duration{0, tc.headers, tc.body}}).now
		o := c.s.send(context.Background(), c.b.signed(c.event(0), "late"))
		if o.label() != tc.label || o.is2xx() != (tc.label == "200") {
			t.Errorf("headers at %s, body at %s: %q (took %s), want %q", tc.headers, tc.body, o.label(), o.took, tc.label)
		}
	}
}

// hang holds a request until the client gives up on it.
var hang = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
})

// A receiver that never answers is cut off: not before the deadline (the
// shared cutoff is never early), and well within a bound no machine load
// reaches (the cutoff itself is at most a tick late: see
// TestCutoffsShareATickAndAreAtMostATickLate).
func TestHangingReceiverIsCutOffAfterTheDeadline(t *testing.T) {
	const deadline = 100 * time.Millisecond
	c, err := newCampaign(Options{Target: serve(t, hang), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: deadline})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	for range 3 {
		start := time.Now()
		o := c.s.send(context.Background(), c.b.signed(c.event(0), "hang"))
		wall := time.Since(start)
		if o.label() != "no answer (deadline)" || o.took < deadline || wall < deadline || wall > deadline+5*time.Second {
			t.Fatalf("hanging receiver: %q after %s (took %s), want no answer after [%s, %s]", o.label(), wall, o.took, deadline, deadline+5*time.Second)
		}
	}
}

// Cancelling the campaign stops a delivery in flight at once, long before
// its deadline.
func TestCancelledCampaignStopsADeliveryInFlight(t *testing.T) {
	c, err := newCampaign(Options{Target: serve(t, hang), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	o := c.s.send(ctx, c.b.signed(c.event(0), "cancel"))
	if wall := time.Since(start); !errors.Is(o.err, context.Canceled) || wall > 10*time.Second {
		t.Fatalf("cancelled after 50ms: %q after %s, want cancelled within 10s (deadline 1h)", o.label(), wall)
	}
}

package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// A delivery the transport hands a connection the watcher has just marked
// cut (the previous delivery's mark passed before that one released it)
// must not leave on it: the watcher closes it only after its sweep, and a
// request written in between would reach the receiver and then fail,
// unretried (a POST), as if the receiver had cut it. The connection is
// closed before gotConn returns, so writing fails with nothing written and
// the transport retries the delivery on another connection.
func TestDeliveryGivenAConnectionBeingCutDoesNotLeaveOnIt(t *testing.T) {
	w := newWatch(time.Hour)
	c, far := pipe(t, w)
	c.mark.Store(cut) // the watcher's sweep marked it; its Close is still to come
	tk := w.ticket(time.Now(), nil)
	tk.gotConn(httptrace.GotConnInfo{Conn: c, Reused: true})
	if tk.conn != nil {
		t.Fatalf("the delivery holds a connection marked cut")
	}
	if !closedWithin(far, time.Second) {
		t.Fatal("a connection marked cut was left open for the delivery to write on")
	}
	w.done(tk)
}

// The transport retries a delivery whose pooled connection gotConn closed
// (marked cut): the delivery gets its own answer, on a new connection.
func TestDeliveryOnAConnectionMarkedCutIsRetried(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		remotes[r.RemoteAddr]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	c, err := newCampaign(Options{Target: serve(t, h), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	if o := c.s.send(context.Background(), c.b.signed(c.event(0), "first")); o.code != http.StatusNoContent {
		t.Fatalf("first delivery: %q", o.label())
	}
	c.s.watch.mu.Lock()
	for cc := range c.s.watch.conns {
		cc.mark.Store(cut) // as the watcher's sweep leaves it before closing it
	}
	c.s.watch.mu.Unlock()
	if o := c.s.send(context.Background(), c.b.signed(c.event(0), "second")); o.code != http.StatusNoContent {
		t.Fatalf("delivery given a connection marked cut: %q, want its own 204 on another connection", o.label())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) != 2 {
		t.Fatalf("the receiver saw connections %v, want 2 with one request each", remotes)
	}
}

package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// The transport may pool a connection, its answer read in full, before
// the delivery on it has released its mark. A delivery under a context of
// someone else's that takes the connection then must not be cut at that
// earlier delivery's deadline: it holds the connection with its own mark.
func TestAStaleMarkDoesNotCutTheNextDeliveryUnderAnotherContext(t *testing.T) {
	var remotes peers
	hold := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		remotes.note(r)
		if r.Header.Get("X-Hold") != "" {
			<-hold
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c, err := newCampaign(Options{Target: serve(t, h), Scheme: "stripe", Secret: stripeSecret, Seed: 5, Deadline: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	w := c.s.watch
	if w == nil {
		t.Fatal("the campaign's own client to an http target is not watched")
	}
	// The first delivery is due in a second; it is answered at once and
	// its release is held back, as a descheduled sender's would be.
	first := w.ticket(time.Now().Add(time.Second-time.Hour), nil)
	due := first.due
	req, err := http.NewRequestWithContext(first.ctx, http.MethodPost, c.s.target, bytes.NewReader([]byte("{}")))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// The next delivery, under a cancellable context of the caller's, is
	// on the receiver until well after the first one's due time.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := c.b.signed(c.event(0), "next")
	d.header = d.header.Clone()
	d.header.Set("X-Hold", "1")
	got := make(chan outcome, 1)
	go func() { got <- c.s.send(ctx, d) }()
	for w.now() < due+int64(300*time.Millisecond) {
		time.Sleep(20 * time.Millisecond)
	}
	close(hold)
	o := <-got
	w.done(first)
	if o.code != http.StatusNoContent {
		t.Fatalf("the next delivery, on the connection past the first one's due time: %q, want its 204", o.label())
	}
	if n := remotes.conns(); n != 1 {
		t.Fatalf("the receiver saw %d connections, want 1 (the next delivery on the first one's)", n)
	}
}

// A caller's context may carry a trace of its own: its hooks still run,
// and only for the caller's deliveries, never for a later one that reuses
// the pooled ticket.
func TestACallersTraceSeesOnlyItsOwnDeliveries(t *testing.T) {
	c, err := newCampaign(Options{Target: serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })), Scheme: "stripe", Secret: stripeSecret, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer c.s.client.CloseIdleConnections()
	var mu sync.Mutex
	var seen int
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { mu.Lock(); seen++; mu.Unlock() }}
	ctx, cancel := context.WithCancel(httptrace.WithClientTrace(context.Background(), trace))
	defer cancel()
	for _, ctx := range []context.Context{ctx, ctx, context.Background(), context.Background()} {
		if o := c.s.send(ctx, c.b.signed(c.event(0), "traced")); o.code != http.StatusNoContent {
			t.Fatalf("delivery: %q", o.label())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if seen != 2 {
		t.Fatalf("the caller's GotConn ran %d times, want 2 (its two deliveries only)", seen)
	}
}

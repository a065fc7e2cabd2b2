package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// Webhook is a provider-style delivery the upstream sends to a callback
// URL: after a request it served (a charge succeeded) or on a timer. Its
// faults reproduce how providers really deliver: more than once, several
// copies at once, late, out of order, forged, stale, and again after a
// non-2xx answer.
type Webhook struct {
	Name   string
	Target string // the receiver's URL
	Scheme string // stripe, standard, github, shopify, slack, hmac
	Secret string
	HMAC   webhooksig.HMAC // the generic scheme's shape, for Scheme "hmac"
	// On fires the webhook after a request matching it was answered with a
	// status of class OnStatus (2 for 2xx; 0 for any).
	On       *Match
	OnStatus int
	Every    time.Duration // or fire on a timer
	Events   []WebhookEvent
	Faults   DeliveryFaults

	signer webhooksig.Scheme
}

// WebhookEvent is one event of a webhook; several are one object's events
// in order (created, then succeeded).
type WebhookEvent struct {
	Type string
	Body map[string]any // the event's JSON; "id" and "type" are filled in
}

// DeliveryFaults are the ways a delivery goes wrong on purpose.
type DeliveryFaults struct {
	Duplicate      int             // extra sequential copies, freshly signed
	Concurrent     int             // copies sent at once (released together)
	Delay          time.Duration   // before delivering
	Reorder        bool            // an object's events in reverse order
	BadSignature   bool            // signed with the wrong secret
	StaleTimestamp time.Duration   // signed this long ago
	Redeliver      []time.Duration // waits before redelivering after a non-2xx answer
	TimeScale      float64         // multiplies Redeliver waits (0.001 compresses hours to seconds)
}

// dispatcher sends a plan's webhooks; it belongs to a Handler and stops
// with it.
type dispatcher struct {
	hooks  []*Webhook
	seed   int64
	client *http.Client
	clock  Clock
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // timers and deliveries

	mu         sync.Mutex
	closed     bool
	busy       int           // deliveries in flight
	idle       chan struct{} // closed when busy drops to zero
	seq        uint64
	fired      map[string]int
	deliveries []journal.Delivery
}

const maxDeliveries = 10000

func newDispatcher(p *Plan, clock Clock) *dispatcher {
	if p == nil || len(p.Webhooks) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{seed: p.Seed, clock: clock, ctx: ctx, cancel: cancel, fired: map[string]int{},
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	for i := range p.Webhooks {
		w := &p.Webhooks[i]
		d.hooks = append(d.hooks, w)
		if w.Every > 0 {
			d.wg.Add(1)
			go d.timer(w)
		}
	}
	return d
}

// observe fires the webhooks whose trigger the finished request matches.
func (d *dispatcher) observe(e *journal.Entry, r *http.Request) {
	for _, w := range d.hooks {
		if w.On == nil || !w.On.matches(r) || (w.OnStatus != 0 && e.Status/100 != w.OnStatus) {
			continue
		}
		d.fire(w)
	}
}

func (d *dispatcher) timer(w *Webhook) {
	defer d.wg.Done()
	for d.clock.Sleep(d.ctx, w.Every) == nil {
		d.fire(w)
	}
}

// fire delivers one occurrence of w's events in the background.
func (d *dispatcher) fire(w *Webhook) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.fired[w.Name]++
	n := d.fired[w.Name]
	d.wg.Add(1)
	if d.busy++; d.busy == 1 {
		d.idle = make(chan struct{})
	}
	d.mu.Unlock()
	h := fnv.New64a()
	_, _ = h.Write([]byte(w.Name))
	rnd := rand.New(rand.NewPCG(uint64(d.seed), h.Sum64()^uint64(n)))
	go func() {
		defer d.wg.Done()
		defer d.settle()
		events := w.Events
		if w.Faults.Reorder {
			events = reversed(events)
		}
		if d.clock.Sleep(d.ctx, w.Faults.Delay) != nil {
			return
		}
		for _, ev := range events {
			d.deliverEvent(w, ev, fmt.Sprintf("evt_%016x", rnd.Uint64()))
		}
	}()
}

func reversed(evs []WebhookEvent) []WebhookEvent {
	out := make([]WebhookEvent, len(evs))
	for i, e := range evs {
		out[len(evs)-1-i] = e
	}
	return out
}

// deliverEvent sends one event with its faults: concurrent copies, or one
// delivery with redeliveries, then sequential duplicates.
func (d *dispatcher) deliverEvent(w *Webhook, ev WebhookEvent, id string) {
	body := eventBody(ev, id)
	fault := w.baseFault()
	if n := w.Faults.Concurrent; n > 1 {
		d.sendConcurrent(w, ev.Type, id, body, n)
	} else {
		d.sendWithRedelivery(w, ev.Type, id, body, fault)
	}
	for i := 0; i < w.Faults.Duplicate && d.ctx.Err() == nil; i++ {
		d.send(w, ev.Type, id, body, 1, "duplicate")
	}
}

func (w *Webhook) baseFault() string {
	switch {
	case w.Faults.BadSignature:
		return "bad_signature"
	case w.Faults.StaleTimestamp > 0:
		return "stale_timestamp"
	case w.Faults.Reorder:
		return "reordered"
	}
	return ""
}

func eventBody(ev WebhookEvent, id string) []byte {
	doc := map[string]any{}
	for k, v := range ev.Body {
		doc[k] = v
	}
	if _, ok := doc["id"]; !ok {
		doc["id"] = id
	}
	if _, ok := doc["type"]; !ok && ev.Type != "" {
		doc["type"] = ev.Type
	}
	b, _ := json.Marshal(doc)
	return b
}

func (d *dispatcher) sendWithRedelivery(w *Webhook, typ, id string, body []byte, fault string) {
	status := d.send(w, typ, id, body, 1, fault)
	for i, wait := range w.Faults.Redeliver {
		if status/100 == 2 {
			return
		}
		scale := w.Faults.TimeScale
		if scale == 0 {
			scale = 1
		}
		if d.clock.Sleep(d.ctx, time.Duration(float64(wait)*scale)) != nil {
			return
		}
		status = d.send(w, typ, id, body, i+2, "redelivery")
	}
}

// sendConcurrent releases n copies together, so a receiver's
// check-then-insert race shows. Each copy has its own connection, dialed
// before the release, so the copies leave within about a millisecond.
func (d *dispatcher) sendConcurrent(w *Webhook, typ, id string, body []byte, n int) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		client := d.preDialed(w.Target)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer client.CloseIdleConnections()
			<-start
			d.sendWith(client, w, typ, id, body, 1, "concurrent")
		}()
	}
	close(start)
	wg.Wait()
}

// preDialed returns a client whose first connection to target is already
// open; if dialing fails it returns the shared client.
func (d *dispatcher) preDialed(target string) *http.Client {
	u, err := url.Parse(target)
	if err != nil {
		return d.client
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
	}
	conn, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(d.ctx, "tcp", host)
	if err != nil {
		return d.client
	}
	var once sync.Once
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		once.Do(func() { c = conn })
		if c != nil {
			return c, nil
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &http.Client{Timeout: d.client.Timeout, Transport: tr}
}

// send signs and posts one delivery and journals it; it returns the status
// (0 when the request failed).
func (d *dispatcher) send(w *Webhook, typ, id string, body []byte, attempt int, fault string) int {
	return d.sendWith(d.client, w, typ, id, body, attempt, fault)
}

func (d *dispatcher) sendWith(client *http.Client, w *Webhook, typ, id string, body []byte, attempt int, fault string) int {
	rec := journal.Delivery{Time: d.clock.Now(), Webhook: w.Name, EventID: id, Type: typ, Attempt: attempt, Fault: fault,
		Forged: w.Faults.BadSignature || w.Faults.StaleTimestamp > 0}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, w.Target, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		err = w.sign(req.Header, id, typ, body, rec.Time)
	}
	if err == nil {
		var resp *http.Response
		if resp, err = client.Do(req); err == nil {
			rec.Status = resp.StatusCode
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		rec.Error = err.Error()
	}
	rec.Duration = d.clock.Now().Sub(rec.Time)
	d.record(rec)
	return rec.Status
}

func (w *Webhook) sign(h http.Header, id, typ string, body []byte, now time.Time) error {
	signer := w.signer
	if w.Faults.BadSignature {
		forged, err := webhooksig.New(w.Scheme, forgedSecret(w.Secret), webhooksig.Options{HMAC: w.HMAC})
		if err != nil {
			return err
		}
		signer = forged
	}
	ts := now.Add(-w.Faults.StaleTimestamp)
	return signer.Sign(h, webhooksig.Delivery{ID: id, Event: typ, Timestamp: ts, Body: body})
}

// forgedSecret is a secret of the same shape that is not the real one.
func forgedSecret(s string) string {
	if strings.HasPrefix(s, "whsec_") {
		return "whsec_Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0"
	}
	return "forged-" + s
}

func (d *dispatcher) record(rec journal.Delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	rec.Seq = d.seq
	if len(d.deliveries) == maxDeliveries {
		d.deliveries = d.deliveries[1:]
	}
	d.deliveries = append(d.deliveries, rec)
}

func (d *dispatcher) list() []journal.Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]journal.Delivery(nil), d.deliveries...)
}

// settle marks one occurrence's deliveries done.
func (d *dispatcher) settle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy--; d.busy == 0 {
		close(d.idle)
	}
}

// wait waits until no delivery is in flight, or ctx ends.
func (d *dispatcher) wait(ctx context.Context) error {
	d.mu.Lock()
	if d.busy == 0 {
		d.mu.Unlock()
		return nil
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops timers and in-flight deliveries and waits for them.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	d.client.CloseIdleConnections()
}

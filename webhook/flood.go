package webhook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// Deliveries is the campaign's send path on its own, for bench/webhook,
// which measures it against a bare net/http client: n valid deliveries of
// the sample events, signed ahead as the flood case signs them, each sent
// on demand as the flood case sends it (the campaign's client, its
// deadline, its verdict).
type Deliveries struct {
	c  *campaign
	ds []delivery
}

// NewDeliveries validates o as Run does and signs n deliveries for
// o.Target. Close it when done.
func NewDeliveries(o Options, n int) (*Deliveries, error) {
	c, err := newCampaign(o)
	if err != nil {
		return nil, err
	}
	ds := make([]delivery, n)
	for i := range ds {
		ds[i] = c.b.signed(c.event(i), "flood")
	}
	return &Deliveries{c: c, ds: ds}, nil
}

// Len is how many deliveries there are.
func (d *Deliveries) Len() int { return len(d.ds) }

// Send sends the i-th delivery as the campaign does: nil when it was
// acknowledged 2xx within the deadline, else an error naming the answer.
func (d *Deliveries) Send(ctx context.Context, i int) error {
	if o := d.c.s.send(ctx, d.ds[i]); !o.is2xx() {
		return fmt.Errorf("delivery %s: %s", d.ds[i].id, o.label())
	}
	return nil
}

// Request is the i-th delivery as a plain request to the target (same
// body and header, no deadline) for a bare client to send. The header is
// the delivery's own, not a copy: the client must not edit it, and
// net/http's transport does not.
func (d *Deliveries) Request(i int) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, d.c.o.Target, bytes.NewReader(d.ds[i].body))
	req.Header = d.ds[i].header
	return req
}

// BareClient returns a new client with the campaign's transport settings
// (idle connections kept, no compression, no proxy), so a bare baseline
// differs from the campaign only in what the campaign does around
// Client.Do.
func (d *Deliveries) BareClient() *http.Client { return newClient(d.c.o) }

// Close closes the campaign client's idle connections.
func (d *Deliveries) Close() { d.c.s.client.CloseIdleConnections() }

package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/report"
)

// cases lists every attack, in the order they run.
func (c *campaign) cases() []caseDef {
	defs := []caseDef{
		{name: "valid", category: "delivery", run: runValid},
		{name: "tampered-body", category: "signature", run: runTampered},
		{name: "wrong-secret", category: "signature", run: runWrongSecret},
		{name: "missing-signature", category: "signature", run: runMissing},
		{name: "malformed-signature", category: "signature", run: runMalformed},
		{name: "other-scheme", category: "signature", run: runOtherScheme},
		{name: "sha1-downgrade", category: "signature", skip: onlyGitHub, run: runSHA1},
		{name: "stale-timestamp", category: "signature", skip: needsTimestamp, run: runStale},
		{name: "future-timestamp", category: "signature", skip: needsTimestamp, run: runFuture},
		{name: "rotated-signatures", category: "signature", skip: needsRotation, run: runRotated},
		{name: "duplicate-sequential", category: "idempotency", effects: true, run: runDuplicate},
	}
	for _, n := range c.o.Duplicates {
		defs = append(defs, caseDef{name: fmt.Sprintf("concurrent-duplicates-%d", n), category: "idempotency", effects: true,
			run: func(ctx context.Context, c *campaign, r *result) { runConcurrent(ctx, c, r, n) }})
	}
	return append(defs,
		caseDef{name: "out-of-order", category: "robustness", run: runOutOfOrder},
		caseDef{name: "malformed-json", category: "robustness", run: runMalformedJSON},
		caseDef{name: "wrong-content-type", category: "robustness", run: runContentType},
		caseDef{name: "large-body", category: "robustness", run: runLargeBody},
		caseDef{name: "unknown-event-type", category: "robustness", run: runUnknownType},
		caseDef{name: "flood", category: "load", run: runFlood},
		caseDef{name: "redelivery-after-5xx", category: "idempotency", effects: true, run: runRedelivery},
	)
}

// caseNames lists the case names for the given duplicate fan-outs.
func caseNames(dups []int) []string {
	c := &campaign{o: Options{Duplicates: dups}}
	var out []string
	for _, d := range c.cases() {
		out = append(out, d.name)
	}
	return out
}

func onlyGitHub(c *campaign) string {
	if c.o.Scheme != "github" {
		return "only GitHub has a legacy SHA-1 signature header"
	}
	return ""
}

func needsTimestamp(c *campaign) string {
	if !c.b.scheme.Timestamped() {
		return c.o.Scheme + " signatures carry no timestamp; replays are stopped by deduplication alone"
	}
	return ""
}

func needsRotation(c *campaign) string {
	if _, ok := c.b.scheme.(webhooksig.Rotating); !ok {
		return c.o.Scheme + " sends a single signature per delivery"
	}
	return ""
}

// deliver sends d and records it.
func (c *campaign) deliver(ctx context.Context, r *result, d delivery) outcome {
	o := c.s.send(ctx, d)
	r.record(d, o)
	c.o.Logger.Debug("webhook delivery", "case", r.sc.Name, "event_id", d.id, "answer", o.label(), "took", o.took)
	return o
}

func is2xx(o outcome) bool    { return o.is2xx() }
func is4xx(o outcome) bool    { return o.is4xx() }
func answered(o outcome) bool { return o.err == nil && o.code > 0 && o.code < 500 }

const (
	want2xx      = "2xx within the deadline"
	want4xx      = "4xx (rejected)"
	wantAnswered = "an answer below 500 within the deadline"
)

func runValid(ctx context.Context, c *campaign, r *result) {
	outs := make([]outcome, 0, c.o.Valid)
	ids := make([]string, 0, c.o.Valid)
	for i := range c.o.Valid {
		d := c.b.signed(c.event(i), "valid")
		outs = append(outs, c.deliver(ctx, r, d))
		ids = append(ids, d.id)
	}
	r.judge("acknowledged", want2xx, outs, is2xx)
	r.latency(outs, c.o.Deadline)
	r.expect("exactly one effect", 1, ids...)
}

// reject sends forged deliveries that must all be refused with 4xx and
// cause no effect. lenient, when set, names a provider library that accepts
// them: a handler accepting them then passes with that warning.
func (c *campaign) reject(ctx context.Context, r *result, ds []delivery, lenient string) {
	outs := make([]outcome, 0, len(ds))
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		outs = append(outs, c.deliver(ctx, r, d))
		ids = append(ids, d.id)
	}
	if lenient != "" && allOf(outs, is2xx) {
		r.add(report.Check{Name: "rejected", Status: report.Passed, Warning: true, Expected: want4xx,
			Observed: summarize(outs), Message: "accepted, as " + lenient})
		return
	}
	r.judge("rejected", want4xx, outs, is4xx)
	r.expect("no effect", 0, ids...)
}

func allOf(outs []outcome, ok func(outcome) bool) bool {
	for _, o := range outs {
		if !ok(o) {
			return false
		}
	}
	return len(outs) > 0
}

func runTampered(ctx context.Context, c *campaign, r *result) {
	d := c.b.signed(c.event(0), "tamper")
	d.body = bytes.Replace(d.body, []byte("{"), []byte(`{"faultline_tampered":true,`), 1)
	c.reject(ctx, r, []delivery{d}, "")
}

func runWrongSecret(ctx context.Context, c *campaign, r *result) {
	wrong, err := webhooksig.New(c.o.Scheme, c.wrong, webhooksig.Options{HMAC: c.o.HMAC})
	if err != nil {
		r.sc.Error = err.Error()
		return
	}
	d := c.b.sign(wrong, c.event(0), c.b.newID("wrongkey"), c.o.Now())
	c.reject(ctx, r, []delivery{d}, "")
}

func runMissing(ctx context.Context, c *campaign, r *result) {
	names := c.b.scheme.Headers()
	ds := make([]delivery, 0, len(names)+1)
	for _, h := range names {
		d := c.b.signed(c.event(0), "nosig")
		d.header.Del(h)
		ds = append(ds, d)
	}
	if len(names) > 1 {
		d := c.b.signed(c.event(0), "nosig")
		for _, h := range names {
			d.header.Del(h)
		}
		ds = append(ds, d)
	}
	c.reject(ctx, r, ds, "")
}

// malformedValues are signature header values no provider sends.
var malformedValues = []string{
	"garbage",
	"t=,v1=",
	"t=notanumber,v1=00",
	"sha256=zz",
	"v1,!!!not-base64!!!",
	"v0=",
	"=",
	strings.Repeat("A", 8192),
}

func runMalformed(ctx context.Context, c *campaign, r *result) {
	h := c.b.scheme.Headers()[0]
	ds := make([]delivery, 0, len(malformedValues))
	for _, v := range malformedValues {
		d := c.b.signed(c.event(0), "badsig")
		d.header.Set(h, v)
		ds = append(ds, d)
	}
	c.reject(ctx, r, ds, "")
}

func runOtherScheme(ctx context.Context, c *campaign, r *result) {
	other := "github"
	if c.o.Scheme == "github" {
		other = "stripe"
	}
	s, err := webhooksig.New(other, c.o.Secret, webhooksig.Options{})
	if err != nil {
		r.sc.Error = err.Error()
		return
	}
	ev := c.event(0)
	id := c.b.newID("other")
	at := c.o.Now()
	body := c.b.body(ev, id, at)
	d := c.b.signBody(s, id, ev.Type, body, at)
	// Keep our scheme's id and event headers, drop its signature.
	ours := c.b.signBody(c.b.scheme, id, ev.Type, body, at)
	for _, h := range c.b.scheme.Headers() {
		ours.header.Del(h)
	}
	for k, v := range ours.header {
		if d.header.Get(k) == "" {
			d.header[k] = v
		}
	}
	r.sc.Evidence = append(r.sc.Evidence, "signed as "+other+" with the same secret")
	c.reject(ctx, r, []delivery{d}, "")
}

func runSHA1(ctx context.Context, c *campaign, r *result) {
	d := c.b.signed(c.event(0), "sha1")
	d.header.Del("X-Hub-Signature-256")
	m := hmac.New(sha1.New, []byte(c.o.Secret))
	m.Write(d.body)
	d.header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m.Sum(nil)))
	c.reject(ctx, r, []delivery{d}, "go-github's ValidatePayload does: it falls back to the SHA-1 X-Hub-Signature when X-Hub-Signature-256 is absent; GitHub recommends checking SHA-256 only")
}

func runStale(ctx context.Context, c *campaign, r *result) {
	d := c.b.sign(c.b.scheme, c.event(0), c.b.newID("stale"), c.o.Now().Add(-2*c.o.Tolerance))
	c.reject(ctx, r, []delivery{d}, "")
}

func runFuture(ctx context.Context, c *campaign, r *result) {
	d := c.b.sign(c.b.scheme, c.event(0), c.b.newID("future"), c.o.Now().Add(2*c.o.Tolerance))
	lenient := ""
	if c.o.Scheme == "stripe" {
		lenient = "stripe-go's webhook package does: it rejects only signatures older than its tolerance"
	}
	c.reject(ctx, r, []delivery{d}, lenient)
}

func runRotated(ctx context.Context, c *campaign, r *result) {
	ev := c.event(0)
	id := c.b.newID("rotated")
	at := c.o.Now()
	d := c.b.signed(ev, "unused")
	d.id, d.body = id, c.b.body(ev, id, at)
	err := c.b.scheme.(webhooksig.Rotating).SignAll(d.header, webhooksig.Delivery{ID: id, Event: ev.Type, Timestamp: at, Body: d.body}, c.wrong, c.o.Secret)
	if err != nil {
		r.sc.Error = err.Error()
		return
	}
	o := c.deliver(ctx, r, d)
	r.judge("accepted", want2xx+" (one of several signatures is valid)", []outcome{o}, is2xx)
	r.expect("exactly one effect", 1, id)
}

func runDuplicate(ctx context.Context, c *campaign, r *result) {
	ev := c.event(0)
	first := c.b.signed(ev, "dup")
	o1 := c.deliver(ctx, r, first)
	o2 := c.deliver(ctx, r, c.b.resign(first, ev.Type, 1))
	r.judge("both acknowledged", want2xx, []outcome{o1, o2}, is2xx)
	r.expect("exactly one effect", 1, first.id)
}

func runConcurrent(ctx context.Context, c *campaign, r *result, n int) {
	d := c.b.signed(c.event(0), fmt.Sprintf("race%d", n))
	ds := make([]delivery, n)
	for i := range ds {
		ds[i] = d
	}
	outs, skew, err := releaseTogether(ctx, c.s, ds)
	if err != nil {
		r.sc.Error = err.Error()
		return
	}
	for _, o := range outs {
		r.record(d, o)
	}
	r.judge("every copy answered", wantAnswered, outs, answered)
	r.judge("acknowledged", "at least one 2xx", []outcome{bestOf(outs)}, is2xx)
	// The skew is a measurement, not a verdict: it goes to the evidence.
	note := "release skew " + round(skew).String() + " between the first and last copy"
	if skew > time.Millisecond {
		note += " (over 1ms: the race is less likely to show)"
	}
	r.sc.Evidence = append([]string{note}, r.sc.Evidence...)
	r.expect("exactly one effect", 1, d.id)
}

// bestOf returns a 2xx outcome if there is one.
func bestOf(outs []outcome) outcome {
	for _, o := range outs {
		if o.is2xx() {
			return o
		}
	}
	if len(outs) == 0 {
		return outcome{}
	}
	return outs[0]
}

// probe checks the handler still acknowledges a valid delivery.
func (c *campaign) probe(ctx context.Context, r *result) {
	o := c.deliver(ctx, r, c.b.signed(c.event(0), "probe"))
	r.judge("still answers afterwards", want2xx+" for a valid delivery", []outcome{o}, is2xx)
}

func runOutOfOrder(ctx context.Context, c *campaign, r *result) {
	now := c.o.Now()
	first := c.b.sign(c.b.scheme, c.event(0), c.b.newID("order"), now.Add(-time.Second))
	second := c.b.sign(c.b.scheme, c.event(1), c.b.newID("order"), now)
	outs := []outcome{c.deliver(ctx, r, second), c.deliver(ctx, r, first)}
	r.judge("answered", wantAnswered, outs, answered)
	r.expect("exactly one effect", 1, second.id, first.id)
	c.probe(ctx, r)
}

func runMalformedJSON(ctx context.Context, c *campaign, r *result) {
	ev := c.event(0)
	id := c.b.newID("badjson")
	body := c.b.body(ev, id, c.o.Now())
	body = body[:len(body)*2/3]
	d := c.b.signBody(c.b.scheme, id, ev.Type, body, c.o.Now())
	r.judge("answered", wantAnswered, []outcome{c.deliver(ctx, r, d)}, answered)
	c.probe(ctx, r)
}

func runContentType(ctx context.Context, c *campaign, r *result) {
	d := c.b.signed(c.event(0), "ctype")
	d.header.Set("Content-Type", "text/plain; charset=latin1")
	r.judge("answered", wantAnswered, []outcome{c.deliver(ctx, r, d)}, answered)
	c.probe(ctx, r)
}

func runLargeBody(ctx context.Context, c *campaign, r *result) {
	pad, _ := json.Marshal(map[string]string{"padding": strings.Repeat("x", c.o.LargeBody)})
	d := c.b.signed(Event{Type: c.event(0).Type, Payload: pad}, "large")
	r.judge("answered", wantAnswered+" (413 is fine)", []outcome{c.deliver(ctx, r, d)}, answered)
	c.probe(ctx, r)
}

func runUnknownType(ctx context.Context, c *campaign, r *result) {
	d := c.b.signed(Event{Type: "faultline.unknown_event", Payload: json.RawMessage(`{"faultline":true}`)}, "unknown")
	o := c.deliver(ctx, r, d)
	if r.judge("answered", wantAnswered, []outcome{o}, answered) && !o.is2xx() {
		r.sc.Checks[len(r.sc.Checks)-1].Warning = true
		r.sc.Checks[len(r.sc.Checks)-1].Message = "providers redeliver events answered 4xx for days; acknowledge unknown types with 2xx"
	}
	c.probe(ctx, r)
}

func runFlood(ctx context.Context, c *campaign, r *result) {
	n := max(1, int(float64(c.o.FloodRate)*c.o.FloodFor.Seconds()))
	interval := time.Duration(float64(time.Second) / float64(c.o.FloodRate))
	ds := make([]delivery, n)
	for i := range ds {
		ds[i] = c.b.signed(c.event(i), "flood")
	}
	outs := make([]outcome, n)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	start := time.Now()
	var sent time.Duration
	for i := range ds {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			outs = outs[:i]
			break
		}
		sem <- struct{}{}
		sent = time.Since(start)
		wg.Go(func() {
			defer func() { <-sem }()
			outs[i] = c.s.send(ctx, ds[i])
		})
	}
	wg.Wait()
	for i, o := range outs {
		r.record(ds[i], o)
	}
	r.judge("all acknowledged", want2xx, outs, is2xx)
	r.latency(outs, c.o.Deadline)
	r.sc.Evidence = append([]string{fmt.Sprintf("rate: %s sent in %s (%.0f/s; asked %d/s for %s)",
		english.Count(len(outs), "delivery"), round(sent), rate(len(outs), sent), c.o.FloodRate, c.o.FloodFor)}, r.sc.Evidence...)
}

// redeliveries is how often the redelivery case retries, as providers do.
const redeliveries = 3

func runRedelivery(ctx context.Context, c *campaign, r *result) {
	ev := c.event(0)
	d := c.b.signed(ev, "redeliver")
	var outs []outcome
	saw5xx := false
	backoff := 50 * time.Millisecond
	for attempt := 0; attempt <= redeliveries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff *= 2
			d = c.b.resign(d, ev.Type, attempt)
		}
		o := c.deliver(ctx, r, d)
		outs = append(outs, o)
		if o.is2xx() || (o.err == nil && o.code < 500) {
			break
		}
		saw5xx = true
	}
	r.judge("acknowledged in the end", want2xx+" after at most "+fmt.Sprint(redeliveries)+" redeliveries", outs[len(outs)-1:], is2xx)
	note := "deliveries: " + summarize(outs)
	if !saw5xx {
		note += " (the handler never answered 5xx, so the redelivery path was not exercised)"
	}
	r.sc.Evidence = append([]string{note}, r.sc.Evidence...)
	r.expect("exactly one effect in the end", 1, d.id)
}

// rate is deliveries per second over the time between the first and the
// last send.
func rate(n int, d time.Duration) float64 {
	if n <= 1 || d <= 0 {
		return float64(n)
	}
	return float64(n-1) / d.Seconds()
}

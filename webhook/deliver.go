package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// delivery is one request the campaign sends.
type delivery struct {
	id     string // event id the handler should deduplicate on
	body   []byte
	header http.Header
}

// outcome is what the handler answered.
type outcome struct {
	code  int // 0 when no whole answer arrived within the deadline
	head  int // the status of an answer whose body did not arrive in full
	took  time.Duration
	start time.Time
	err   error
}

func (o outcome) is2xx() bool { return o.code >= 200 && o.code < 300 }
func (o outcome) is4xx() bool { return o.code >= 400 && o.code < 500 }

// label is how an outcome appears in timelines and evidence.
func (o outcome) label() string {
	if o.err != nil {
		cut := ""
		if o.head != 0 {
			cut = english.Count(o.head, "header") + ", then "
		}
		if errors.Is(o.err, context.DeadlineExceeded) {
			return cut + "no answer (deadline)"
		}
		return cut + "error: " + firstLine(o.err.Error())
	}
	return strconv.Itoa(o.code)
}

// builder makes signed deliveries for one scheme.
type builder struct {
	scheme webhooksig.Scheme
	name   string
	hmac   HMAC
	rng    *rand.Rand
	nonce  string // distinguishes this run's ids from earlier runs'
	seq    int
	now    func() time.Time
}

// newID returns a fresh event id in the scheme's usual shape.
func (b *builder) newID(tag string) string {
	b.seq++
	switch b.name {
	case "github":
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%s%04d", b.rng.Uint32(), b.rng.Uint32()&0xffff, b.rng.Uint32()&0xfff, 0x8000|b.rng.Uint32()&0x3fff, b.nonce[len(b.nonce)-8:], b.seq%10000)
	case "slack":
		return fmt.Sprintf("Ev%s%s%04d", tag, b.nonce, b.seq)
	case "standard":
		return fmt.Sprintf("msg_%s_%s_%d", tag, b.nonce, b.seq)
	}
	return fmt.Sprintf("evt_%s_%s_%d", tag, b.nonce, b.seq)
}

// body wraps ev in the provider's envelope with id.
func (b *builder) body(ev Event, id string, at time.Time) []byte {
	var data any = ev.Payload
	var env any
	switch b.name {
	case "stripe":
		env = map[string]any{"id": id, "object": "event", "type": ev.Type, "created": at.Unix(), "livemode": false, "data": map[string]any{"object": data}}
	case "standard":
		env = map[string]any{"type": ev.Type, "timestamp": at.UTC().Format(time.RFC3339), "data": data}
	case "github", "shopify":
		env = data
	case "slack":
		var inner map[string]any
		_ = json.Unmarshal(ev.Payload, &inner)
		if inner == nil {
			inner = map[string]any{}
		}
		inner["type"] = ev.Type
		env = map[string]any{"type": "event_callback", "event_id": id, "event_time": at.Unix(), "event": inner}
	default:
		m := map[string]any{"type": ev.Type, "data": data}
		if b.hmac.IDHeader == "" {
			field := b.hmac.IDField
			if field == "" {
				field = "id"
			}
			m[field] = id
		}
		env = m
	}
	out, _ := json.Marshal(env)
	return out
}

// signed returns a valid delivery of ev with a fresh id.
func (b *builder) signed(ev Event, tag string) delivery {
	return b.sign(b.scheme, ev, b.newID(tag), b.now())
}

// sign builds and signs a delivery of ev with id at time at, using s.
func (b *builder) sign(s webhooksig.Scheme, ev Event, id string, at time.Time) delivery {
	return b.signBody(s, id, ev.Type, b.body(ev, id, at), at)
}

func (b *builder) signBody(s webhooksig.Scheme, id, typ string, body []byte, at time.Time) delivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "faultline-webhook")
	// Errors are impossible here: ids are always set.
	_ = s.Sign(h, webhooksig.Delivery{ID: id, Event: typ, Timestamp: at, Body: body})
	return delivery{id: id, body: body, header: h}
}

// resign signs d again a second later, as a provider's retry does: same
// event id and body, a different signature where the scheme has a timestamp.
func (b *builder) resign(d delivery, typ string, attempt int) delivery {
	return b.signBody(b.scheme, d.id, typ, d.body, b.now().Add(time.Duration(attempt)*time.Second))
}

// sender sends deliveries to the target only.
type sender struct {
	target   string
	client   *http.Client
	deadline time.Duration
	cut      *cutoffs
	// watch cuts deliveries off by closing their connection (see watch)
	// where it can: on the campaign's own client to a plain-HTTP target.
	// nil elsewhere: deliveries take a shared cutoff context.
	watch *watch
	// root is the campaign's context (bind); rootDone is set when it is
	// cancelled, after which the watch has cut every delivery on it.
	root     context.Context
	rootDone atomic.Bool
	// now is the clock a delivery's elapsed time is judged in; its start
	// also places the delivery in a tick, so it must be time.Now outside
	// tests (the cutoff's deadline counts in time.Now's time).
	now func() time.Time
	// shared says the client leaves a request's header alone, so a
	// delivery's header is sent as it is, without a copy. The campaign's own
	// client does (no cookie jar, net/http's transport, which must not
	// modify a request); a caller's client may add cookies, or its transport
	// may edit what it sends, so a delivery, which cases send more than
	// once and concurrently, goes out with a copy of its header.
	shared bool
}

func newSender(target string, client *http.Client, deadline time.Duration, shared bool) *sender {
	s := &sender{target: target, client: client, deadline: deadline, cut: newCutoffs(deadline), now: time.Now, shared: shared}
	if tr, ok := client.Transport.(*http.Transport); ok && shared && strings.HasPrefix(strings.ToLower(target), "http://") {
		s.watch = newWatch(deadline)
		tr.DialContext = s.watch.dial
	}
	return s
}

// bind makes ctx the campaign's context: its deliveries are cut off by
// connection too, and cancelling ctx cuts every delivery in flight. Call
// unbind when the campaign is over.
func (s *sender) bind(ctx context.Context) (unbind func()) {
	if s.watch == nil || ctx.Done() == nil || !reflect.TypeOf(ctx).Comparable() {
		return func() {}
	}
	s.root = ctx
	s.watch.root.Store(&ctx)
	stop := context.AfterFunc(ctx, func() {
		s.rootDone.Store(true)
		s.watch.cutAll()
	})
	return func() { stop() }
}

// waiter is what ends a delivery's wait at its deadline: a ticket on the
// watched transport, or a shared cutoff context.
type waiter struct {
	t *ticket
	c *cutoff
}

func (s *sender) wait(ctx context.Context, start time.Time) (context.Context, waiter) {
	if s.watch == nil {
		c := s.cut.join(ctx, start)
		return c.ctx, waiter{c: c}
	}
	switch {
	case ctx.Done() == nil:
		t := s.watch.ticket(start, nil)
		return t.ctx, waiter{t: t}
	case ctx == s.root:
		t := s.watch.ticket(start, &s.rootDone)
		return t.ctx, waiter{t: t}
	default:
		// Someone else's context: net/http cancels the request with it,
		// and the ticket marks the connection with the delivery's own
		// due time. Every request on the watched transport holds its
		// connection so: one without a mark of its own could be cut at
		// a mark the previous delivery has not yet released.
		t := s.watch.ticket(start, nil)
		return t.traced(ctx), waiter{t: t}
	}
}

func (s *sender) endWait(w waiter) {
	if w.t != nil {
		s.watch.done(w.t)
		return
	}
	s.cut.leave(w.c)
}

// errLate is an answer that arrived, in full or in part, at or after the
// deadline: no answer within it, as a provider that gave up would see.
var errLate = fmt.Errorf("%w: answered after it", context.DeadlineExceeded)

// send delivers d and judges the answer by its elapsed time against the
// exact deadline; the watch or the shared cutoff only stops the wait.
func (s *sender) send(ctx context.Context, d delivery) outcome {
	start := s.now()
	rctx, w := s.wait(ctx, start)
	defer s.endWait(w)
	if w.t != nil && ctx.Err() != nil {
		return outcome{start: start, err: &url.Error{Op: http.MethodPost, URL: s.target, Err: ctx.Err()}}
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, s.target, bytes.NewReader(d.body))
	if err != nil {
		return outcome{start: start, err: err}
	}
	req.Header = d.header
	if !s.shared {
		req.Header = d.header.Clone()
	}
	resp, err := s.client.Do(req)
	if err != nil {
		took := s.now().Sub(start)
		return outcome{start: start, took: took, err: s.why(ctx, w, err, took)}
	}
	if took := s.now().Sub(start); took >= s.deadline {
		resp.Body.Close()
		return outcome{start: start, took: took, err: errLate}
	}
	err = drain(resp.Body)
	resp.Body.Close()
	took := s.now().Sub(start)
	if err != nil {
		err = s.why(ctx, w, err, took)
	} else if took >= s.deadline {
		err = errLate
	}
	if err != nil {
		// Headers alone are no acknowledgement: a provider waits for the
		// whole answer, and gives up on a stalled one as on no answer.
		return outcome{head: resp.StatusCode, start: start, took: took, err: err}
	}
	return outcome{code: resp.StatusCode, start: start, took: took}
}

// drain reads an answer's body to its end, at most 1 MiB of it. An empty
// answer (a 204, a Content-Length of 0: net/http's NoBody) costs nothing:
// no limiting reader, no copy buffer.
func drain(body io.Reader) error {
	if body == http.NoBody {
		return nil
	}
	_, err := io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	return err
}

// why is the error a delivery that failed after took ends with. On the
// watched transport a cut off delivery fails on its closed connection:
// it says the deadline, or the campaign's cancellation, as a cancelled
// request context does.
func (s *sender) why(ctx context.Context, w waiter, err error, took time.Duration) error {
	if w.t == nil {
		return err
	}
	var cause error
	switch {
	case ctx.Err() != nil:
		cause = ctx.Err()
	case took >= s.deadline:
		cause = context.DeadlineExceeded
	default:
		return err
	}
	if u, ok := err.(*url.Error); ok {
		return &url.Error{Op: u.Op, URL: u.URL, Err: cause}
	}
	return cause
}

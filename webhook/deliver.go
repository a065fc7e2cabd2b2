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
	"strconv"
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
	return &sender{target: target, client: client, deadline: deadline, cut: newCutoffs(deadline), now: time.Now, shared: shared}
}

// errLate is an answer that arrived, in full or in part, at or after the
// deadline: no answer within it, as a provider that gave up would see.
var errLate = fmt.Errorf("%w: answered after it", context.DeadlineExceeded)

// send delivers d and judges the answer by its elapsed time against the
// exact deadline; the shared cutoff (see cutoffs) only stops the wait.
func (s *sender) send(ctx context.Context, d delivery) outcome {
	start := s.now()
	cut := s.cut.join(ctx, start)
	defer s.cut.leave(cut)
	req, err := http.NewRequestWithContext(cut.ctx, http.MethodPost, s.target, bytes.NewReader(d.body))
	if err != nil {
		return outcome{start: start, err: err}
	}
	req.Header = d.header
	if !s.shared {
		req.Header = d.header.Clone()
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{start: start, took: s.now().Sub(start), err: err}
	}
	if took := s.now().Sub(start); took >= s.deadline {
		resp.Body.Close()
		return outcome{start: start, took: took, err: errLate}
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	took := s.now().Sub(start)
	if err == nil && took >= s.deadline {
		err = errLate
	}
	if err != nil {
		// Headers alone are no acknowledgement: a provider waits for the
		// whole answer, and gives up on a stalled one as on no answer.
		return outcome{head: resp.StatusCode, start: start, took: took, err: err}
	}
	return outcome{code: resp.StatusCode, start: start, took: took}
}

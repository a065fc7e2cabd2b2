package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline-dev/faultline/internal/english"
	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// FuzzTarget is a handler under fuzz and how its deliveries are signed.
type FuzzTarget struct {
	Handler http.Handler
	Scheme  string // stripe, standard, github, shopify, slack or hmac
	Secret  string
	HMAC    HMAC // for Scheme "hmac"

	// Effects, when set, enables the effect invariants: no effect for a bad
	// signature and at most one per event id.
	Effects EffectCounter
	// Settle is how long to wait before reading effects, for handlers that
	// process asynchronously. Default 0.
	Settle time.Duration
	// Deadline bounds each ServeHTTP call; a handler that takes longer
	// fails as hung. Default 5s.
	Deadline time.Duration
}

// ErrInvariant is wrapped by every invariant violation the fuzz harness
// reports.
var ErrInvariant = errors.New("webhook invariant violated")

// Harness checks a handler against one fuzz input at a time: the
// invariants behind webhooktest.Fuzz, without the testing package, so that
// the faultline binary does not link it.
type Harness struct {
	ft    FuzzTarget
	b     *builder
	wrong webhooksig.Scheme
	seq   atomic.Int64
	mu    sync.Mutex // guards b, whose rng and counter are not safe for concurrent use
}

// NewHarness validates ft and returns its harness.
func NewHarness(ft FuzzTarget) (*Harness, error) {
	if ft.Handler == nil {
		return nil, fmt.Errorf("%w: FuzzTarget.Handler is nil", ErrOptions)
	}
	if ft.Deadline <= 0 {
		ft.Deadline = 5 * time.Second
	}
	s, err := webhooksig.New(ft.Scheme, ft.Secret, webhooksig.Options{HMAC: ft.HMAC})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	wrong, err := webhooksig.New(ft.Scheme, "whsec_d3JvbmcgZnV6eiBzZWNyZXQ=", webhooksig.Options{HMAC: ft.HMAC})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	now := time.Now()
	b := &builder{scheme: s, name: ft.Scheme, hmac: ft.HMAC, rng: rand.New(rand.NewPCG(1, 2)),
		nonce: fmt.Sprintf("%x", now.UnixNano()), now: time.Now}
	return &Harness{ft: ft, b: b, wrong: wrong}, nil
}

// mutation names, indexed by op&7.
var mutations = [8]string{"valid", "tampered body", "garbled signature", "dropped header", "wrong secret", "stale timestamp", "sequential duplicate", "concurrent duplicates"}

// Check runs one fuzz input and returns the first invariant it breaks,
// wrapping ErrInvariant. The input is a payload, an operation byte and
// noise: the payload is wrapped in the provider's envelope (or sent raw when
// op's high bit is set) and the low bits pick a mutation: valid, tampered
// body, garbled signature header, dropped header, wrong secret, stale
// timestamp, sequential or concurrent duplicates.
func (h *Harness) Check(payload []byte, op uint8, noise []byte) error {
	d, bad := h.mutate(payload, op, noise)
	what := mutations[op&7]
	copies := 1
	switch op & 7 {
	case 6:
		copies = 2
	case 7:
		copies = 2 + int(at(noise, 1))%15
	}
	codes, err := h.serveCopies(d, copies, op&7 == 7)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvariant, what, err)
	}
	for _, code := range codes {
		switch {
		case code >= 500:
			return fmt.Errorf("%w: %s: answered %d to hostile input", ErrInvariant, what, code)
		case bad && code >= 200 && code < 300:
			return fmt.Errorf("%w: %s: answered %d to a delivery with a bad signature", ErrInvariant, what, code)
		}
	}
	return h.checkEffects(d.id, bad, what)
}

func (h *Harness) checkEffects(id string, bad bool, what string) error {
	if h.ft.Effects == nil {
		return nil
	}
	time.Sleep(h.ft.Settle)
	n, err := h.ft.Effects.Effects(context.Background(), id)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	case bad && n != 0:
		return fmt.Errorf("%w: %s: %s for a delivery with a bad signature", ErrInvariant, what, english.Count(n, "effect"))
	case n > 1:
		return fmt.Errorf("%w: %s: %s for event %s, want at most one", ErrInvariant, what, english.Count(n, "effect"), id)
	}
	return nil
}

// mutate builds the delivery for one input and reports whether its
// signature is bad.
func (h *Harness) mutate(payload []byte, op uint8, noise []byte) (delivery, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.b.newID(fmt.Sprintf("fz%d", h.seq.Add(1)))
	now := time.Now()
	typ := "faultline.fuzz"
	body := payload
	if op&0x80 == 0 {
		var data json.RawMessage = payload
		if !json.Valid(payload) {
			data, _ = json.Marshal(string(payload))
		}
		body = h.b.body(Event{Type: typ, Payload: data}, id, now)
	}
	switch op & 7 {
	case 1:
		d := h.b.signBody(h.b.scheme, id, typ, body, now)
		d.body = append([]byte(nil), d.body...)
		if len(d.body) == 0 {
			d.body = []byte{at(noise, 0) | 1}
		} else {
			d.body[int(at(noise, 1))%len(d.body)] ^= at(noise, 0) | 1
		}
		return d, true
	case 2:
		d := h.b.signBody(h.b.scheme, id, typ, body, now)
		d.header.Set(h.b.scheme.Headers()[0], string(noise))
		return d, true
	case 3:
		d := h.b.signBody(h.b.scheme, id, typ, body, now)
		names := h.b.scheme.Headers()
		d.header.Del(names[int(at(noise, 0))%len(names)])
		return d, true
	case 4:
		return h.b.signBody(h.wrong, id, typ, body, now), true
	case 5:
		if h.b.scheme.Timestamped() {
			return h.b.signBody(h.b.scheme, id, typ, body, now.Add(-time.Hour)), true
		}
	}
	return h.b.signBody(h.b.scheme, id, typ, body, now), false
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// serveCopies serves n copies of d, concurrently or one after another, and
// returns the status codes. A panic or a hang is an error.
func (h *Harness) serveCopies(d delivery, n int, together bool) ([]int, error) {
	codes := make([]int, n)
	errs := make([]error, n)
	if !together {
		for i := range n {
			codes[i], errs[i] = h.serveOne(d, nil)
		}
		return codes, errors.Join(errs...)
	}
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { codes[i], errs[i] = h.serveOne(d, gate) })
	}
	close(gate)
	wg.Wait()
	return codes, errors.Join(errs...)
}

// serveOne calls the handler once, after gate closes when gate is set.
func (h *Harness) serveOne(d delivery, gate <-chan struct{}) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://example.com/webhook", bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	// As a server hands it over (and as httptest.NewRequest builds it).
	req.RemoteAddr, req.RequestURI = "192.0.2.1:1234", "/webhook"
	req.Header = d.header.Clone()
	rec := &answer{header: http.Header{}}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("handler panicked: %v", p)
			}
		}()
		if gate != nil {
			<-gate
		}
		h.ft.Handler.ServeHTTP(rec, req)
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			return 0, err
		}
		return rec.status(), nil
	case <-time.After(h.ft.Deadline):
		return 0, fmt.Errorf("handler did not answer within %s", h.ft.Deadline)
	}
}

// answer is the ResponseWriter the harness hands the handler: it keeps the
// status and discards the body, which no invariant reads.
type answer struct {
	header http.Header
	code   int
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(code int) {
	if a.code == 0 {
		a.code = code
	}
}

func (a *answer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return len(p), nil
}

// status is the code written, or 200 when the handler wrote none.
func (a *answer) status() int {
	if a.code == 0 {
		return http.StatusOK
	}
	return a.code
}

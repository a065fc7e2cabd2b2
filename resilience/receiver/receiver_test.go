package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/faultline-dev/faultline/internal/webhooksig"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "whsec_receiver_test"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// effects counts Process calls per event id and can fail on demand.
type effects struct {
	mu     sync.Mutex
	n      map[string]int
	fail   int // fail this many calls before succeeding
	calls  int
	done   chan string
	called chan struct{} // a call was made (not every call: it is a wake-up)
}

func newEffects() *effects {
	return &effects{n: map[string]int{}, done: make(chan string, 128), called: make(chan struct{}, 1)}
}

func (e *effects) process(_ context.Context, ev Event) error {
	e.mu.Lock()
	defer wake(e.called)
	e.calls++
	if e.calls <= e.fail {
		e.mu.Unlock()
		return fmt.Errorf("downstream unavailable (call %d)", e.calls)
	}
	e.n[ev.ID]++
	e.mu.Unlock()
	e.done <- ev.ID
	return nil
}

// wake signals ch without blocking: a waiter rechecks its condition.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// waitCalls waits until process has been called n times, or limit passes
// (the test's assertions then say what is missing).
func (e *effects) waitCalls(n int, limit time.Duration) {
	timeout := time.After(limit)
	for e.callCount() < n {
		select {
		case <-e.called:
		case <-timeout:
			return
		}
	}
}

func (e *effects) callCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

func (e *effects) count(id string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[id]
}

func newReceiver(t *testing.T, cfg Config) (*Receiver, *effects) {
	t.Helper()
	eff := newEffects()
	if cfg.Scheme == "" {
		cfg.Scheme, cfg.Secret = "stripe", secret
	}
	if cfg.Process == nil {
		cfg.Process = eff.process
	}
	cfg.Logger = quiet
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, eff
}

func stripeRequest(t *testing.T, id string, at time.Time, key string) *http.Request {
	t.Helper()
	body := []byte(`{"id":"` + id + `","type":"invoice.paid"}`)
	s, err := webhooksig.New("stripe", key, webhooksig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if err := s.Sign(req.Header, webhooksig.Delivery{Body: body, Timestamp: at}); err != nil {
		t.Fatal(err)
	}
	return req
}

func serve(r http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec.Code
}

func waitEffect(t *testing.T, e *effects) string {
	t.Helper()
	select {
	case id := <-e.done:
		return id
	case <-time.After(2 * time.Second):
		t.Fatal("event never processed")
		return ""
	}
}

func TestValidDeliveryIsAcknowledgedAndProcessedOnce(t *testing.T) {
	r, eff := newReceiver(t, Config{})
	if code := serve(r, stripeRequest(t, "evt_1", time.Now(), secret)); code != http.StatusAccepted {
		t.Fatalf("status = %d, want 202", code)
	}
	if id := waitEffect(t, eff); id != "evt_1" {
		t.Fatalf("processed %q", id)
	}
	if code := serve(r, stripeRequest(t, "evt_1", time.Now(), secret)); code != http.StatusOK {
		t.Fatalf("duplicate status = %d, want 200", code)
	}
	_ = r.Close()
	if n := eff.count("evt_1"); n != 1 {
		t.Fatalf("effects = %d, want 1", n)
	}
}

func TestRejections(t *testing.T) {
	r, eff := newReceiver(t, Config{MaxBody: 256})
	now := time.Now()
	tampered := stripeRequest(t, "evt_t", now, secret)
	tampered.Body = io.NopCloser(strings.NewReader(`{"id":"evt_t","type":"invoice.paid","amount":1}`))
	missing := stripeRequest(t, "evt_m", now, secret)
	missing.Header.Del("Stripe-Signature")
	malformed := stripeRequest(t, "evt_x", now, secret)
	malformed.Header.Set("Stripe-Signature", "nonsense")
	big := stripeRequest(t, "evt_b", now, secret)
	big.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", 1000)))
	get := stripeRequest(t, "evt_g", now, secret)
	get.Method = http.MethodGet

	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"tampered body", tampered, 401},
		{"wrong secret", stripeRequest(t, "evt_w", now, "whsec_other"), 401},
		{"missing signature", missing, 400},
		{"malformed signature", malformed, 400},
		{"stale", stripeRequest(t, "evt_s", now.Add(-time.Hour), secret), 401},
		{"future", stripeRequest(t, "evt_f", now.Add(time.Hour), secret), 401},
		{"too large", big, 413},
		{"GET", get, 405},
	}
	for _, c := range cases {
		if got := serve(r, c.req); got != c.want {
			t.Errorf("%s: status = %d, want %d", c.name, got, c.want)
		}
	}
	_ = r.Close()
	if eff.calls != 0 {
		t.Fatalf("rejected deliveries caused %d effects", eff.calls)
	}
}

func TestConcurrentDuplicatesProcessOnce(t *testing.T) {
	r, eff := newReceiver(t, Config{})
	const n = 16
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = stripeRequest(t, "evt_c", time.Now(), secret)
	}
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() {
			<-start
			codes[i] = serve(r, reqs[i])
		})
	}
	close(start)
	wg.Wait()
	_ = r.Close()
	accepted := 0
	for _, c := range codes {
		switch c {
		case http.StatusAccepted:
			accepted++
		case http.StatusOK:
		default:
			t.Fatalf("status %d among duplicates", c)
		}
	}
	if accepted != 1 || eff.count("evt_c") != 1 {
		t.Fatalf("accepted = %d, effects = %d; want 1 and 1", accepted, eff.count("evt_c"))
	}
}

func TestMemoryStoreClaimIsAtomic(t *testing.T) {
	s := NewMemoryStore()
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if ok, _ := s.Claim(context.Background(), "id"); ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d claims won, want 1", won.Load())
	}
	_ = s.Release(context.Background(), "id")
	if ok, _ := s.Claim(context.Background(), "id"); !ok {
		t.Fatal("claim after release lost")
	}
}

func TestProcessingRetriesThenSucceeds(t *testing.T) {
	r, eff := newReceiver(t, Config{MaxAttempts: 3})
	eff.fail = 2
	serve(r, stripeRequest(t, "evt_r", time.Now(), secret))
	waitEffect(t, eff)
	_ = r.Close()
	if eff.calls != 3 || len(r.DeadLetters()) != 0 {
		t.Fatalf("calls = %d, dead letters = %d; want 3 and 0", eff.calls, len(r.DeadLetters()))
	}
}

func TestProcessingFailuresAreDeadLettered(t *testing.T) {
	r, eff := newReceiver(t, Config{MaxAttempts: 3})
	eff.fail = 100
	serve(r, stripeRequest(t, "evt_d", time.Now(), secret))
	eff.waitCalls(3, 2*time.Second)
	_ = r.Close()
	dl := r.DeadLetters()
	if len(dl) != 1 || dl[0].Event.ID != "evt_d" || dl[0].Attempts != 3 || dl[0].Err == nil {
		t.Fatalf("dead letters = %+v", dl)
	}
	if eff.count("evt_d") != 0 {
		t.Fatal("dead-lettered event counted as an effect")
	}
}

// A full queue answers 503 and releases the claim, so the provider's
// redelivery is processed: exactly one effect in the end.
func TestFullQueueReleasesClaimForRedelivery(t *testing.T) {
	gate := make(chan struct{})
	taken, processed := make(chan struct{}, 1), make(chan struct{}, 3)
	var mu sync.Mutex
	seen := map[string]int{}
	r, _ := newReceiver(t, Config{Workers: 1, Queue: 1, Process: func(_ context.Context, e Event) error {
		wake(taken)
		<-gate
		mu.Lock()
		seen[e.ID]++
		mu.Unlock()
		processed <- struct{}{}
		return nil
	}})
	codes := []int{
		serve(r, stripeRequest(t, "evt_a", time.Now(), secret)), // taken by the worker
	}
	// Wait until the worker holds evt_a, so the queue's one slot is free.
	timeout := time.After(2 * time.Second)
	select {
	case <-taken:
	case <-timeout:
	}
	codes = append(codes,
		serve(r, stripeRequest(t, "evt_b", time.Now(), secret)), // queued
		serve(r, stripeRequest(t, "evt_c", time.Now(), secret)), // no room
	)
	if codes[2] != http.StatusServiceUnavailable {
		t.Fatalf("codes = %v, want the third to be 503", codes)
	}
	close(gate)
	for range 2 { // evt_a and evt_b
		select {
		case <-processed:
		case <-timeout:
		}
	}
	if code := serve(r, stripeRequest(t, "evt_c", time.Now(), secret)); code != http.StatusAccepted {
		t.Fatalf("redelivery after 503: status = %d, want 202", code)
	}
	_ = r.Close()
	if seen["evt_c"] != 1 {
		t.Fatalf("evt_c processed %d times, want 1", seen["evt_c"])
	}
}

func TestClosedReceiverAnswers503(t *testing.T) {
	r, eff := newReceiver(t, Config{})
	_ = r.Close()
	_ = r.Close()
	if code := serve(r, stripeRequest(t, "evt_z", time.Now(), secret)); code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", code)
	}
	if eff.calls != 0 {
		t.Fatal("closed receiver processed an event")
	}
}

type brokenStore struct{}

func (brokenStore) Claim(context.Context, string) (bool, error) { return false, errors.New("db down") }
func (brokenStore) Release(context.Context, string) error       { return nil }

func TestStoreFailureAnswers503(t *testing.T) {
	r, _ := newReceiver(t, Config{Store: brokenStore{}})
	if code := serve(r, stripeRequest(t, "evt_s", time.Now(), secret)); code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", code)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	noop := func(context.Context, Event) error { return nil }
	for _, c := range []Config{
		{Scheme: "stripe", Secret: "x"},
		{Scheme: "paypal", Secret: "x", Process: noop},
		{Scheme: "stripe", Process: noop},
	} {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v): err = %v, want ErrConfig", c.Scheme, err)
		}
	}
}

func TestPanickingProcessIsDeadLetteredNotFatal(t *testing.T) {
	r, _ := newReceiver(t, Config{MaxAttempts: 2, Workers: 1, Process: func(_ context.Context, e Event) error {
		if e.ID == "evt_boom" {
			panic("nil map")
		}
		return nil
	}})
	serve(r, stripeRequest(t, "evt_boom", time.Now(), secret))
	if code := serve(r, stripeRequest(t, "evt_fine", time.Now(), secret)); code != http.StatusAccepted {
		t.Fatalf("status after a panic = %d", code)
	}
	_ = r.Close()
	dl := r.DeadLetters()
	if len(dl) != 1 || dl[0].Event.ID != "evt_boom" || !strings.Contains(dl[0].Err.Error(), "panicked") {
		t.Fatalf("dead letters = %+v", dl)
	}
}

func TestCloseDoesNotWaitOutBackoff(t *testing.T) {
	r, eff := newReceiver(t, Config{MaxAttempts: 5, Backoff: time.Hour})
	eff.fail = 100
	serve(r, stripeRequest(t, "evt_slow", time.Now(), secret))
	eff.waitCalls(1, 2*time.Second)
	start := time.Now()
	_ = r.Close()
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Close took %s", took)
	}
	dl := r.DeadLetters()
	if len(dl) != 1 || dl[0].Attempts != 1 {
		t.Fatalf("dead letters = %+v, want evt_slow after 1 attempt", dl)
	}
}

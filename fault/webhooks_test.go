package fault

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/faultline-dev/faultline/internal/webhooksig"
)

// hookReceiver verifies each delivery with the scheme and records it.
type hookReceiver struct {
	t      *testing.T
	scheme webhooksig.Scheme
	mu     sync.Mutex
	got    []received
	answer func(n int) int // status for the n-th delivery (1-based)
	hold   func(n int)     // called before answering the n-th delivery
}

type received struct {
	at       time.Time
	id, typ  string
	verified bool
}

func newHookReceiver(t *testing.T, scheme, secret string) (*hookReceiver, *httptest.Server) {
	s, err := webhooksig.New(scheme, secret, webhooksig.Options{})
	require.NoError(t, err)
	hr := &hookReceiver{t: t, scheme: s}
	srv := httptest.NewServer(hr)
	t.Cleanup(srv.Close)
	return hr, srv
}

func (hr *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var doc struct{ ID, Type string }
	_ = json.Unmarshal(body, &doc)
	ok := hr.scheme.Verify(r.Header, body, time.Now()) == nil
	hr.mu.Lock()
	hr.got = append(hr.got, received{at: time.Now(), id: doc.ID, typ: doc.Type, verified: ok})
	n := len(hr.got)
	hr.mu.Unlock()
	if hr.hold != nil {
		hr.hold(n)
	}
	switch {
	case !ok:
		w.WriteHeader(http.StatusBadRequest)
	case hr.answer != nil:
		w.WriteHeader(hr.answer(n))
	}
}

func (hr *hookReceiver) deliveries() []received {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return append([]received(nil), hr.got...)
}

func webhookPlan(t *testing.T, target, faults string) *Server {
	return servePlan(t, `
routes:
  - method: POST
    path: /v1/charges
    respond: {status: 200, json: {id: ch_1}}
webhooks:
  - name: charge
    target: `+target+`
    scheme: stripe
    secret: whsec_test
    on: {method: POST, path: /v1/charges, status: 2xx}
    events:
      - {type: charge.created, json: {object: charge}}
      - {type: charge.succeeded, json: {object: charge}}
    faults: `+faults+`
`)
}

func charge(t *testing.T, s *Server) {
	resp, err := s.Client().Post(s.URL+"/v1/charges", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
}

func waitDeliveries(t *testing.T, s *Server, n int) []journal.Delivery {
	t.Helper()
	return waitDeliveriesWithin(t, s, n, 10*time.Second) // a bound, not a timing check
}

func waitDeliveriesWithin(t *testing.T, s *Server, n int, limit time.Duration) []journal.Delivery {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.Handler.Deliveries()) >= n }, limit, 2*time.Millisecond)
	return s.Handler.Deliveries()
}

func TestWebhookDeliveredAfterTriggerSigned(t *testing.T) {
	hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
	s := webhookPlan(t, rcv.URL, "{}")
	charge(t, s)
	ds := waitDeliveries(t, s, 2)
	got := hr.deliveries()
	require.Len(t, got, 2)
	assert.True(t, got[0].verified && got[1].verified, "signed as stripe signs")
	assert.Equal(t, []string{"charge.created", "charge.succeeded"}, []string{got[0].typ, got[1].typ})
	assert.Equal(t, 200, ds[0].Status)
	assert.NotEqual(t, got[0].id, got[1].id)
}

func TestWebhookNotDeliveredWithoutTrigger(t *testing.T) {
	hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
	s := webhookPlan(t, rcv.URL, "{}")
	resp, err := s.Client().Get(s.URL + "/v1/charges") // GET does not match the POST trigger
	require.NoError(t, err)
	resp.Body.Close()
	settled(t, s) // the request is finished: a trigger it matched has fired
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Handler.WaitDeliveries(ctx), "what fired is delivered")
	assert.Empty(t, hr.deliveries())
}

func TestWebhookDuplicatesAndReorder(t *testing.T) {
	hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
	s := webhookPlan(t, rcv.URL, "{duplicate: 2, reorder: true}")
	charge(t, s)
	waitDeliveries(t, s, 6)
	got := hr.deliveries()
	require.Len(t, got, 6)
	assert.Equal(t, "charge.succeeded", got[0].typ, "an object's events arrive out of order")
	assert.Equal(t, got[0].id, got[1].id)
	assert.Equal(t, got[0].id, got[2].id, "a duplicate carries the same event id")
	assert.True(t, got[1].verified, "each duplicate is freshly and validly signed")
}

// TestWebhookConcurrentDuplicatesArriveTogether: the receiver holds each of
// the first event's copies until all 8 have arrived, which only copies in
// flight together can do; copies sent one after another would wait for an
// answer that never comes and time out.
func TestWebhookConcurrentDuplicatesArriveTogether(t *testing.T) {
	hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
	together := make(chan struct{})
	hr.hold = func(n int) {
		switch {
		case n == 8:
			close(together)
		case n < 8:
			select {
			case <-together:
			case <-time.After(10 * time.Second): // past the dispatcher's 5s timeout
			}
		}
	}
	s := webhookPlan(t, rcv.URL, "{concurrent: 8}")
	charge(t, s)
	waitDeliveriesWithin(t, s, 16, 20*time.Second)
	got := hr.deliveries()[:8]
	for _, g := range got {
		assert.Equal(t, got[0].id, g.id, "the copies carry one event id")
	}
	for _, d := range s.Handler.Deliveries()[:8] {
		assert.Equal(t, "concurrent", d.Fault)
		assert.Equal(t, 200, d.Status, "every copy was answered, so all 8 were in flight at once: %s", d.Error)
	}
}

func TestWebhookForgedAndStaleAreRefused(t *testing.T) {
	for _, faults := range []string{"{bad_signature: true}", "{stale_timestamp: 1h}"} {
		t.Run(faults, func(t *testing.T) {
			hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
			s := webhookPlan(t, rcv.URL, faults)
			charge(t, s)
			ds := waitDeliveries(t, s, 2)
			assert.False(t, hr.deliveries()[0].verified)
			assert.Equal(t, 400, ds[0].Status)
			assert.NotEmpty(t, ds[0].Fault)
		})
	}
}

func TestWebhookRedeliveredAfter5xx(t *testing.T) {
	hr, rcv := newHookReceiver(t, "stripe", "whsec_test")
	hr.answer = func(n int) int {
		if n == 1 {
			return 500
		}
		return 200
	}
	s := webhookPlan(t, rcv.URL, "{redeliver: [1m, 5m], time_scale: 0.0005}")
	charge(t, s)
	ds := waitDeliveries(t, s, 3)
	assert.Equal(t, 500, ds[0].Status)
	assert.Equal(t, 2, ds[1].Attempt)
	assert.Equal(t, ds[0].EventID, ds[1].EventID)
	assert.Equal(t, 200, ds[1].Status)
	assert.GreaterOrEqual(t, ds[1].Time.Sub(ds[0].Time), 25*time.Millisecond, "1m scaled by 0.0005 is 30ms")
}

func TestWebhookTimer(t *testing.T) {
	_, rcv := newHookReceiver(t, "github", "s3cret")
	s := servePlan(t, `
routes: [{path: /ok}]
webhooks:
  - {target: `+rcv.URL+`, scheme: github, secret: s3cret, every: 20ms, events: [{type: push}]}
`)
	ds := waitDeliveries(t, s, 2)
	assert.Equal(t, 200, ds[0].Status)
}

func TestWebhookLoadErrors(t *testing.T) {
	base := "routes: [{path: /ok}]\nwebhooks:\n  - "
	cases := map[string]string{
		"{scheme: stripe, secret: x, every: 1s, events: [{type: a}]}":                     `webhooks[0].target: "": give the receiver's URL`,
		"{target: 'http://x', scheme: nope, secret: x, every: 1s, events: [{type: a}]}":   `webhooks[0].scheme: unknown webhook signing scheme`,
		"{target: 'http://x', scheme: github, secret: x, events: [{type: a}]}":            `webhooks[0].on: say when to deliver`,
		"{target: 'http://x', scheme: github, secret: x, every: 1s}":                      `webhooks[0].events: list at least one event`,
		"{target: 'http://x', scheme: github, secret: x, every: 1s, events: [{typo: a}]}": `unknown key "typo"`,
	}
	for src, want := range cases {
		_, err := LoadPlan("p.yaml", []byte(base+src+"\n"))
		require.Error(t, err, src)
		assert.Contains(t, err.Error(), want)
		assert.Contains(t, err.Error(), "p.yaml:3:")
	}
}

func TestWebhookGenericHMACScheme(t *testing.T) {
	shape := webhooksig.HMAC{Header: "X-Signature", Prefix: "sha256=", Signed: "{timestamp}.{body}", TimestampHeader: "X-Timestamp"}
	verifier, err := webhooksig.New("hmac", "s3cret", webhooksig.Options{HMAC: shape})
	require.NoError(t, err)
	hr, rcv := newHookReceiver(t, "github", "unused")
	hr.scheme = verifier
	s := servePlan(t, `
routes: [{path: /ok}]
webhooks:
  - target: `+rcv.URL+`
    scheme: hmac
    secret: s3cret
    hmac: {header: X-Signature, prefix: "sha256=", signed: "{timestamp}.{body}", timestamp_header: X-Timestamp}
    every: 20ms
    events: [{type: thing.happened}]
`)
	waitDeliveries(t, s, 1)
	assert.True(t, hr.deliveries()[0].verified, "signed with the configured generic shape")
	_, err = LoadPlan("p.yaml", []byte("routes: [{path: /ok}]\nwebhooks:\n  - {target: 'http://x', scheme: hmac, secret: s, every: 1s, events: [{type: a}]}\n"))
	assert.ErrorContains(t, err, "p.yaml:3:", "hmac without a header is an error with its position")
}

func TestWebhookStaleTimestampMustExceedTolerance(t *testing.T) {
	_, err := LoadPlan("p.yaml", []byte("routes: [{path: /ok}]\nwebhooks:\n  - {target: 'http://x', scheme: stripe, secret: s, every: 1s, events: [{type: a}], faults: {stale_timestamp: 2m}}\n"))
	assert.ErrorContains(t, err, "stale_timestamp 2m0s is inside the 5m0s receivers accept")
}

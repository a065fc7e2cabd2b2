package scenarios

import (
	"context"
	"encoding/json"
	"github.com/faultline-dev/faultline/fault/journal"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/internal/webhooksig"
	"github.com/faultline-dev/faultline/report"
)

// badReceiver is a user's webhook handler with one of two classic bugs:
// no signature check, or a check-then-insert race in deduplication.
type badReceiver struct {
	verify  webhooksig.Scheme // nil: accepts anything
	racy    bool              // check-then-insert with the worst interleaving
	mu      sync.Mutex
	seen    map[string]bool
	effects map[string]int
	passed  map[string]chan struct{} // closed when a second copy of an event passes the check
	checks  map[string]int
}

// passedTwice counts one more copy of id past the check (under b.mu) and
// returns a channel closed once two copies have passed it.
func (b *badReceiver) passedTwice(id string) chan struct{} {
	if b.passed[id] == nil {
		b.passed[id] = make(chan struct{})
	}
	if b.checks[id]++; b.checks[id] == 2 {
		close(b.passed[id])
	}
	return b.passed[id]
}

func (b *badReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/effects" {
		b.mu.Lock()
		defer b.mu.Unlock()
		_ = json.NewEncoder(w).Encode(b.effects)
		return
	}
	var body [4096]byte
	n, _ := r.Body.Read(body[:])
	if b.verify != nil && b.verify.Verify(r.Header, body[:n], time.Now()) != nil {
		w.WriteHeader(400)
		return
	}
	var ev struct{ ID string }
	_ = json.Unmarshal(body[:n], &ev)
	b.mu.Lock()
	dup := b.seen[ev.ID] // check ...
	var second chan struct{}
	if !dup && b.racy {
		second = b.passedTwice(ev.ID)
	}
	b.mu.Unlock()
	if !dup && b.racy {
		// ... the slow work between check and insert, which lasts until
		// a concurrent copy has passed the check too (the race's worst
		// interleaving, on a machine of any speed; 2s bounds it when
		// copies come one after another) ...
		select {
		case <-second:
		case <-time.After(2 * time.Second):
		}
	}
	if !dup {
		b.mu.Lock()
		b.seen[ev.ID] = true // ... then insert: concurrent copies all pass the check
		b.effects[ev.ID]++
		b.mu.Unlock()
	}
}

func runWithBadReceiver(t *testing.T, file string, b *badReceiver) report.Scenario {
	lib, err := Library()
	require.NoError(t, err)
	var sc *Scenario
	for _, s := range lib {
		if strings.HasSuffix(s.File, file) {
			sc = s
		}
	}
	require.NotNil(t, sc, file)
	b.seen, b.effects = map[string]bool{}, map[string]int{}
	b.passed, b.checks = map[string]chan struct{}{}, map[string]int{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	cp := *sc
	cp.Client.Receiver = &Receiver{URL: srv.URL + "/hook", EffectsURL: srv.URL + "/effects"}
	res, err := RunOne(context.Background(), &cp, Options{Seed: 1})
	require.NoError(t, err)
	return res
}

func checkStatus(res report.Scenario, name string) report.Status {
	for _, c := range res.Checks {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}

func TestWebhookChecksFailRacyReceiver(t *testing.T) {
	signer, err := webhooksig.New("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", webhooksig.Options{})
	require.NoError(t, err)
	res := runWithBadReceiver(t, "webhook-concurrent-duplicates.yaml", &badReceiver{verify: signer, racy: true})
	assert.Equal(t, report.Passed, checkStatus(res, "webhooks_acknowledged"))
	assert.Equal(t, report.Failed, checkStatus(res, "webhooks_once"), "check-then-insert processes concurrent copies more than once")
}

func TestWebhookChecksFailReceiverWithoutSignatureCheck(t *testing.T) {
	res := runWithBadReceiver(t, "webhook-forged.yaml", &badReceiver{})
	assert.Equal(t, report.Failed, checkStatus(res, "webhooks_acknowledged"), "forged deliveries got 2xx")
	assert.Equal(t, report.Failed, checkStatus(res, "webhooks_once"), "forged deliveries had effects")
}

func TestWebhooksOnceSkippedWithoutEffects(t *testing.T) {
	o := &Observation{Scenario: &Scenario{}}
	assert.Equal(t, report.Skipped, webhooksOnceCheck{}.Evaluate(o).Status)
	assert.Equal(t, report.Failed, webhooksAckCheck{}.Evaluate(o).Status, "no delivery is never a pass")
}

func TestForgedCopiesStayForged(t *testing.T) {
	// A forged webhook's duplicate is still forged: the receiver must refuse
	// both copies, and the checks must expect that.
	o := &Observation{Scenario: &Scenario{}, Effects: map[string]int{}, Deliveries: []journal.Delivery{
		{EventID: "evt_1", Fault: "bad_signature", Forged: true, Status: 401},
		{EventID: "evt_1", Fault: "duplicate", Forged: true, Status: 401},
	}}
	assert.Equal(t, report.Passed, webhooksAckCheck{}.Evaluate(o).Status)
	assert.Equal(t, report.Passed, webhooksOnceCheck{}.Evaluate(o).Status)
}

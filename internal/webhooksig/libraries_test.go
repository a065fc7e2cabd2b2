package webhooksig

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	gh "github.com/google/go-github/v89/github"
	stdwh "github.com/standard-webhooks/standard-webhooks/libraries/go"
	stripewh "github.com/stripe/stripe-go/v85/webhook"
)

// The providers' own Go libraries are the reference: what we sign they
// accept, what they sign we accept, and neither accepts a tampered body.

const stripeSecret = "whsec_test_secret_for_faultline"

func TestStripeAgreesWithStripeGo(t *testing.T) {
	s := mustNew(t, "stripe", stripeSecret)
	body := []byte(`{"id":"evt_1","object":"event"}`)
	h := http.Header{}
	if err := s.Sign(h, Delivery{Body: body, Timestamp: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := stripewh.ValidatePayload(body, h.Get("Stripe-Signature"), stripeSecret); err != nil {
		t.Fatalf("stripe-go rejects our signature: %v", err)
	}
	if err := stripewh.ValidatePayload([]byte(`{"id":"evt_2"}`), h.Get("Stripe-Signature"), stripeSecret); err == nil {
		t.Fatal("stripe-go accepts our signature over another body")
	}

	theirs := stripewh.GenerateTestSignedPayload(&stripewh.UnsignedPayload{Payload: body, Secret: stripeSecret, Timestamp: time.Now()})
	h = http.Header{"Stripe-Signature": {theirs.Header}}
	if err := s.Verify(h, body, time.Now()); err != nil {
		t.Fatalf("we reject stripe-go's signature: %v", err)
	}
	if err := s.Verify(h, []byte(`{"id":"evt_2"}`), time.Now()); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("tampered body: err = %v, want ErrSignatureMismatch", err)
	}
}

func TestStripeRotationAgreesWithStripeGo(t *testing.T) {
	s := mustNew(t, "stripe", stripeSecret)
	body := []byte(`{"id":"evt_1"}`)
	h := http.Header{}
	if err := s.(Rotating).SignAll(h, Delivery{Body: body, Timestamp: time.Now()}, "whsec_old", stripeSecret); err != nil {
		t.Fatal(err)
	}
	if err := stripewh.ValidatePayload(body, h.Get("Stripe-Signature"), stripeSecret); err != nil {
		t.Fatalf("stripe-go rejects a header with one valid v1 among several: %v", err)
	}
	if err := s.Verify(h, body, time.Now()); err != nil {
		t.Fatalf("one valid v1 among several rejected: %v", err)
	}
	h = http.Header{}
	_ = s.(Rotating).SignAll(h, Delivery{Body: body, Timestamp: time.Now()}, "whsec_old", "whsec_older")
	if err := s.Verify(h, body, time.Now()); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("no valid v1: err = %v, want ErrSignatureMismatch", err)
	}
}

// stripe-go rejects only old timestamps; a future one passes. faultline's
// verifier rejects both, and the campaign reports the difference.
func TestStripeFutureTimestampLibraryLeniency(t *testing.T) {
	s := mustNew(t, "stripe", stripeSecret)
	body := []byte(`{"id":"evt_1"}`)
	h := http.Header{}
	_ = s.Sign(h, Delivery{Body: body, Timestamp: time.Now().Add(time.Hour)})
	if err := stripewh.ValidatePayload(body, h.Get("Stripe-Signature"), stripeSecret); err != nil {
		t.Fatalf("stripe-go no longer accepts future timestamps (%v): update the campaign's note", err)
	}
	if err := s.Verify(h, body, time.Now()); !errors.Is(err, ErrTooNew) {
		t.Fatalf("err = %v, want ErrTooNew", err)
	}
}

const standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestStandardAgreesWithStandardWebhooksLibrary(t *testing.T) {
	s := mustNew(t, "standard", standardSecret)
	wh, err := stdwh.NewWebhook(standardSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"invoice.paid"}`)
	now := time.Now()

	h := http.Header{}
	if err := s.Sign(h, Delivery{ID: "msg_1", Body: body, Timestamp: now}); err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, h); err != nil {
		t.Fatalf("library rejects our signature: %v", err)
	}
	if err := wh.Verify([]byte(`{}`), h); err == nil {
		t.Fatal("library accepts our signature over another body")
	}

	sig, err := wh.Sign("msg_2", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h = http.Header{}
	h.Set("webhook-id", "msg_2")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", "v1,bm90IGl0 "+sig)
	if err := s.Verify(h, body, now); err != nil {
		t.Fatalf("we reject the library's signature in a list: %v", err)
	}
	h.Set("webhook-id", "msg_3")
	if err := s.Verify(h, body, now); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("changed id: err = %v, want ErrSignatureMismatch", err)
	}
}

func TestGitHubAgreesWithGoGitHub(t *testing.T) {
	const secret = "s3cr3t"
	s := mustNew(t, "github", secret)
	body := []byte(`{"action":"opened"}`)
	h := http.Header{}
	if err := s.Sign(h, Delivery{ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "issues", Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := gh.ValidateSignature(h.Get("X-Hub-Signature-256"), body, []byte(secret)); err != nil {
		t.Fatalf("go-github rejects our signature: %v", err)
	}
	if err := gh.ValidateSignature(h.Get("X-Hub-Signature-256"), body, []byte("other")); err == nil {
		t.Fatal("go-github accepts our signature under another secret")
	}
	if h.Get("X-GitHub-Delivery") == "" || h.Get("X-GitHub-Event") != "issues" {
		t.Fatalf("delivery headers not set: %v", h)
	}
}

func mustNew(t *testing.T, name, secret string) Scheme {
	t.Helper()
	s, err := New(name, secret, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

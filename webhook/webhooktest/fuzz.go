// Package webhooktest runs faultline's webhook invariants as a native Go
// fuzz test over your own http.Handler, the way net/http/httptest serves
// one in a test. It lives apart from package webhook so that programs using
// the campaign do not link the testing package.
//
//	func FuzzWebhook(f *testing.F) {
//		counts := newCounter()
//		webhooktest.Fuzz(f, webhook.FuzzTarget{Handler: myHandler(counts), Scheme: "github", Secret: "s3cr3t", Effects: counts})
//	}
package webhooktest

import (
	"testing"

	"github.com/faultline-dev/faultline/webhook"
)

// Fuzz drives ft.Handler from a native fuzz test. Each input is a payload,
// an operation byte and noise (see webhook.Harness.Check): the payload is
// wrapped in the provider's envelope (or sent raw when op's high bit is set)
// and the low bits pick a mutation: valid, tampered body, garbled signature
// header, dropped header, wrong secret, stale timestamp, sequential or
// concurrent duplicates. It asserts: no panic, no hang, no 5xx, never 2xx on
// a bad signature and, with Effects, no effect for a bad signature and at
// most one per event id.
func Fuzz(f *testing.F, ft webhook.FuzzTarget) {
	f.Helper()
	h, err := webhook.NewHarness(ft)
	if err != nil {
		f.Fatal(err)
	}
	for i, p := range []string{`{"amount":2000,"currency":"eur"}`, `{}`, `[]`, `{"id":"evt_x","type":"x"}`, "not json", ""} {
		for op := range 8 {
			f.Add([]byte(p), uint8(op|(i%2)<<7), []byte{byte(i), byte(op), 0x7f})
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte, op uint8, noise []byte) {
		if err := h.Check(payload, op, noise); err != nil {
			t.Fatal(err)
		}
	})
}

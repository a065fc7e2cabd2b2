package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
)

func handleWebhook(w http.ResponseWriter, r *http.Request) { // want `this webhook handler reads the body and never verifies its signature`
	var event map[string]any
	if err := json.NewDecoder(r.Body).Decode(&event); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	apply(event)
}

func routes(mux *http.ServeMux) {
	mux.HandleFunc("/hooks/github", func(w http.ResponseWriter, r *http.Request) { // want `this webhook handler reads the body`
		body, _ := io.ReadAll(r.Body)
		applyRaw(body)
	})
	mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) { // not a webhook: no finding
		body, _ := io.ReadAll(r.Body)
		applyRaw(body)
	})
}

func events(w http.ResponseWriter, r *http.Request) { // want `never verifies its signature`
	_ = r.Header.Get("Stripe-Signature") // read but never checked
	body, _ := io.ReadAll(r.Body)
	applyRaw(body)
}

// Negative cases.

var secret = []byte("from the environment in real code")

func verifiedWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Signature"))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	applyRaw(body)
}

func libraryWebhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := verifyStripeSignature(body, r.Header.Get("Stripe-Signature")); err != nil {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	applyRaw(body)
}

func pingHook(w http.ResponseWriter, r *http.Request) { // never reads the body
	w.WriteHeader(http.StatusNoContent)
}

func verifyStripeSignature(body []byte, header string) error { return nil }
func apply(map[string]any)                                   {}
func applyRaw([]byte)                                        {}

type parser interface {
	ParseEventNotification(payload []byte, sig, secret string) (any, error)
}

var client parser

func libraryParses(mux *http.ServeMux) {
	mux.HandleFunc("/webhook", func(w http.ResponseWriter, r *http.Request) { // stripe's example: the library verifies
		payload, _ := io.ReadAll(r.Body)
		if _, err := client.ParseEventNotification(payload, r.Header.Get("Stripe-Signature"), "whsec"); err != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
		}
	})
}

// postWebHook manages webhook settings (mailgun's mock API): a REST
// handler for a "webhook" resource, not a receiver.
func postWebHook(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	applyRaw([]byte(r.FormValue("url")))
}

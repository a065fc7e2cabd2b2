package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/resilience/receiver"
)

// effectsServer serves the reference receiver at /hook and its effect
// counts at /effects, the contract of --effects-url.
func effectsServer(t *testing.T, scheme, secret string) *httptest.Server {
	var mu sync.Mutex
	effects := map[string]int{}
	rcv, err := receiver.New(receiver.Config{Scheme: scheme, Secret: secret, Process: func(_ context.Context, e receiver.Event) error {
		mu.Lock()
		defer mu.Unlock()
		effects[e.ID]++
		return nil
	}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/hook", rcv)
	mux.HandleFunc("/effects", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(effects)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); rcv.Close() })
	return srv
}

func TestWebhookCommandPassesReferenceReceiver(t *testing.T) {
	srv := effectsServer(t, "stripe", "whsec_test")
	t.Setenv("HOOK_SECRET", "whsec_test")
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"webhook", "--target", srv.URL + "/hook", "--scheme", "stripe", "--secret-env", "HOOK_SECRET",
		"--effects-url", srv.URL + "/effects", "--flood-for", "200ms", "--seed", "3", "--json", out}, &stdout, &stderr)
	assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"kind": "webhook"`)
	assert.NotContains(t, string(data)+stdout.String(), "whsec_test", "the secret never reaches a report")
}

func TestWebhookCommandFailsForgedAcceptingHandler(t *testing.T) {
	// A handler that accepts everything: forged deliveries get 2xx.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	t.Setenv("HOOK_SECRET", "whsec_test")
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"webhook", "--target", srv.URL, "--scheme", "stripe", "--secret-env", "HOOK_SECRET",
		"--case", "valid,wrong-secret", "--case", "tampered-body", "--seed", "3", "--no-color"}, &stdout, &stderr)
	assert.Equal(t, ExitFailed, code, stdout.String())
	assert.Contains(t, stdout.String(), "FAIL wrong-secret")
}

func TestWebhookCommandCountsEffectsAtUpstream(t *testing.T) {
	addr := freeAddr(t)
	rcv, err := receiver.New(receiver.Config{Scheme: "github", Secret: "gh-secret", Process: func(ctx context.Context, e receiver.Event) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/fulfil", nil)
		req.Header.Set("Idempotency-Key", e.ID) // the downstream effect, keyed by event id
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(rcv)
	defer func() { srv.Close(); rcv.Close() }()
	t.Setenv("GH_SECRET", "gh-secret")
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"webhook", "--target", srv.URL, "--scheme", "github", "--secret-env", "GH_SECRET",
		"--effects-upstream", addr, "--case", "duplicate-sequential,concurrent-duplicates-4,wrong-secret", "--seed", "2", "--no-color"}, &stdout, &stderr)
	assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "PASS concurrent-duplicates-4")
	assert.NotContains(t, stdout.String(), "SKIP", "effects are counted, so effect cases are judged")
}

func TestWebhookCommandGenericHMAC(t *testing.T) {
	rcv, err := receiver.New(receiver.Config{Scheme: "hmac", Secret: "s3cret",
		HMAC:    receiver.HMAC{Header: "X-Signature", Prefix: "sha256=", IDHeader: "X-Event-Id"},
		Process: func(context.Context, receiver.Event) error { return nil }})
	require.NoError(t, err)
	srv := httptest.NewServer(rcv)
	defer func() { srv.Close(); rcv.Close() }()
	t.Setenv("HOOK_SECRET", "s3cret")
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"webhook", "--target", srv.URL, "--scheme", "hmac", "--secret-env", "HOOK_SECRET",
		"--hmac-header", "X-Signature", "--hmac-prefix", "sha256=", "--hmac-id-header", "X-Event-Id",
		"--case", "valid,wrong-secret,tampered-body", "--seed", "1", "--no-color"}, &stdout, &stderr)
	assert.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
}

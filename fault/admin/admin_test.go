package admin

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/fault/journal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const adminPlan = `seed: 7
routes:
  - name: charges
    path: /charges
    respond: {json: {id: ch_1}}
    faults:
      - when: {first: 1}
        status: {code: 503}
`

// adminFixture serves adminPlan with its admin API on loopback.
func adminFixture(t *testing.T, cfg Config) (*fault.Server, *API) {
	t.Helper()
	p, err := fault.LoadPlan("plan.yaml", []byte(adminPlan))
	require.NoError(t, err)
	var opts []fault.Option
	if cfg.Metrics != nil {
		opts = append(opts, fault.WithObserver(cfg.Metrics.Observe))
	}
	s := fault.NewServer(p, opts...)
	t.Cleanup(s.Close)
	a, err := Listen("127.0.0.1:0", s.Handler, cfg)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	return s, a
}

// call makes one request to the admin API and returns status and body.
func call(t *testing.T, a *API, method, path, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestAdminPlanSwap(t *testing.T) {
	s, a := adminFixture(t, Config{Source: []byte(adminPlan)})

	code, body := call(t, a, "GET", "/plan", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, adminPlan, body, "GET /plan returns the YAML the plan came from")

	code, body = call(t, a, "PUT", "/plan", "routes:\n  - path: /x\n    faults:\n      - explode: {}\n")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, `body:4:9: routes[0].faults[0]: unknown fault \"explode\"`)
	assert.Contains(t, body, "unchanged")
	_, body = call(t, a, "GET", "/plan", "")
	assert.Equal(t, adminPlan, body, "an invalid plan leaves the old one in force")
	assert.Equal(t, []int{503, 200}, statuses(t, s, "/charges", 2))

	next := "routes:\n  - path: /refunds\n    respond: {status: 201}\n"
	code, body = call(t, a, "PUT", "/plan", next)
	require.Equal(t, 200, code, body)
	assert.Equal(t, []int{201}, statuses(t, s, "/refunds", 1))
	assert.Equal(t, []int{404}, statuses(t, s, "/charges", 1))
	assert.Equal(t, int64(7), s.Handler.Plan().Seed, "a plan without a seed keeps the seed in force")
	_, body = call(t, a, "GET", "/plan", "")
	assert.Equal(t, next, body)
}

func TestAdminPlanSummaryWithoutSource(t *testing.T) {
	_, a := adminFixture(t, Config{})
	code, body := call(t, a, "GET", "/plan", "")
	require.Equal(t, 200, code)
	var got planSummary
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, planSummary{Seed: 7, Routes: []routeSummary{{Name: "charges", Path: "/charges", Respond: 200, Faults: []string{"status"}}}}, got)
}

func TestAdminJournalAndReset(t *testing.T) {
	m := NewMetrics()
	s, a := adminFixture(t, Config{Metrics: m})
	assert.Equal(t, []int{503, 200, 200}, statuses(t, s, "/charges", 3))

	code, body := call(t, a, "GET", "/journal", "")
	require.Equal(t, 200, code)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	require.Len(t, lines, 3)
	var e journal.Entry
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &e))
	assert.Equal(t, uint64(1), e.Seq)
	assert.Equal(t, "status", e.FaultNames())

	_, body = call(t, a, "GET", "/journal?since=2", "")
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(body)), &e))
	assert.Equal(t, uint64(3), e.Seq)

	code, body = call(t, a, "GET", "/journal?since=two", "")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, "since")

	_, body = call(t, a, "GET", "/metrics", "")
	assert.Contains(t, body, `faultline_requests_total{route="charges",status="503"} 1`)

	code, _ = call(t, a, "POST", "/reset", "")
	require.Equal(t, 200, code)
	_, body = call(t, a, "GET", "/journal", "")
	assert.Empty(t, body)
	_, body = call(t, a, "GET", "/metrics", "")
	assert.NotContains(t, body, `faultline_requests_total{`)
	assert.Equal(t, []int{503}, statuses(t, s, "/charges", 1), "counters restart: the first request fails again")
}

func TestAdminTokenRequired(t *testing.T) {
	h := fault.Wrap(nil, &fault.Plan{})
	defer h.Close()
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "example.invalid:0"} {
		_, err := Listen(addr, h, Config{})
		assert.True(t, errors.Is(err, ErrToken), "%s: %v", addr, err)
	}

	_, a := adminFixture(t, Config{Token: "s3cret"})
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "s3cret"}, {"Authorization", "Bearer s3cret0"}} {
		code, body := call(t, a, "GET", "/healthz", "", hdr...)
		assert.Equal(t, 401, code, "%v", hdr)
		assert.NotContains(t, body, "s3cret")
	}
	code, body := call(t, a, "GET", "/healthz", "", "Authorization", "Bearer s3cret")
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"status":"ok","routes":1}`, body)
}

func TestAdminUnknownEndpoints(t *testing.T) {
	_, a := adminFixture(t, Config{})
	code, body := call(t, a, "GET", "/nope", "")
	assert.Equal(t, 404, code)
	assert.Contains(t, body, "GET /journal")
	code, _ = call(t, a, "DELETE", "/plan", "")
	assert.Equal(t, 405, code)
	code, body = call(t, a, "GET", "/metrics", "")
	assert.Equal(t, 404, code)
	assert.Contains(t, body, "not enabled")
	code, _ = call(t, a, "PUT", "/plan", strings.Repeat("#", maxPlanBody+1))
	assert.Equal(t, 413, code)
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8081": true, "localhost:1": true, "[::1]:80": true, "127.0.0.2:9": true,
		":8081": false, "0.0.0.0:1": false, "10.0.0.1:1": false, "host:1": false, "garbage": false,
	} {
		assert.Equal(t, want, loopbackAddr(addr), addr)
	}
}

func TestAdminPlanHidesSecrets(t *testing.T) {
	src := []byte("routes: [{path: /x}]\nwebhooks:\n  - target: http://127.0.0.1:1/h\n    scheme: stripe\n    secret: whsec_topsecret\n    secret_env: HOOK_SECRET_NAME\n    every: 1h\n    events: [{type: a}]\n")
	out := string(maskSecrets(src))
	assert.NotContains(t, out, "whsec_topsecret")
	assert.Contains(t, out, `secret: "[REDACTED]"`)
	assert.Contains(t, out, "secret_env: HOOK_SECRET_NAME", "a variable's name is not a secret")
	assert.Contains(t, out, "scheme: stripe")
	// The same policy as cassettes and the journal: a bearer token under
	// any key, a real key under an api_key, not a count of tokens.
	out = string(maskSecrets([]byte("headers: {Authorization: \"Bearer sk_live_abcdefghijklmnop\"}\napi_key: k_123456\nmax_tokens: 4000\n")))
	assert.NotContains(t, out, "sk_live_abcdefghijklmnop")
	assert.Contains(t, out, `api_key: "[REDACTED]"`)
	assert.Contains(t, out, "max_tokens: 4000")
}

// TestAdminRefusesWebPages: without a token, a DNS-rebinding page (a
// foreign Host on 127.0.0.1) cannot read the journal, and a cross-site
// page cannot reset or replace the plan with a simple POST or a PUT.
func TestAdminRefusesWebPages(t *testing.T) {
	s, a := adminFixture(t, Config{})
	assert.Equal(t, []int{503}, statuses(t, s, "/charges", 1))

	for _, host := range []string{"evil.example", "evil.example:8081", "127.0.0.1.nip.io", "localhost.evil.example"} {
		code, body := call(t, a, "GET", "/journal", "", "Host", host)
		assert.Equal(t, 403, code, host)
		assert.NotContains(t, body, "charges", "%s: the journal is not read", host)
	}
	for _, hdr := range [][]string{
		{"Origin", "http://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://evil.example", "Content-Type", "text/plain"},
	} {
		code, _ := call(t, a, "POST", "/reset", "", hdr...)
		assert.Equal(t, 403, code, "POST /reset %v", hdr)
		code, _ = call(t, a, "PUT", "/plan", "routes: [{path: /evil}]\n", hdr...)
		assert.Equal(t, 403, code, "PUT /plan %v", hdr)
	}
	assert.Len(t, s.Journal().Entries(), 1, "no reset went through")
	assert.Equal(t, "charges", s.Handler.Plan().Routes[0].Name, "no plan went through")

	// Loopback names and addresses, and non-browser or same-origin
	// requests, are served as before.
	for _, host := range []string{"localhost", "LOCALHOST:8081", "127.0.0.1", "[::1]:8081", "app.localhost"} {
		code, _ := call(t, a, "GET", "/healthz", "", "Host", host)
		assert.Equal(t, 200, code, host)
	}
	code, _ := call(t, a, "POST", "/reset", "", "Origin", a.URL, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, 200, code, "same origin")
	code, _ = call(t, a, "POST", "/reset", "")
	assert.Equal(t, 200, code, "curl")

	// A token already keeps rebinding pages out (they cannot send it), so
	// any Host is accepted with one; cross-site writes are still refused.
	_, ta := adminFixture(t, Config{Token: "s3cret"})
	code, _ = call(t, ta, "GET", "/healthz", "", "Host", "faultline.internal:8081", "Authorization", "Bearer s3cret")
	assert.Equal(t, 200, code)
	code, _ = call(t, ta, "POST", "/reset", "", "Origin", "http://evil.example", "Authorization", "Bearer s3cret")
	assert.Equal(t, 403, code)
}

// amplifier is a plan under PUT's 1 MiB limit whose aliases repeat one
// route with a 100 KB body 90 times: 9 MB of routes once expanded.
func amplifier() string {
	return "seed: 1\nbig: &r {path: /big, respond: {body: " + strings.Repeat("x", 100<<10) + "}}\nroutes:\n" + strings.Repeat("  - *r\n", 90)
}

// TestAdminRefusesAliasAmplifiedPlan: the body limit does not bound the
// work an aliased plan asks for; the expansion bound does, and the plan
// in force stays.
func TestAdminRefusesAliasAmplifiedPlan(t *testing.T) {
	s, a := adminFixture(t, Config{Source: []byte(adminPlan)})
	require.Less(t, len(amplifier()), maxPlanBody)
	code, body := call(t, a, "PUT", "/plan", amplifier())
	assert.Equal(t, 400, code)
	assert.Contains(t, body, "YAML aliases expand this document by more than 4 MiB")
	assert.Contains(t, body, "unchanged")
	assert.Equal(t, "charges", s.Handler.Plan().Routes[0].Name)
	_, body = call(t, a, "GET", "/plan", "")
	assert.Equal(t, adminPlan, body)
}

func TestAdminListsDeliveries(t *testing.T) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	t.Cleanup(rcv.Close)
	s := servePlan(t, `
routes:
  - method: POST
    path: /v1/charges
    respond: {status: 200, json: {id: ch_1}}
webhooks:
  - name: charge
    target: `+rcv.URL+`
    scheme: stripe
    secret: whsec_test
    on: {method: POST, path: /v1/charges, status: 2xx}
    events:
      - {type: charge.created, json: {object: charge}}
      - {type: charge.succeeded, json: {object: charge}}
`)
	resp, err := s.Client().Post(s.URL+"/v1/charges", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Eventually(t, func() bool { return len(s.Handler.Deliveries()) >= 2 }, 10*time.Second, 2*time.Millisecond) // a bound, not a timing check
	a := New(s.Handler, Config{})
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/deliveries", nil))
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	require.Len(t, lines, 2)
	var d journal.Delivery
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &d))
	assert.Equal(t, "charge.created", d.Type)
	assert.Equal(t, 200, d.Status)
	assert.NotContains(t, rec.Body.String(), "whsec_test", "the secret is never listed")
}

package govcr_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/dnaeon/go-vcr.v3/recorder"

	"github.com/faultline-dev/faultline/cassettes"
	"github.com/faultline-dev/faultline/fault"
	"github.com/faultline-dev/faultline/govcr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// api answers with what it was sent, and counts requests.
func api(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`","got":`+string(orNull(b))+`}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func orNull(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

func send(t *testing.T, c *http.Client, method, url, body string, hdr ...string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// record makes a go-vcr cassette of two POSTs to one URL that differ only
// in their bodies, and one GET with a query and a secret.
func record(t *testing.T, hooks ...recorder.HookFunc) (name, base string) {
	live := api(t)
	name = filepath.Join(t.TempDir(), "orders")
	rec, err := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeRecordOnly})
	require.NoError(t, err)
	for _, h := range hooks {
		rec.AddHook(h, recorder.BeforeSaveHook)
	}
	c := rec.GetDefaultClient()
	_, _, err = send(t, c, "POST", live.URL+"/v1/orders", `{"sku":"a","qty":1}`)
	require.NoError(t, err)
	_, _, err = send(t, c, "POST", live.URL+"/v1/orders", `{"sku":"b","qty":2}`)
	require.NoError(t, err)
	_, _, err = send(t, c, "GET", live.URL+"/v1/orders?api_key=sk_live_abcdefghijklmnop&page=2&limit=5", "",
		"Authorization", "Bearer tok_0123456789abcdef")
	require.NoError(t, err)
	require.NoError(t, rec.Stop())
	return name, live.URL
}

func replayer(t *testing.T, name string, m cassette.MatcherFunc) *recorder.Recorder {
	rec, err := recorder.NewWithOptions(&recorder.Options{CassetteName: name, Mode: recorder.ModeReplayOnly, SkipRequestLatency: true})
	require.NoError(t, err)
	if m != nil {
		rec.SetMatcher(m)
	}
	t.Cleanup(func() { _ = rec.Stop() })
	return rec
}

// go-vcr's default matcher ignores bodies: the second order gets the first
// one's answer. faultline's matcher tells them apart, whatever the key
// order, and matches the query in any order.
func TestMatcherReadsBodies(t *testing.T) {
	name, base := record(t)

	def := replayer(t, name, nil).GetDefaultClient()
	_, body, err := send(t, def, "POST", base+"/v1/orders", `{"sku":"b","qty":2}`)
	require.NoError(t, err)
	assert.Contains(t, body, `"sku":"a"`, "go-vcr's default matcher answers with the wrong recording")

	c := replayer(t, name, govcr.Matcher(cassettes.MatchOptions{})).GetDefaultClient()
	_, body, err = send(t, c, "POST", base+"/v1/orders", `{ "qty": 2, "sku": "b" }`)
	require.NoError(t, err)
	assert.Contains(t, body, `"sku":"b"`)
	_, body, err = send(t, c, "POST", base+"/v1/orders", `{"sku":"a","qty":1}`)
	require.NoError(t, err)
	assert.Contains(t, body, `"sku":"a"`)
	_, _, err = send(t, c, "POST", base+"/v1/orders", `{"sku":"c","qty":1}`)
	assert.ErrorIs(t, err, cassette.ErrInteractionNotFound, "a body never recorded matches nothing")
	_, body, err = send(t, c, "GET", base+"/v1/orders?limit=5&page=2&api_key=sk_live_abcdefghijklmnop", "")
	require.NoError(t, err)
	assert.Contains(t, body, `"path":"/v1/orders"`)
}

// Redact as a BeforeSaveHook: the cassette on disk holds no secret, scans
// clean, still loads in go-vcr and replays with faultline's matcher, even
// for a request with other credentials.
func TestRedactBeforeSave(t *testing.T) {
	name, base := record(t, govcr.Redact(nil))
	data, err := os.ReadFile(name + ".yaml")
	require.NoError(t, err)
	for _, secret := range []string{"sk_live_abcdefghijklmnop", "tok_0123456789abcdef"} {
		assert.NotContains(t, string(data), secret)
	}
	found, err := cassettes.Scan(name + ".yaml")
	require.NoError(t, err)
	assert.Empty(t, found)

	c := replayer(t, name, govcr.Matcher(cassettes.MatchOptions{})).GetDefaultClient()
	code, body, err := send(t, c, "GET", base+"/v1/orders?api_key=sk_live_zyxwvutsrqponmlk&page=2&limit=5", "",
		"Authorization", "Bearer other_token_value")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"path":"/v1/orders"`)
	// Counterpart: with go-vcr's default matcher the redacted URL matches nothing.
	_, _, err = send(t, replayer(t, name, nil).GetDefaultClient(), "GET", base+"/v1/orders?api_key=sk_live_zyxwvutsrqponmlk&page=2&limit=5", "")
	assert.ErrorIs(t, err, cassette.ErrInteractionNotFound)
}

func plan(t *testing.T, src string) *fault.Plan {
	p, err := fault.LoadPlan("plan.yaml", []byte(src))
	require.NoError(t, err)
	return p
}

// A fault plan in front of go-vcr's replay: a 503, a 429 with
// Retry-After, a reset connection and added latency reach the client;
// the journal shows them; go-vcr's own errors come through unchanged.
func TestWithFaultsOverReplay(t *testing.T) {
	name, base := record(t)
	rec := replayer(t, name, govcr.Matcher(cassettes.MatchOptions{}))
	rec.SetReplayableInteractions(true)
	rt, err := govcr.WithFaults(rec, plan(t, `
routes:
  - path: /v1/orders
    faults:
      - when: {requests: "1"}
        status: {code: 503}
      - when: {requests: "2"}
        status: {code: 429, headers: {Retry-After: "7"}}
      - when: {requests: "3"}
        reset: {}
      - when: {requests: "4"}
        latency: {fixed: 150ms}
`))
	require.NoError(t, err)
	defer rt.Close()
	c := &http.Client{Transport: rt}

	code, _, err := send(t, c, "POST", base+"/v1/orders", `{"sku":"a","qty":1}`)
	require.NoError(t, err)
	assert.Equal(t, 503, code)

	req, _ := http.NewRequest("POST", base+"/v1/orders", strings.NewReader(`{"sku":"a","qty":1}`))
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))

	_, _, err = send(t, c, "POST", base+"/v1/orders", `{"sku":"a","qty":1}`)
	assert.Error(t, err, "a reset connection")

	start := time.Now()
	code, body, err := send(t, c, "POST", base+"/v1/orders", `{"sku":"b","qty":2}`)
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"sku":"b"`, "the recording, through the faults")
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	_, _, err = send(t, c, "POST", base+"/v1/orders", `{"sku":"zzz"}`)
	assert.True(t, errors.Is(err, cassette.ErrInteractionNotFound), "go-vcr's error, unchanged: %v", err)

	var faults []string
	for _, e := range rt.Journal().Entries() {
		faults = append(faults, e.FaultNames())
	}
	assert.Equal(t, []string{"status", "status", "reset", "latency", ""}, faults)
}

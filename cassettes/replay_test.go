package cassettes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// chargeCassette holds n POSTs to one URL that differ only by body.
func chargeCassette(n int) *Cassette {
	var items []*Interaction
	for i := 0; i < n; i++ {
		items = append(items, it("POST", "https://api.test/v1/charges",
			fmt.Sprintf(`{"amount":%d,"currency":"usd"}`, i), 201, fmt.Sprintf(`{"id":"ch_%d"}`, i)))
	}
	return cassetteOf(items...)
}

func TestReplayMatchesOnBody(t *testing.T) {
	srv := serve(t, NewReplayer(chargeCassette(20), ReplayOptions{}))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(20) {
		// Keys reordered and spaced differently: the canonical JSON still matches.
		body := fmt.Sprintf(`{ "currency": "usd", "amount": %d }`, i)
		code, got, _ := do(t, srv.Client(), "POST", srv.URL+"/v1/charges", body, "Content-Type", "application/json")
		assert.Equal(t, 201, code)
		assert.Equal(t, fmt.Sprintf(`{"id":"ch_%d"}`, i), got)
	}
}

// TestGoVCRDefaultMatcherIsBodyBlind is the counterpart: go-vcr's matcher,
// given the same requests, answers with the wrong recordings.
func TestGoVCRDefaultMatcherIsBodyBlind(t *testing.T) {
	c := cassette.New("unused")
	for i := 0; i < 5; i++ {
		c.AddInteraction(&cassette.Interaction{
			Request:  cassette.Request{Method: "POST", URL: "https://api.test/v1/charges", Body: fmt.Sprintf(`{"amount":%d}`, i)},
			Response: cassette.Response{Code: 201, Body: fmt.Sprintf(`{"id":"ch_%d"}`, i)},
		})
	}
	wrong := 0
	for _, i := range []int{4, 3, 2, 1, 0} {
		req, _ := http.NewRequest("POST", "https://api.test/v1/charges", strings.NewReader(fmt.Sprintf(`{"amount":%d}`, i)))
		got, err := c.GetInteraction(req)
		require.NoError(t, err)
		if got.Response.Body != fmt.Sprintf(`{"id":"ch_%d"}`, i) {
			wrong++
		}
	}
	assert.Equal(t, 4, wrong)
}

func TestReplayNormalizesAndIgnores(t *testing.T) {
	c := cassetteOf(
		it("GET", "https://api.test/v1/items?b=2&a=1&ts=100", "", 200, "items"),
		it("POST", "https://api.test/v1/events", `{"type":"x","meta":{"sent_at":"t1","nonce":"n1"}}`, 200, "event"),
	)
	cases := []struct {
		name       string
		opts       MatchOptions
		method     string
		path, body string
		want       int
	}{
		{"query order does not matter", MatchOptions{IgnoreQuery: []string{"ts"}}, "GET", "/v1/items?a=1&ts=999&b=2", "", 200},
		{"volatile query param differs", MatchOptions{}, "GET", "/v1/items?a=1&ts=999&b=2", "", 502},
		{"ignored field by path and name", MatchOptions{IgnoreFields: []string{"meta.sent_at", "nonce"}}, "POST", "/v1/events", `{"meta":{"nonce":"n2","sent_at":"t2"},"type":"x"}`, 200},
		{"ignored by name only", MatchOptions{IgnoreFields: []string{"nonce"}}, "POST", "/v1/events", `{"meta":{"nonce":"n2","sent_at":"t2"},"type":"x"}`, 502},
		{"a real difference", MatchOptions{IgnoreFields: []string{"meta.sent_at", "nonce"}}, "POST", "/v1/events", `{"meta":{},"type":"y"}`, 502},
		{"method differs", MatchOptions{IgnoreQuery: []string{"ts"}}, "DELETE", "/v1/items?a=1&b=2", "", 502},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, NewReplayer(c, ReplayOptions{Match: tc.opts}))
			code, _, _ := do(t, srv.Client(), tc.method, srv.URL+tc.path, tc.body)
			assert.Equal(t, tc.want, code)
		})
	}
}

func TestReplaySequences(t *testing.T) {
	c := cassetteOf(
		it("GET", "https://api.test/v1/job", "", 202, "pending"),
		it("GET", "https://api.test/v1/job", "", 202, "running"),
		it("GET", "https://api.test/v1/job", "", 200, "done"),
	)
	cases := []struct {
		policy Exhausted
		want   []string
	}{
		{RepeatLast, []string{"pending", "running", "done", "done"}},
		{Cycle, []string{"pending", "running", "done", "pending"}},
		{Fail, []string{"pending", "running", "done", "502"}},
	}
	for _, tc := range cases {
		srv := serve(t, NewReplayer(c, ReplayOptions{Exhausted: tc.policy}))
		var got []string
		for range tc.want {
			code, body, _ := do(t, srv.Client(), "GET", srv.URL+"/v1/job", "")
			if code == http.StatusBadGateway {
				body = "502"
			}
			got = append(got, body)
		}
		assert.Equal(t, tc.want, got, "policy %d", tc.policy)
	}
}

func TestReplayExplainsMismatch(t *testing.T) {
	c := chargeCassette(3)
	c.Interactions = append(c.Interactions, it("GET", "https://api.test/v1/balance", "", 200, "b"))
	var logs bytes.Buffer
	rp := NewReplayer(c, ReplayOptions{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	srv := serve(t, rp)

	// Counterpart first: matched requests leave no mismatch.
	code, _, _ := do(t, srv.Client(), "POST", srv.URL+"/v1/charges", `{"amount":1,"currency":"usd"}`)
	require.Equal(t, 201, code)
	assert.Empty(t, rp.Mismatches())

	code, body, resp := do(t, srv.Client(), "POST", srv.URL+"/v1/charges?token=sekrit", `{"amount":2,"currency":"eur"}`)
	assert.Equal(t, http.StatusBadGateway, code)
	assert.Equal(t, "no-match", resp.Header.Get("X-Faultline-Error"))
	var m Mismatch
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	assert.Contains(t, m.Message, "no recorded interaction matches POST /v1/charges")
	require.NotEmpty(t, m.Closest)
	assert.Equal(t, 2, m.Closest[0].ID, "closest is the charge with the same amount")
	assert.Equal(t, []string{`body currency: request "eur", recorded "usd"`}, m.Closest[0].Differences)
	assert.NotContains(t, body, "sekrit", "secrets in the request are not echoed")
	require.Len(t, rp.Mismatches(), 1)
	assert.Contains(t, logs.String(), "unmatched request")
	assert.NotEmpty(t, m.RequestID)
	assert.Contains(t, logs.String(), `"request_id":"`+m.RequestID+`"`, "body and log share the request id")
	assert.NotContains(t, logs.String(), "sekrit")
}

func TestReplayUnplayed(t *testing.T) {
	rp := NewReplayer(chargeCassette(3), ReplayOptions{})
	srv := serve(t, rp)
	assert.Len(t, rp.Unplayed(), 3)
	do(t, srv.Client(), "POST", srv.URL+"/v1/charges", `{"amount":1,"currency":"usd"}`)
	var ids []int
	for _, r := range rp.Unplayed() {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []int{0, 2}, ids)
}

// TestReplayUnplayedBothPaths: a request byte for byte as recorded (the
// fast path) and one with its JSON reformatted (the canonical path) both
// count as playing their recordings.
func TestReplayUnplayedBothPaths(t *testing.T) {
	rp := NewReplayer(chargeCassette(4), ReplayOptions{})
	srv := serve(t, rp)
	do(t, srv.Client(), "POST", srv.URL+"/v1/charges", `{"amount":0,"currency":"usd"}`)
	do(t, srv.Client(), "POST", srv.URL+"/v1/charges", `{ "currency": "usd", "amount": 3 }`)
	var ids []int
	for _, r := range rp.Unplayed() {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []int{1, 2}, ids)
}

func TestReplayLookup(t *testing.T) {
	c := chargeCassette(3)
	c.Interactions = append(c.Interactions,
		it("GET", "https://api.test/v1/job", "", 202, "pending"),
		it("GET", "https://api.test/v1/job", "", 200, "done"))
	rp := NewReplayer(c, ReplayOptions{})
	lookup := func(method, target, body string) (*Interaction, error) {
		return rp.Lookup(httptest.NewRequest(method, target, strings.NewReader(body)), []byte(body))
	}
	got, err := lookup("POST", "/v1/charges", `{"amount":2,"currency":"usd"}`)
	require.NoError(t, err)
	assert.Equal(t, `{"id":"ch_2"}`, got.Response.Body)
	for _, want := range []string{"pending", "done", "done"} {
		got, err = lookup("GET", "/v1/job", "")
		require.NoError(t, err)
		assert.Equal(t, want, got.Response.Body, "identical requests take the recordings in order")
	}
	_, err = lookup("POST", "/v1/charges", `{"amount":9,"currency":"usd"}`)
	var miss *Mismatch
	require.ErrorAs(t, err, &miss)
	assert.Contains(t, miss.Error(), "no recorded interaction matches POST /v1/charges")
	assert.NotEmpty(t, miss.Closest)
	assert.Len(t, rp.Mismatches(), 1, "a missed lookup counts, as a missed request does")
}

func TestReplayIgnoresRedactedValues(t *testing.T) {
	red, err := NewRedactor(Rules{Names: []string{"account_number"}})
	require.NoError(t, err)
	raw := it("POST", "https://api.test/v1/pay?api_key=sk_live_abcdefghijklmnop&x=1",
		`{"amount":5,"account_number":"12345678","card":{"cvc_secret":"999"},"memo":"via sk_live_abcdefghijklmnop"}`, 200, "paid")
	raw.Request.Headers.Set("Authorization", "Bearer real-token-value")
	c := cassetteOf(red.Interaction(raw))
	require.NotContains(t, c.Interactions[0].Request.Body, "12345678")
	require.Contains(t, c.Interactions[0].Request.Body, `"memo":"via [REDACTED]"`)

	// Replaying with default rules only: the custom-redacted field is still
	// ignored because its recorded value is the placeholder.
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ := do(t, srv.Client(), "POST", srv.URL+"/v1/pay?x=1&api_key=sk_live_other000000000",
		`{"amount":5,"account_number":"87654321","card":{"cvc_secret":"111"},"memo":"via sk_live_zyxwvutsrqponmlk"}`, "Authorization", "Bearer other")
	assert.Equal(t, 200, code)
	assert.Equal(t, "paid", body)
	// Counterpart: a field that was not redacted still decides.
	code, _, _ = do(t, srv.Client(), "POST", srv.URL+"/v1/pay?x=1", `{"amount":6,"account_number":"1"}`)
	assert.Equal(t, http.StatusBadGateway, code)
}

func TestReplayLatency(t *testing.T) {
	const recorded = 150 * time.Millisecond
	x := it("GET", "https://api.test/slow", "", 200, "ok")
	x.Response.Duration = recorded
	c := cassetteOf(x)
	cases := []struct {
		lat  Latency
		slow bool
	}{{NoLatency, false}, {RecordedLatency, true}, {Latency(0.1), false}, {Latency(1.5), true}}
	for _, tc := range cases {
		srv := serve(t, NewReplayer(c, ReplayOptions{Latency: tc.lat}))
		start := time.Now()
		do(t, srv.Client(), "GET", srv.URL+"/slow", "")
		took := time.Since(start)
		if tc.slow {
			assert.GreaterOrEqual(t, took, time.Duration(float64(recorded)*float64(tc.lat)), "latency %v", tc.lat)
		} else {
			assert.Less(t, took, recorded, "latency %v", tc.lat)
		}
	}
}

func TestParseLatency(t *testing.T) {
	cases := []struct {
		in   string
		want Latency
		bad  bool
	}{
		{"none", NoLatency, false}, {"recorded", RecordedLatency, false},
		{"0.5", 0.5, false}, {"2x", 2, false}, {"fast", 0, true}, {"-1", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseLatency(tc.in)
		if tc.bad {
			assert.ErrorContains(t, err, "use none, recorded", tc.in)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func TestReplayHandsOutOwnHeaders(t *testing.T) {
	x := it("GET", "https://api.test/h", "", 200, "ok")
	x.Response.Headers["X-Trace"] = []string{"original"}
	rp := NewReplayer(cassetteOf(x), ReplayOptions{})
	req := httptest.NewRequest("GET", "/h", nil)
	w1 := httptest.NewRecorder()
	rp.ServeHTTP(w1, req)
	w1.Header()["X-Trace"][0] = "mutated by a caller"
	w2 := httptest.NewRecorder()
	rp.ServeHTTP(w2, req)
	assert.Equal(t, "original", w2.Header().Get("X-Trace"))
	assert.Equal(t, "original", x.Response.Headers.Get("X-Trace"))
}

func TestReplayConcurrent(t *testing.T) {
	const n, workers = 64, 16
	c := chargeCassette(n)
	rp := NewReplayer(c, ReplayOptions{})
	srv := serve(t, rp)
	var wg sync.WaitGroup
	errs := make(chan string, n*workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for _, i := range rng.Perm(n) {
				resp, err := srv.Client().Post(srv.URL+"/v1/charges", "application/json",
					strings.NewReader(fmt.Sprintf(`{"amount":%d,"currency":"usd"}`, i)))
				if err != nil {
					errs <- err.Error()
					continue
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf(`{"id":"ch_%d"}`, i); buf.String() != want {
					errs <- fmt.Sprintf("amount %d: got %s", i, buf.String())
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.Empty(t, rp.Unplayed())
	assert.Empty(t, rp.Mismatches())
}

func TestReplayHeaders(t *testing.T) {
	head := it("HEAD", "https://api.test/file", "", 200, "")
	head.Response.Headers = http.Header{"Content-Length": {"1234"}, "Etag": {`"v1"`}}
	get := it("GET", "https://api.test/multi", "", 200, "body")
	get.Response.Headers = http.Header{"Vary": {"Accept", "Origin"}, "Connection": {"close"}, "Content-Length": {"999"}}
	srv := serve(t, NewReplayer(cassetteOf(head, get), ReplayOptions{}))

	_, _, resp := do(t, srv.Client(), "HEAD", srv.URL+"/file", "")
	assert.EqualValues(t, 1234, resp.ContentLength, "HEAD keeps the recorded length")
	assert.Equal(t, `"v1"`, resp.Header.Get("Etag"))
	assert.Equal(t, "0", resp.Header.Get("X-Faultline-Interaction"))

	_, body, resp := do(t, srv.Client(), "GET", srv.URL+"/multi", "")
	assert.Equal(t, "body", body)
	assert.Equal(t, []string{"Accept", "Origin"}, resp.Header.Values("Vary"))
	assert.EqualValues(t, 4, resp.ContentLength, "length of the body served, not the recorded header")
	assert.Empty(t, resp.Header.Get("Connection"), "hop-by-hop headers are not replayed")
}

// Byte-identical and reformatted requests take different lookup paths but
// share one sequence.
func TestReplayExactAndCanonicalShareSequence(t *testing.T) {
	c := cassetteOf(
		it("POST", "https://api.test/v1/poll?a=1&b=2", `{"job":1,"n":2}`, 200, "first"),
		it("POST", "https://api.test/v1/poll?a=1&b=2", `{"job":1,"n":2}`, 200, "second"),
		it("POST", "https://api.test/v1/poll?a=1&b=2", `{"job":1,"n":2}`, 200, "third"),
	)
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	var got []string
	for _, req := range []struct{ path, body string }{
		{"/v1/poll?a=1&b=2", `{"job":1,"n":2}`},      // exact
		{"/v1/poll?b=2&a=1", `{ "n": 2, "job": 1 }`}, // canonical
		{"/v1/poll?a=1&b=2", `{"job":1,"n":2}`},      // exact
		{"/v1/poll?a=1&b=2", `{"job":1,"n":3}`},      // different: no match
	} {
		code, body, _ := do(t, srv.Client(), "POST", srv.URL+req.path, req.body)
		if code != 200 {
			body = fmt.Sprint(code)
		}
		got = append(got, body)
	}
	assert.Equal(t, []string{"first", "second", "third", "502"}, got)
}

func TestReplayFormAndTextBodies(t *testing.T) {
	form := it("POST", "https://api.test/oauth/token", "grant_type=password&username=ann&password=hunter2", 200, "token")
	form.Request.Headers.Set("Content-Type", "application/x-www-form-urlencoded")
	form.Request.Form = url.Values{"password": {"hunter2"}, "username": {"ann"}}
	red := (*Redactor)(nil).Interaction(form)
	require.Equal(t, "grant_type=password&username=ann&password=%5BREDACTED%5D", red.Request.Body)
	require.Equal(t, Placeholder, red.Request.Form.Get("password"))
	text := it("PUT", "https://api.test/notes/1", "plain text note", 204, "")
	text.Request.Headers.Set("Content-Type", "text/plain")
	srv := serve(t, NewReplayer(cassetteOf(red, text), ReplayOptions{}))

	formCT := []string{"Content-Type", "application/x-www-form-urlencoded"}
	code, body, _ := do(t, srv.Client(), "POST", srv.URL+"/oauth/token", "password=other&username=ann&grant_type=password", formCT...)
	assert.Equal(t, 200, code, "form fields in any order, password ignored")
	assert.Equal(t, "token", body)
	code, body, _ = do(t, srv.Client(), "POST", srv.URL+"/oauth/token", "username=bob&grant_type=password", formCT...)
	assert.Equal(t, 502, code)
	assert.Contains(t, body, `form username: request bob, recorded ann`)

	code, _, _ = do(t, srv.Client(), "PUT", srv.URL+"/notes/1", "plain text note", "Content-Type", "text/plain")
	assert.Equal(t, 204, code)
	code, body, _ = do(t, srv.Client(), "PUT", srv.URL+"/notes/1", "another note", "Content-Type", "text/plain")
	assert.Equal(t, 502, code)
	assert.Contains(t, body, `body: request another note, recorded plain text note`)
}

func TestReplayStripsRecordedBasePath(t *testing.T) {
	c := cassetteOf(it("GET", "https://api.test/base/v1/x?q=1", "", 200, "x"))
	c.Meta = &Meta{Upstream: "https://api.test/base/"}
	srv := serve(t, NewReplayer(c, ReplayOptions{}))
	code, body, _ := do(t, srv.Client(), "GET", srv.URL+"/v1/x?q=1", "")
	assert.Equal(t, 200, code)
	assert.Equal(t, "x", body)
	// Counterpart: without the metadata the recorded path keeps its prefix.
	c.Meta = nil
	srv = serve(t, NewReplayer(c, ReplayOptions{}))
	code, _, _ = do(t, srv.Client(), "GET", srv.URL+"/v1/x?q=1", "")
	assert.Equal(t, http.StatusBadGateway, code)
}

func TestReplayLatencyStopsWhenClientGoesAway(t *testing.T) {
	x := it("GET", "https://api.test/slow", "", 200, "ok")
	x.Response.Duration = time.Hour
	srv := serve(t, NewReplayer(cassetteOf(x), ReplayOptions{Latency: RecordedLatency}))
	client := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	_, err := client.Get(srv.URL + "/slow")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	client.CloseIdleConnections()
	// srv.Close in cleanup waits for the handler: it must have returned.
}

func TestStripBase(t *testing.T) {
	cases := []struct{ path, base, want string }{
		{"/base/v1/x", "/base", "/v1/x"},
		{"/base", "/base", "/"},
		{"/basement/x", "/base", "/basement/x"}, // not a segment boundary
		{"/v1/x", "", "/v1/x"},
		{"", "", "/"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, stripBase(tc.path, tc.base), "%q minus %q", tc.path, tc.base)
	}
}

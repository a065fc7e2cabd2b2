package fault

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okRoute = `
routes:
  - path: /x
    respond: {status: 200, json: {id: "ch_1", amount: 100, customer: {name: "a"}}}
    faults:
`

// TestLatencyDelaysResponse: the response waits out the drawn delay on the
// handler's clock, and a rule that does not fire makes no wait at all.
func TestLatencyDelaysResponse(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - latency: {fixed: 60ms}\n", WithClock(clock))
	start := clock.Now()
	answered := inBackground(t, func() string { _, _, _ = getWithin(t, s, "/x"); return clock.Now().Sub(start).String() })
	clock.waiting(t, 1)
	clock.Advance(59 * time.Millisecond)
	clock.waiting(t, 1) // still held at 59ms
	clock.Advance(time.Millisecond)
	assert.Equal(t, "60ms", arrived(t, answered), "answered when the clock reached the delay")
	e := settled(t, s)
	assert.Equal(t, 60*time.Millisecond, e[0].Duration)
	assert.Equal(t, 200, e[0].Status)

	plain := servePlan(t, okRoute+"      - when: {first: 0, requests: '99'}\n        latency: {fixed: 60ms}\n", WithClock(clock))
	code, _, err := getWithin(t, plain, "/x")
	require.NoError(t, err, "a rule that does not fire must not wait on the clock")
	assert.Equal(t, 200, code)
	assert.Zero(t, settled(t, plain)[0].Duration)
}

// TestLatencyInBodyKeepsFirstByteFast: with where: body the headers and the
// first tenth of the body leave after a tenth of the delay; the rest follows
// one tenth at a time.
func TestLatencyInBodyKeepsFirstByteFast(t *testing.T) {
	clock := newFakeClock()
	payload := strings.Repeat("0123456789", 10) // ten chunks of ten bytes
	s := servePlan(t, "routes:\n  - path: /x\n    respond: {status: 200, body: \""+payload+"\"}\n    faults:\n"+
		"      - latency: {fixed: 100ms, where: body}\n", WithClock(clock))
	headers := make(chan *http.Response, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		assert.NoError(t, err)
		headers <- resp
	}()
	clock.waiting(t, 1)
	clock.Advance(10 * time.Millisecond)
	resp := arrived(t, headers) // nobody moves the clock further: the headers need only the first tenth
	require.NotNil(t, resp)
	defer resp.Body.Close()
	first := make([]byte, 10)
	_, err := io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(first))
	rest := inBackground(t, func() string { b, _ := io.ReadAll(resp.Body); return string(b) })
	for range 9 {
		clock.waiting(t, 1)
		clock.Advance(10 * time.Millisecond)
	}
	assert.Equal(t, payload[10:], arrived(t, rest))
	assert.Equal(t, 100*time.Millisecond, settled(t, s)[0].Duration)
}

func TestDistributions(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	draw := func(d Distribution) (p50, p99 time.Duration) {
		xs := make([]time.Duration, 20000)
		for i := range xs {
			xs[i] = d.Draw(rnd)
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		return xs[len(xs)/2], xs[len(xs)*99/100]
	}
	p50, p99 := draw(Distribution{Median: 100 * time.Millisecond, P99: 400 * time.Millisecond})
	assert.InDelta(t, 100, p50.Milliseconds(), 5)
	assert.InDelta(t, 400, p99.Milliseconds(), 40)
	p50, _ = draw(Distribution{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond})
	assert.InDelta(t, 15, p50.Milliseconds(), 1)
	p50, _ = draw(Distribution{Mean: 50 * time.Millisecond, Std: 5 * time.Millisecond})
	assert.InDelta(t, 50, p50.Milliseconds(), 1)
}

func TestStatus(t *testing.T) {
	s := servePlan(t, okRoute+"      - status: {code: 502, body: bad gateway, headers: {X-Why: test}}\n")
	code, body, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 502, code)
	assert.Equal(t, "bad gateway", body)
	e := settled(t, s)
	require.Len(t, e, 1)
	assert.Equal(t, "status", e[0].FaultNames())
	assert.Equal(t, 502, e[0].Status)
}

func TestRateLimitAnswers429AndClears(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 2, window: 250ms}\n", WithClock(clock))
	req := func() *http.Response {
		resp, err := s.Client().Get(s.URL + "/x")
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, 200, req().StatusCode)
	r2 := req()
	assert.Equal(t, 200, r2.StatusCode)
	assert.Equal(t, "0", r2.Header.Get("X-RateLimit-Remaining"))
	r3 := req()
	assert.Equal(t, 429, r3.StatusCode)
	assert.Equal(t, "1", r3.Header.Get("Retry-After"))
	assert.Equal(t, "2", r3.Header.Get("X-RateLimit-Limit"))
	clock.Advance(249 * time.Millisecond)
	assert.Equal(t, 429, req().StatusCode, "still inside the window")
	clock.Advance(time.Millisecond)
	assert.Equal(t, 200, req().StatusCode, "the limit clears when the window passes")
}

// TestRateLimitHTTPDateNotBeforeReset: the date is the window's reset
// rounded up to the second, so a client that waits until exactly that
// instant is let through, wherever in a second the window began.
func TestRateLimitHTTPDateNotBeforeReset(t *testing.T) {
	clock := newFakeClockAt(time.Date(2026, 1, 2, 3, 4, 5, 300_000_000, time.UTC))
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 1, window: 1s, retry_after: http-date}\n", WithClock(clock))
	status := func() (int, string) {
		resp, err := s.Client().Get(s.URL + "/x")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	code, _ := status() // opens the window at 3:04:05.300; it resets at 3:04:06.300
	require.Equal(t, 200, code)
	code, v := status()
	require.Equal(t, 429, code)
	assert.Equal(t, "Fri, 02 Jan 2026 03:04:07 GMT", v, "cut to the second, 03:04:06 would be before the reset")
	at, err := http.ParseTime(v)
	require.NoError(t, err)
	clock.Advance(at.Sub(clock.Now()))
	code, _ = status()
	assert.Equal(t, 200, code, "a client that waits until the date is let through")
}

func TestRateLimitRetryAfterForms(t *testing.T) {
	for form, check := range map[string]func(t *testing.T, v string, ok bool){
		"http-date": func(t *testing.T, v string, ok bool) {
			at, err := http.ParseTime(v)
			require.NoError(t, err)
			assert.WithinDuration(t, time.Now(), at, 3*time.Second)
		},
		"missing": func(t *testing.T, v string, ok bool) { assert.False(t, ok) },
		"garbage": func(t *testing.T, v string, ok bool) { assert.Equal(t, "soon-ish", v) },
	} {
		t.Run(form, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - rate_limit: {limit: 0, window: 1s, retry_after: "+form+"}\n")
			resp, err := s.Client().Get(s.URL + "/x")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 429, resp.StatusCode)
			vs, ok := resp.Header["Retry-After"]
			v := ""
			if ok {
				v = vs[0]
			}
			check(t, v, ok)
		})
	}
}

func TestRateLimitKeyedPerClient(t *testing.T) {
	s := servePlan(t, okRoute+"      - rate_limit: {limit: 1, window: 10s, key: 'header:X-Api-Key'}\n")
	a := statuses(t, s, "/x", 2, map[string]string{"X-Api-Key": "a"})
	b := statuses(t, s, "/x", 1, map[string]string{"X-Api-Key": "b"})
	assert.Equal(t, []int{200, 429}, a)
	assert.Equal(t, []int{200}, b, "another key has its own window")
}

func TestReset(t *testing.T) {
	s := servePlan(t, okRoute+"      - reset:\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNRESET), "want connection reset, got %v", err)
	assert.Equal(t, EndReset, settled(t, s)[0].End)
}

func TestClose(t *testing.T) {
	s := servePlan(t, okRoute+"      - close: {}\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, EndClosed, settled(t, s)[0].End)
}

func TestTruncate(t *testing.T) {
	s := servePlan(t, okRoute+"      - truncate: {bytes: 10}\n")
	code, body, err := get(t, s, "/x")
	assert.Equal(t, 200, code)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, body, 10)
	e := settled(t, s)[0]
	assert.Equal(t, EndTruncated, e.End)
	assert.Equal(t, "10", e.Faults[0].Params["kept"])
}

func TestGarbage(t *testing.T) {
	s := servePlan(t, okRoute+"      - garbage: {bytes: 32}\n")
	_, _, err := get(t, s, "/x")
	require.Error(t, err)
	assert.Equal(t, EndGarbage, settled(t, s)[0].End)
}

// TestHangUntilClientGivesUp: a hang without max holds the request until
// the client cancels it, and journals it as hung.
func TestHangUntilClientGivesUp(t *testing.T) {
	s := servePlan(t, okRoute+"      - hang:\n")
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/x", nil)
	require.NoError(t, err)
	failed := inBackground(t, func() error { _, err := s.Client().Do(req); return err })
	require.Eventually(t, func() bool { return s.Journal().nextSeqPeek() == 1 }, 10*time.Second, time.Millisecond)
	cancel() // the client gives up
	assert.ErrorIs(t, arrived(t, failed), context.Canceled)
	e := settled(t, s)
	require.Len(t, e, 1)
	assert.Equal(t, EndHung, e[0].End)
}

// TestHangMaxClosesOnTheClock: a hang with max closes the connection when
// the handler's clock passes max, and not before.
func TestHangMaxClosesOnTheClock(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - hang: {max: 30s}\n", WithClock(clock))
	failed := inBackground(t, func() error { _, _, err := getWithin(t, s, "/x"); return err })
	clock.waiting(t, 1)
	clock.Advance(30*time.Second - time.Millisecond)
	clock.waiting(t, 1) // still held
	clock.Advance(time.Millisecond)
	assert.Error(t, arrived(t, failed), "the connection is closed without an answer")
	e := settled(t, s)
	assert.Equal(t, EndHung, e[0].End)
	assert.Equal(t, 30*time.Second, e[0].Duration)
}

func TestHangReleasedByClose(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - hang:\n"))
	require.NoError(t, err)
	s := NewServer(p)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Client().Get(s.URL + "/x")
		errc <- err
	}()
	require.Eventually(t, func() bool { return s.Journal().nextSeqPeek() == 1 }, time.Second, time.Millisecond)
	start := time.Now()
	s.Close()
	assert.Error(t, <-errc)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}

func TestSlowBody(t *testing.T) {
	s := servePlan(t, okRoute+"      - slow_body: {bytes_per_second: 400}\n")
	start := time.Now()
	code, body, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 200, code)
	// The body is ~50 bytes: at 400 B/s that is about 125 ms.
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(len(body)-20)*time.Second/400)
}

func TestMalformed(t *testing.T) {
	cases := map[string]func(t *testing.T, resp *http.Response, body string){
		"{mode: invalid_json}": func(t *testing.T, _ *http.Response, body string) {
			assert.False(t, jsonValid(body), body)
		},
		"{mode: wrong_content_type}": func(t *testing.T, resp *http.Response, _ string) {
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
		},
		"{mode: empty_body}":                           func(t *testing.T, _ *http.Response, body string) { assert.Empty(t, body) },
		"{mode: remove_field, field: amount}":          func(t *testing.T, _ *http.Response, b string) { assert.NotContains(t, b, "amount") },
		"{mode: rename_field, field: amount, to: amt}": func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"amt":100`) },
		"{mode: null_field, field: customer.name}":     func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"name":null`) },
		"{mode: change_type, field: amount}":           func(t *testing.T, _ *http.Response, b string) { assert.Contains(t, b, `"amount":"100"`) },
	}
	for params, check := range cases {
		t.Run(params, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - malformed: "+params+"\n")
			resp, err := s.Client().Get(s.URL + "/x")
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			check(t, resp, string(body))
		})
	}
}

func TestOutageWindow(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - outage: {for: 150ms}\n", WithClock(clock))
	assert.Equal(t, []int{503}, statuses(t, s, "/x", 1, nil))
	clock.Advance(149 * time.Millisecond)
	assert.Equal(t, []int{503}, statuses(t, s, "/x", 1, nil))
	clock.Advance(time.Millisecond)
	assert.Equal(t, []int{200}, statuses(t, s, "/x", 1, nil))
}

// TestStartAtFirstRequest: with WithStartAtFirstRequest, time windows count
// from the first request, however late it comes.
func TestStartAtFirstRequest(t *testing.T) {
	plan := okRoute + "      - outage: {after: 100ms, for: 100ms}\n"
	for _, lazy := range []bool{false, true} {
		clock := newFakeClock()
		opts := []Option{WithClock(clock)}
		if lazy {
			opts = append(opts, WithStartAtFirstRequest())
		}
		s := servePlan(t, plan, opts...)
		clock.Advance(time.Hour) // a slow client: the plan was set an hour ago
		var got []int
		for _, step := range []time.Duration{0, 100 * time.Millisecond, 99 * time.Millisecond, time.Millisecond} {
			clock.Advance(step)
			got = append(got, statuses(t, s, "/x", 1, nil)...)
		}
		if lazy {
			assert.Equal(t, []int{200, 503, 503, 200}, got, "the outage runs from 100ms to 200ms after the first request")
			assert.Equal(t, clock.Now().Add(-200*time.Millisecond), s.Handler.Start())
		} else {
			assert.Equal(t, []int{200, 200, 200, 200}, got, "the outage was over before the client came")
		}
	}
}

func TestOutageFlapping(t *testing.T) {
	o := Outage{Up: 100 * time.Millisecond, Down: 50 * time.Millisecond}
	var got []bool
	for _, ms := range []int{0, 99, 100, 149, 150, 260} {
		got = append(got, o.IsDown(time.Duration(ms)*time.Millisecond))
	}
	assert.Equal(t, []bool{false, false, true, true, false, true}, got)
}

func TestSchedules(t *testing.T) {
	cases := []struct{ when, want string }{
		{"{first: 2}", "503 503 200 200 200 200"},
		{"{requests: '3..4'}", "200 200 503 503 200 200"},
		{"{requests: '5..'}", "200 200 200 200 503 503"},
		{"{every: 3}", "200 200 503 200 200 503"},
		{"{always: true}", "503 503 503 503 503 503"},
	}
	for _, c := range cases {
		t.Run(c.when, func(t *testing.T) {
			s := servePlan(t, okRoute+"      - when: "+c.when+"\n        status: {code: 503}\n")
			assert.Equal(t, c.want, join(statuses(t, s, "/x", 6, nil)))
		})
	}
}

func TestSchedulePerIdempotencyKey(t *testing.T) {
	s := servePlan(t, okRoute+"      - when: {first: 1, per: 'header:Idempotency-Key'}\n        status: {code: 503}\n")
	a := statuses(t, s, "/x", 2, map[string]string{"Idempotency-Key": "a"})
	b := statuses(t, s, "/x", 2, map[string]string{"Idempotency-Key": "b"})
	assert.Equal(t, "503 200 503 200", join(append(a, b...)), "first attempt of every logical call fails")
}

func TestTimeWindow(t *testing.T) {
	clock := newFakeClock()
	s := servePlan(t, okRoute+"      - when: {after: 80ms, for: 80ms}\n        status: {code: 503}\n", WithClock(clock))
	var got []string
	for _, step := range []time.Duration{0, 79 * time.Millisecond, time.Millisecond, 79 * time.Millisecond, time.Millisecond} {
		clock.Advance(step)
		got = append(got, join(statuses(t, s, "/x", 1, nil)))
	}
	assert.Equal(t, []string{"200", "200", "503", "503", "200"}, got, "503 from 80ms to 160ms after the start")
}

func TestProbabilityIsSeeded(t *testing.T) {
	pattern := func(seed string) string {
		s := servePlan(t, "seed: "+seed+"\n"+okRoute+"      - when: {probability: 0.5}\n        status: {code: 503}\n")
		return join(statuses(t, s, "/x", 24, nil))
	}
	a, b, c := pattern("7"), pattern("7"), pattern("8")
	assert.Equal(t, a, b, "same seed, same request order: same faults")
	assert.NotEqual(t, a, c, "another seed draws differently")
	assert.Contains(t, a, "503")
	assert.Contains(t, a, "200")
}

func TestRulesCompose(t *testing.T) {
	s := servePlan(t, okRoute+"      - latency: {fixed: 30ms}\n      - status: {code: 500}\n")
	start := time.Now()
	assert.Equal(t, "500", join(statuses(t, s, "/x", 1, nil)))
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	assert.Equal(t, "latency+status", s.Journal().Entries()[0].FaultNames())
}

func TestUnmatchedIs404WithRoutes(t *testing.T) {
	s := servePlan(t, okRoute)
	code, body, err := get(t, s, "/nope")
	require.NoError(t, err)
	assert.Equal(t, 404, code)
	assert.Contains(t, body, "/x")
}

func TestBodyLimit(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute))
	require.NoError(t, err)
	s := NewServer(p, WithMaxBody(16))
	defer s.Close()
	resp, err := s.Client().Post(s.URL+"/x", "text/plain", strings.NewReader(strings.Repeat("a", 17)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 413, resp.StatusCode)
	resp, err = s.Client().Post(s.URL+"/x", "text/plain", strings.NewReader("small"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

// TestShutdownDrainsInFlight: a request doing real work (here a slow base
// handler, as a proxied upstream is) finishes during a drain; only what a
// fault holds is cut.
func TestShutdownDrainsInFlight(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	s, err := Listen("127.0.0.1:0", Wrap(slow, &Plan{}), nil)
	require.NoError(t, err)
	done := make(chan int, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return s.Journal().nextSeqPeek() == 1 }, time.Second, time.Millisecond)
	require.NoError(t, s.Shutdown(context.Background()))
	assert.Equal(t, 200, <-done)
}

func join(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = http.StatusText(c)[:0] + itoa(c)
	}
	return strings.Join(parts, " ")
}

func TestLatencyCutShortByShutdownIsNotA200(t *testing.T) {
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: {fixed: 10s}\n"))
	require.NoError(t, err)
	s := NewServer(p)
	errc := make(chan error, 1)
	go func() {
		resp, err := s.Client().Get(s.URL + "/x")
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("got %s, want the connection closed", resp.Status)
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return s.Journal().nextSeqPeek() == 1 }, time.Second, time.Millisecond)
	s.Close()
	err = <-errc
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "got 200", "a held request must not be answered with an empty 200")
	e := s.Journal().Entries()
	require.Len(t, e, 1)
	assert.Equal(t, EndClosed, e[0].End)
}

func TestMalformedWorksForGzipClientsInProxyMode(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := []byte(`{"id":"ch_1","amount":100}`)
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			_, _ = gz.Write(body)
			_ = gz.Close()
			return
		}
		_, _ = w.Write(body)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	p, err := LoadPlan("p.yaml", []byte("routes:\n  - path: /x\n    faults:\n      - malformed: {mode: remove_field, field: amount}\n"))
	require.NoError(t, err)
	s, err := Listen("127.0.0.1:0", Wrap(NewProxy(u), p), nil)
	require.NoError(t, err)
	defer s.Close()
	resp, err := http.Get(s.URL + "/x") // Go's client asks for gzip
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"id":"ch_1"}`, string(body))
}

func TestRateLimitWindowsAreBounded(t *testing.T) {
	l := &RateLimit{Limit: 1, Window: time.Millisecond}
	now := time.Now()
	for i := 0; i < maxWindows+50; i++ {
		l.take(fmt.Sprint("key-", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	assert.LessOrEqual(t, len(l.windows), maxWindows, "expired windows of random keys are dropped")
}

// TestClockWaitCutAtClose: a wait on an injected clock ends when the server
// closes, as a wait on real time does.
func TestClockWaitCutAtClose(t *testing.T) {
	clock := newFakeClock()
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - latency: {fixed: 1h}\n"))
	require.NoError(t, err)
	s := NewServer(p, WithClock(clock))
	failed := inBackground(t, func() error { _, _, err := getWithin(t, s, "/x"); return err })
	clock.waiting(t, 1)
	s.Close()
	assert.Error(t, arrived(t, failed), "the held request is cut, not answered")
}

// slowReturn is a fault that takes an hour (on the test's clock) to return
// after inner has answered: a handler descheduled after its answer left.
type slowReturn struct {
	inner Fault
	clock fakeClock
}

func (s slowReturn) Kind() string { return s.inner.Kind() }

func (s slowReturn) Serve(w http.ResponseWriter, r *http.Request, c *Call) {
	s.inner.Serve(w, r, c)
	s.clock.Advance(time.Hour)
}

// TestCutConnectionEndsTheEntry: a fault that cuts the connection ends the
// journal entry at the cut, not when the handler returns, so a client's
// immediate retry never seems to arrive before the attempt it follows
// ended (the backoff check measures waits from there).
func TestCutConnectionEndsTheEntry(t *testing.T) {
	for _, f := range []string{"reset: {}", "close: {}", "garbage: {bytes: 8}", "truncate: {bytes: 4}"} {
		t.Run(f, func(t *testing.T) {
			clock := newFakeClock()
			p, err := LoadPlan("p.yaml", []byte(okRoute+"      - "+f+"\n"))
			require.NoError(t, err)
			rule := &p.Routes[0].Rules[0]
			rule.Fault = slowReturn{inner: rule.Fault, clock: clock}
			s := NewServer(p, WithClock(clock))
			t.Cleanup(s.Close)
			_, _, err = get(t, s, "/x")
			require.Error(t, err)
			e := settled(t, s)
			require.Len(t, e, 1)
			assert.Less(t, e[0].Duration, time.Hour, "ended at the cut")
		})
	}
	clock := newFakeClock() // counterpart: an answer ends when the handler returns
	p, err := LoadPlan("p.yaml", []byte(okRoute+"      - status: {code: 503}\n"))
	require.NoError(t, err)
	p.Routes[0].Rules[0].Fault = slowReturn{inner: p.Routes[0].Rules[0].Fault, clock: clock}
	s := NewServer(p, WithClock(clock))
	t.Cleanup(s.Close)
	code, _, err := get(t, s, "/x")
	require.NoError(t, err)
	assert.Equal(t, 503, code)
	assert.Equal(t, time.Hour, settled(t, s)[0].Duration, "the response leaves when the handler returns")
}

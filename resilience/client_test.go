package resilience

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetriesTransientThenSucceeds(t *testing.T) {
	for _, fault := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"503", status(503, "down")},
		{"502", status(502, "bad gateway")},
		{"504", status(504, "timeout")},
		{"reset", reset},
		{"truncated body", truncated},
		{"garbage", garbage},
		{"500 on GET", status(500, "oops")},
	} {
		t.Run(fault.name, func(t *testing.T) {
			s := newScript(t, fault.h, fault.h, status(200, "ok"))
			c := newClient(t, testPolicy(), WithClock(newFakeClock()), WithSeed(1))
			resp, err := c.Do(context.Background(), get(s.url("/x")))
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "ok", string(resp.Body))
			assert.Equal(t, 3, resp.Attempts)
			assert.Equal(t, 3, s.count())
		})
		t.Run(fault.name+" without retries fails", func(t *testing.T) {
			s := newScript(t, fault.h, status(200, "ok"))
			p := testPolicy()
			p.Retry.MaxAttempts = 1
			c := newClient(t, p, WithClock(newFakeClock()))
			resp, err := c.Do(context.Background(), get(s.url("/x")))
			require.ErrorIs(t, err, ErrRetriesExhausted)
			if resp != nil {
				assert.NotEqual(t, 200, resp.StatusCode, "a broken exchange must never look like success")
			}
			assert.Equal(t, 1, s.count())
		})
	}
}

func TestTruncatedBodyIsNeverReturned(t *testing.T) {
	s := newScript(t, truncated)
	p := testPolicy()
	p.Retry.MaxAttempts = 2
	c := newClient(t, p, WithClock(newFakeClock()))
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrRetriesExhausted)
	assert.Nil(t, resp, "a partial body must not be handed out")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ClassAmbiguous, e.Class)
	assert.Equal(t, 2, e.Attempts)
	assert.Contains(t, err.Error(), "unexpected EOF")
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 422} {
		s := newScript(t, status(code, `{"error":"no"}`), status(200, "ok"))
		c := newClient(t, testPolicy(), WithClock(newFakeClock()))
		resp, err := c.Do(context.Background(), get(s.url("/x")))
		require.ErrorIs(t, err, ErrNotRetryable, "status %d", code)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, ClassClientError, e.Class)
		assert.Equal(t, code, e.LastStatus)
		require.NotNil(t, resp, "the caller can read the error body")
		assert.Equal(t, `{"error":"no"}`, string(resp.Body))
		assert.Equal(t, 1, s.count(), "status %d must be sent once", code)
	}
}

func TestAmbiguousRetriedOnlyWhenSafe(t *testing.T) {
	cases := []struct {
		name    string
		autoKey bool
		req     func(url string) *Request
		sends   int
		err     error
	}{
		{"GET is idempotent", true, get, 2, nil},
		{"PUT is idempotent", false, func(u string) *Request { return &Request{Method: "PUT", URL: u, Body: []byte("x")} }, 2, nil},
		{"POST with an automatic key", true, func(u string) *Request { return post(u, "x") }, 2, nil},
		{"POST with the caller's key", false, func(u string) *Request { r := post(u, "x"); r.IdempotencyKey = "k1"; return r }, 2, nil},
		{"POST without a key is not repeated", false, func(u string) *Request { return post(u, "x") }, 1, ErrNotRetryable},
		{"PATCH without a key is not repeated", false, func(u string) *Request { return &Request{Method: "PATCH", URL: u} }, 1, ErrNotRetryable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, status(500, "maybe"), status(200, "ok"))
			p := testPolicy()
			p.Idempotency.AutoKey = tc.autoKey
			c := newClient(t, p, WithClock(newFakeClock()))
			_, err := c.Do(context.Background(), tc.req(s.url("/x")))
			if tc.err == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), "Idempotency-Key")
			}
			assert.Equal(t, tc.sends, s.count())
		})
	}
}

func TestResetAfterWriteOnUnkeyedPostIsNotRepeated(t *testing.T) {
	s := newScript(t, reset, status(200, "ok"))
	p := testPolicy()
	p.Idempotency.AutoKey = false
	c := newClient(t, p, WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), post(s.url("/charges"), `{"amount":1}`))
	require.ErrorIs(t, err, ErrNotRetryable)
	assert.Equal(t, 1, s.count(), "the upstream may have charged; a blind retry could charge twice")

	// The same fault on a keyed POST is retried safely.
	s2 := newScript(t, reset, status(200, "ok"))
	c2 := newClient(t, testPolicy(), WithClock(newFakeClock()))
	_, err = c2.Do(context.Background(), post(s2.url("/charges"), `{"amount":1}`))
	require.NoError(t, err)
	assert.Equal(t, 2, s2.count())
}

func TestConnectionRefusedIsTransientEvenForUnkeyedPost(t *testing.T) {
	s := newScript(t, status(200, "ok"))
	url := s.url("/x")
	s.srv.Close() // nothing listens: the request is never written
	p := testPolicy()
	p.Idempotency.AutoKey = false
	p.Retry.MaxAttempts = 2
	p.Breaker.Enabled = false
	c := newClient(t, p, WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), post(url, "x"))
	require.ErrorIs(t, err, ErrRetriesExhausted, "nothing reached the server, so repeating is safe")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ClassTransient, e.Class)
	assert.Equal(t, 2, e.Attempts)
}

func TestBodyResentIntactOnEveryAttempt(t *testing.T) {
	const body = `{"amount":4200,"currency":"eur"}`
	s := newScript(t, status(503, ""), reset, status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), post(s.url("/charges"), body))
	require.NoError(t, err)
	got := s.seen()
	require.Len(t, got, 3)
	for i, r := range got {
		assert.Equal(t, body, string(r.Body), "attempt %d", i+1)
	}

	// Counterpart: the classic hand-rolled retry that reuses one reader
	// sends an empty body the second time.
	naive := newScript(t, status(503, ""), status(200, "ok"))
	rd := bytes.NewReader([]byte(body))
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, naive.url("/charges"), nil)
		req.Body, req.ContentLength = http.NoBody, 0
		if rd.Len() > 0 {
			req, _ = http.NewRequest(http.MethodPost, naive.url("/charges"), rd)
		}
		resp, err := naive.srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	n := naive.seen()
	assert.Equal(t, body, string(n[0].Body))
	assert.Empty(t, n[1].Body, "the naive retry lost the body")
}

func TestIdempotencyKeys(t *testing.T) {
	s := newScript(t, status(503, ""), status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(newFakeClock()), WithSeed(7))
	_, err := c.Do(context.Background(), post(s.url("/a"), "1"))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), post(s.url("/b"), "2"))
	require.NoError(t, err)
	r := s.seen()
	require.Len(t, r, 3) // 503 then 200, then 200
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, r[0].Key)
	assert.Equal(t, r[0].Key, r[1].Key, "one logical call keeps its key across attempts")
	assert.NotEqual(t, r[1].Key, r[2].Key, "two calls get two keys")
	assert.Equal(t, r[0].RequestID, r[1].RequestID, "the correlation ID is per call")

	own := post(s.url("/c"), "3")
	own.IdempotencyKey = "order-42"
	_, err = c.Do(context.Background(), own)
	require.NoError(t, err)
	assert.Equal(t, "order-42", s.seen()[3].Key)

	_, err = c.Do(context.Background(), get(s.url("/d")))
	require.NoError(t, err)
	assert.Empty(t, s.seen()[4].Key, "a GET needs no key")

	// Counterpart: with automatic keys off, a POST carries none.
	p := testPolicy()
	p.Idempotency.AutoKey = false
	c2 := newClient(t, p, WithClock(newFakeClock()))
	_, err = c2.Do(context.Background(), post(s.url("/e"), "4"))
	require.NoError(t, err)
	assert.Empty(t, s.seen()[5].Key)
}

func TestSeedMakesKeysReproducible(t *testing.T) {
	keys := func(seed int64) []string {
		s := newScript(t, status(200, ""))
		c := newClient(t, testPolicy(), WithSeed(seed))
		for range 2 {
			_, err := c.Do(context.Background(), post(s.url("/"), ""))
			require.NoError(t, err)
		}
		return []string{s.seen()[0].Key, s.seen()[1].Key}
	}
	assert.Equal(t, keys(3), keys(3))
	assert.NotEqual(t, keys(3), keys(4))
}

func TestRetryAfterIsHonoured(t *testing.T) {
	clock := newFakeClock()
	// The server's clock is an hour behind ours: a date is read against
	// the response's Date header, so the skew does not matter.
	serverNow := clock.Now().Add(-time.Hour)
	skewed := func(h http.HandlerFunc) http.HandlerFunc {
		return withHeader("Date", serverNow.Format(http.TimeFormat), h)
	}
	noDate := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.Header()["Date"] = nil; h(w, r) }
	}
	s := newScript(t,
		withHeader("Retry-After", "2", status(429, "slow down")),
		skewed(withHeader("Retry-After", serverNow.Add(7*time.Second).Format(http.TimeFormat), status(503, "maintenance"))),
		noDate(withHeader("Retry-After", clock.Now().Add(9*time.Second+5*time.Second).Format(time.RFC850), status(429, ""))),
		withHeader("Retry-After", "0.25", status(429, "")),
		status(200, "ok"))
	p := testPolicy()
	p.Retry.MaxAttempts = 5
	c := newClient(t, p, WithClock(clock))
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	assert.Equal(t, 5, resp.Attempts)
	got := clock.slept()
	require.Len(t, got, 4)
	// The third date is absolute (no Date header): what is left of it after
	// the first two waits, jitter included.
	third := 14*time.Second - got[0] - got[1]
	assertRetryAfterWaits(t, []time.Duration{2 * time.Second, 7 * time.Second, third, 250 * time.Millisecond}, got, p.Retry.BaseDelay)
}

// assertRetryAfterWaits checks that each wait is the server's Retry-After
// plus at most the jitter the client adds (a tenth, at most base).
func assertRetryAfterWaits(t *testing.T, want, got []time.Duration, base time.Duration) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.GreaterOrEqual(t, got[i], want[i], "wait %d never below Retry-After", i+1)
		// At most a little jitter, unless the backoff itself is longer
		// (a short Retry-After late in a call): never sooner than either.
		assert.Less(t, got[i], max(want[i]+min(want[i]/10, base)+1, testPolicy().Retry.MaxDelay), "wait %d", i+1)
	}
}

func TestRetryAfterBeyondMaxWaitGivesUpInsteadOfRetryingEarly(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, withHeader("Retry-After", "3600", status(429, "")), status(200, "ok"))
	p := testPolicy()
	p.Retry.MaxRetryAfter = 30 * time.Second
	c := newClient(t, p, WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrRetryAfterTooLong, "retrying after 30s would ignore the server's hour")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, time.Hour, e.RetryAfter)
	assert.Empty(t, clock.slept(), "an hour-long Retry-After must not stall the client")
	assert.Equal(t, 1, s.count(), "and it must not retry before the server allows")

	// Counterpart: within the cap, the server's wait is honoured.
	s2 := newScript(t, withHeader("Retry-After", "20", status(429, "")), status(200, "ok"))
	_, err = c.Do(context.Background(), get(s2.url("/x")))
	require.NoError(t, err)
	require.Len(t, clock.slept(), 1)
	assert.GreaterOrEqual(t, clock.slept()[0], 20*time.Second)
}

func TestZeroRetryAfterStillBacksOff(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, withHeader("Retry-After", "0", status(429, "")), status(200, "ok"))
	p := testPolicy()
	c := newClient(t, p, WithClock(clock), WithSeed(1))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	require.Len(t, clock.slept(), 1)
	assert.GreaterOrEqual(t, clock.slept()[0], p.Retry.BaseDelay, "a zero wait from the server is no licence to hammer")
}

func TestStaleCacheIsPerCaller(t *testing.T) {
	clock := newFakeClock()
	n := 0
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n > 1 {
			w.WriteHeader(503)
			return
		}
		_, _ = w.Write([]byte(`{"owner":"` + r.Header.Get("Authorization") + `"}`))
	}))
	defer s.Close()
	p := testPolicy()
	p.Retry.MaxAttempts, p.Breaker.Enabled = 1, false
	c := newClient(t, p, WithClock(clock))
	alice := get(s.URL + "/me")
	alice.Header = http.Header{"Authorization": {"Bearer alice"}}
	_, err := c.Do(context.Background(), alice)
	require.NoError(t, err)
	bob := get(s.URL + "/me")
	bob.Header = http.Header{"Authorization": {"Bearer bob"}}
	resp, err := c.Do(context.Background(), bob)
	require.Error(t, err, "Bob must not get Alice's cached answer")
	if resp != nil {
		assert.NotContains(t, string(resp.Body), "alice")
	}
	again := get(s.URL + "/me")
	again.Header = http.Header{"Authorization": {"Bearer alice"}}
	resp, err = c.Do(context.Background(), again)
	require.NoError(t, err, "Alice still gets her own stale copy")
	assert.True(t, resp.Stale)
}

func TestRetryAfterBeyondDeadlineFailsAtOnce(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, withHeader("Retry-After", "20", status(429, "")), status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(clock))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, get(s.url("/x")))
	require.ErrorIs(t, err, ErrRetryAfterTooLong)
	require.ErrorIs(t, err, ErrDeadline)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 20*time.Second, e.RetryAfter)
	assert.Equal(t, ClassRateLimited, e.Class)
	assert.Empty(t, clock.slept(), "it must not sleep into the timeout")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, 1, s.count())

	// Counterpart: with time to spare, the same answer is waited out.
	s2 := newScript(t, withHeader("Retry-After", "20", status(429, "")), status(200, "ok"))
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	_, err = c.Do(ctx2, get(s2.url("/x")))
	require.NoError(t, err)
	assertRetryAfterWaits(t, []time.Duration{20 * time.Second}, clock.slept(), testPolicy().Retry.BaseDelay)
}

func TestTotalTimeoutBoundsBackoffOnTheInjectedClock(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, status(503, ""))
	p := testPolicy()
	p.Retry = RetryPolicy{MaxAttempts: 10, BaseDelay: time.Second, Multiplier: 2, MaxDelay: time.Second, MaxRetryAfter: time.Second}
	p.Timeouts.Total = 3 * time.Second
	p.Breaker.Enabled, p.Budget.Enabled = false, false
	c := newClient(t, p, WithClock(clock), WithSeed(1))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrDeadline)
	var total time.Duration
	for _, d := range clock.slept() {
		total += d
	}
	assert.Less(t, total, 3*time.Second)
	assert.Less(t, s.count(), 10, "the deadline, not max_attempts, ended the call")
}

func TestBackoffIsFullJitterFromTheSeed(t *testing.T) {
	sleeps := func(seed int64) []time.Duration {
		clock := newFakeClock()
		s := newScript(t, status(503, ""))
		p := testPolicy()
		p.Retry = RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, Multiplier: 2, MaxDelay: 300 * time.Millisecond, MaxRetryAfter: time.Second}
		p.Breaker.Enabled, p.Budget.Enabled = false, false
		c := newClient(t, p, WithClock(clock), WithSeed(seed))
		_, err := c.Do(context.Background(), get(s.url("/x")))
		require.ErrorIs(t, err, ErrRetriesExhausted)
		return clock.slept()
	}
	a := sleeps(1)
	require.Len(t, a, 4)
	// [base, base + min(base*2^(n-1), max-base)): never below base, never above max.
	ceilings := []time.Duration{200, 300, 300, 300}
	for i, d := range a {
		assert.GreaterOrEqual(t, d, 100*time.Millisecond, "retry %d never sooner than base_delay", i+1)
		assert.Less(t, d, ceilings[i]*time.Millisecond, "retry %d", i+1)
	}
	assert.Equal(t, a, sleeps(1), "same seed, same waits")
	assert.NotEqual(t, a, sleeps(2), "another seed, other waits: clients do not retry in lockstep")
}

func TestAttemptTimeoutCutsAHang(t *testing.T) {
	s := newScript(t, hang, status(200, "ok"))
	p := testPolicy()
	p.Timeouts.Read = 50 * time.Millisecond
	c := newClient(t, p, WithClock(newFakeClock()))
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)

	// Counterpart: with a long attempt timeout, the hang eats the whole
	// call deadline and there is no second attempt.
	s2 := newScript(t, hang, status(200, "ok"))
	p.Timeouts.Read = 10 * time.Second
	c2 := newClient(t, p, WithClock(newFakeClock()))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err = c2.Do(ctx, get(s2.url("/x")))
	require.ErrorIs(t, err, ErrDeadline)
	assert.Equal(t, 1, s2.count())
}

func TestAttemptTimeoutsByKind(t *testing.T) {
	p := DefaultPolicy()
	for kind, want := range map[Kind]time.Duration{
		KindRead: 5 * time.Second, KindCreate: 10 * time.Second, KindUpdate: 10 * time.Second,
		KindPayment: 30 * time.Second, KindUpload: 60 * time.Second,
	} {
		assert.Equal(t, want, p.Timeouts.attemptTimeout(kind), kind)
	}
	assert.Equal(t, KindRead, kindOf("GET"))
	assert.Equal(t, KindCreate, kindOf("POST"))
	assert.Equal(t, KindUpdate, kindOf("PATCH"))

	s := newScript(t, hang)
	p = testPolicy()
	p.Timeouts.Payment = 30 * time.Millisecond
	p.Retry.MaxAttempts = 1
	c := newClient(t, p)
	_, err := c.Do(context.Background(), &Request{Method: "POST", URL: s.url("/pay"), Kind: KindPayment})
	require.ErrorIs(t, err, ErrRetriesExhausted)
	assert.Contains(t, err.Error(), "attempt timed out after 30ms (timeouts.payment)")
}

func TestInvalidRequestsFailClearly(t *testing.T) {
	c := newClient(t, testPolicy())
	cases := map[string]*Request{
		"unsupported URL scheme":                    {URL: "ftp://x/y"},
		"URL has no host":                           {URL: "http:///relative"},
		"unsupported URL scheme: use http or https": {URL: "/relative"},
		`request kind "batch"`:                      {URL: "http://127.0.0.1:1/", Kind: "batch"},
		"request URL: invalid URL escape":           {URL: "http://h/%zz?token=s3cr3t"},
		"nil *Request":                              nil,
	}
	for want, req := range cases {
		_, err := c.Do(context.Background(), req)
		require.ErrorIs(t, err, ErrNotRetryable, want)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "s3cr3t")
	}
}

func TestRateLimitResetHeaderWhenNoRetryAfter(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, withHeader("X-RateLimit-Remaining", "0", withHeader("X-RateLimit-Reset", "3", status(429, ""))), status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(clock), WithSeed(1))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	assertRetryAfterWaits(t, []time.Duration{3 * time.Second}, clock.slept(), testPolicy().Retry.BaseDelay)

	// Counterpart: a bare 429 falls back to jittered backoff, within its
	// first retry's range [base_delay, 2*base_delay).
	clock2 := newFakeClock()
	s2 := newScript(t, status(429, ""), status(200, "ok"))
	c2 := newClient(t, testPolicy(), WithClock(clock2), WithSeed(1))
	_, err = c2.Do(context.Background(), get(s2.url("/x")))
	require.NoError(t, err)
	require.Len(t, clock2.slept(), 1)
	assert.GreaterOrEqual(t, clock2.slept()[0], testPolicy().Retry.BaseDelay)
	assert.Less(t, clock2.slept()[0], 2*testPolicy().Retry.BaseDelay)
	assert.NotEqual(t, 3*time.Second, clock2.slept()[0])
}

func TestCallerCancellationStopsWithoutFallback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	// The caller gives up once the request is out: the server cancels it.
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) { cancel(); hang(w, r) })
	fellBack := false
	c := newClient(t, testPolicy(), WithFallback(func(*Request, error) (*Response, error) {
		fellBack = true
		return &Response{StatusCode: 200}, nil
	}))
	_, err := c.Do(ctx, get(s.url("/x")))
	require.ErrorIs(t, err, ErrDeadline)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, fellBack, "the caller gave up; nobody is waiting for a fallback")
	assert.Equal(t, 1, s.count())
}

func TestConcurrentCallsAreConsistent(t *testing.T) {
	s := newScript(t, status(200, "ok"), status(503, ""), reset, status(404, ""), status(200, "ok"))
	c := newClient(t, testPolicy(), WithClock(newFakeClock()), WithSeed(1))
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			r := get(s.url("/x"))
			if i%2 == 0 {
				r = post(s.url("/x"), "body")
			}
			_, _ = c.Do(context.Background(), r)
		})
	}
	wg.Wait()
	m := c.Metrics()
	assert.EqualValues(t, 40, m.Calls)
	assert.Equal(t, m.Calls, m.Succeeded+m.Failed)
	assert.EqualValues(t, s.count(), m.Attempts)
	var byClass int64
	for _, n := range m.Outcomes {
		byClass += n
	}
	assert.GreaterOrEqual(t, byClass, m.Calls, "every call has at least one outcome")
	assert.LessOrEqual(t, byClass-m.Outcomes[ClassRejected], m.Attempts, "a transport replay is one outcome, two attempts")
}

func TestOversizedBodyIsNotRetried(t *testing.T) {
	s := newScript(t, status(200, "0123456789"))
	p := testPolicy()
	p.MaxResponseBytes = 4
	c := newClient(t, p)
	resp, err := c.Do(context.Background(), get(s.url("/big")))
	require.ErrorIs(t, err, ErrNotRetryable)
	assert.Nil(t, resp)
	assert.Contains(t, err.Error(), "response body exceeds max_response_bytes (4 bytes)")
	assert.Equal(t, 1, s.count())

	// Counterpart: within the limit the same body is fine.
	p.MaxResponseBytes = 10
	resp, err = newClient(t, p).Do(context.Background(), get(s.url("/big")))
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(resp.Body))
}

// TestTransportResponseHeaderTimeout: the policy's response-header timeout
// ends a silent attempt and the retry succeeds. The call's deadline (4s) is
// below the read timeout (5s), so only the header timeout can end that
// attempt in time; 200ms leaves a loaded machine room to answer the retries
// (a retry slower than that is retried again, hence "at least 2").
func TestTransportResponseHeaderTimeout(t *testing.T) {
	s := newScript(t, hang, status(200, "ok"))
	p := testPolicy()
	p.Timeouts.ResponseHeader = 200 * time.Millisecond
	require.Greater(t, p.Timeouts.Read, 4*time.Second)
	c := newClient(t, p, WithClock(newFakeClock()))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, get(s.url("/x")))
	require.NoError(t, err, "the transport gave up on the silent attempt and the retry succeeded")
	assert.GreaterOrEqual(t, resp.Attempts, 2)

	// Counterpart: without a header timeout (and a long attempt timeout)
	// the silent upstream holds the call until the caller's deadline: it is
	// never retried.
	s2 := newScript(t, hang, status(200, "ok"))
	p.Timeouts.ResponseHeader = 0
	c2 := newClient(t, p, WithClock(newFakeClock()))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	_, err = c2.Do(ctx2, get(s2.url("/x")))
	require.ErrorIs(t, err, ErrDeadline)
	assert.LessOrEqual(t, s2.count(), 1, "not retried")
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCustomTransportErrorsAreTreatedAsPossiblySent(t *testing.T) {
	var sends atomic.Int32
	boom := rtFunc(func(*http.Request) (*http.Response, error) {
		sends.Add(1)
		return nil, errors.New("boom")
	})
	p := testPolicy()
	p.Idempotency.AutoKey = false
	p.StaleCache.Enabled = false
	c := newClient(t, p, WithTransport(boom), WithClock(newFakeClock()))
	_, err := c.Do(context.Background(), post("http://upstream.test/charges", "x"))
	require.ErrorIs(t, err, ErrNotRetryable, "a transport that cannot say whether it wrote the request might have")
	assert.EqualValues(t, 1, sends.Load())

	// Counterpart: a GET through the same transport is retried.
	_, err = c.Do(context.Background(), get("http://upstream.test/charges"))
	require.ErrorIs(t, err, ErrRetriesExhausted)
	assert.EqualValues(t, 1+p.Retry.MaxAttempts, sends.Load())
}

func TestChunkedBodies(t *testing.T) {
	chunked := func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello ")
		http.NewResponseController(w).Flush()
		_, _ = io.WriteString(w, "world")
	}
	brokenChunks := func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, _ := http.NewResponseController(w).Hijack()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
		_ = buf.Flush()
		_ = conn.Close()
	}
	s := newScript(t, brokenChunks, chunked)
	c := newClient(t, testPolicy(), WithClock(newFakeClock()))
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	assert.Equal(t, "hello world", string(resp.Body), "the broken chunked body was retried, not returned")
	assert.Equal(t, 2, resp.Attempts)

	p := testPolicy()
	p.MaxResponseBytes = 8
	_, err = newClient(t, p).Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrNotRetryable)
	assert.Contains(t, err.Error(), "exceeds max_response_bytes")
}

func TestHeadHasNoBodyToRead(t *testing.T) {
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1234")
		w.WriteHeader(200)
	})
	c := newClient(t, testPolicy())
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodHead, URL: s.url("/file")})
	require.NoError(t, err, "the Content-Length of a HEAD describes the GET's body")
	assert.Equal(t, "1234", resp.Header.Get("Content-Length"))
	assert.Empty(t, resp.Body)
	assert.Equal(t, 1, s.count())
}

func TestTransportReplaysCountAsAttempts(t *testing.T) {
	// The second request arrives on a kept-alive connection, which the
	// server resets; Go's transport replays the GET by itself.
	s := newScript(t, status(200, "one"), reset, status(200, "two"))
	clock := newFakeClock()
	c := newClient(t, testPolicy(), WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/a")))
	require.NoError(t, err)
	resp, err := c.Do(context.Background(), get(s.url("/b")))
	require.NoError(t, err)
	assert.Equal(t, "two", string(resp.Body))
	assert.Equal(t, 3, s.count())
	assert.Equal(t, 2, resp.Attempts, "the replay the server saw is counted")
	assert.EqualValues(t, s.count(), c.Metrics().Attempts)
	assert.Empty(t, clock.slept(), "the client itself did not retry")
}

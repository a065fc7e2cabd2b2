package resilience

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func breakerPolicy() Policy {
	p := testPolicy()
	p.Retry.MaxAttempts = 1
	p.Breaker = BreakerPolicy{Enabled: true, ConsecutiveFailures: 3, FailureRatio: 0, MinRequests: 1,
		Window: time.Minute, Buckets: 6, OpenTimeout: 40 * time.Millisecond, HalfOpenProbes: 1}
	p.StaleCache.Enabled = false
	return p
}

func TestBreakerOpensAndFailsFast(t *testing.T) {
	s := newScript(t, status(503, "down"))
	c := newClient(t, breakerPolicy())
	for range 3 {
		_, err := c.Do(context.Background(), get(s.url("/x")))
		require.ErrorIs(t, err, ErrRetriesExhausted)
	}
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrCircuitOpen)
	assert.Nil(t, resp)
	assert.Equal(t, 3, s.count(), "an open breaker must not touch the network")
	assert.Contains(t, err.Error(), "circuit open")
	assert.Contains(t, err.Error(), "the upstream was not called")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ClassRejected, e.Class)
	assert.Equal(t, 0, e.Attempts)

	// Counterpart: without a breaker every call hits the failing upstream.
	s2 := newScript(t, status(503, "down"))
	p := breakerPolicy()
	p.Breaker.Enabled = false
	c2 := newClient(t, p)
	for range 5 {
		_, err := c2.Do(context.Background(), get(s2.url("/x")))
		require.ErrorIs(t, err, ErrRetriesExhausted)
	}
	assert.Equal(t, 5, s2.count())
}

func TestBreakerIgnoresClientErrors(t *testing.T) {
	s := newScript(t, status(404, "no such order"))
	c := newClient(t, breakerPolicy())
	for range 6 {
		_, err := c.Do(context.Background(), get(s.url("/orders/9")))
		require.ErrorIs(t, err, ErrNotRetryable)
	}
	assert.Equal(t, 6, s.count(), "a 404 is an answer, not an outage")
	assert.Empty(t, c.Metrics().Transitions)
}

func TestBreakerTripsOnFailureRatio(t *testing.T) {
	ok, bad := status(200, "ok"), status(500, "err")
	s := newScript(t, ok, bad, ok, bad, bad, ok, bad, bad)
	p := breakerPolicy()
	p.Breaker.ConsecutiveFailures = 0
	p.Breaker.FailureRatio, p.Breaker.MinRequests = 0.6, 8
	c := newClient(t, p)
	for range 8 {
		_, _ = c.Do(context.Background(), get(s.url("/x"))) // 5 of 8 failed: 62%
	}
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrCircuitOpen)
	assert.Equal(t, 8, s.count())

	// Counterpart: below min_requests the ratio does not trip.
	s2 := newScript(t, ok, bad, ok, bad, bad, ok, bad)
	c2 := newClient(t, p)
	for range 7 {
		_, _ = c2.Do(context.Background(), get(s2.url("/x")))
	}
	_, err = c2.Do(context.Background(), get(s2.url("/x")))
	assert.NotErrorIs(t, err, ErrCircuitOpen)
}

func TestBreakerHalfOpenProbeCloses(t *testing.T) {
	s := newScript(t, status(503, ""), status(503, ""), status(503, ""), status(200, "back"))
	c := newClient(t, breakerPolicy())
	for range 3 {
		_, _ = c.Do(context.Background(), get(s.url("/x")))
	}
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrCircuitOpen)
	require.Eventually(t, func() bool {
		resp, err := c.Do(context.Background(), get(s.url("/x")))
		return err == nil && string(resp.Body) == "back"
	}, 2*time.Second, 10*time.Millisecond, "after open_timeout a probe goes through")
	var path []string
	for _, tr := range c.Metrics().Transitions {
		path = append(path, tr.From+">"+tr.To)
	}
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, path)
}

func TestBreakerIsPerNameAndHost(t *testing.T) {
	down := newScript(t, status(503, ""))
	up := newScript(t, status(200, "ok"))
	c := newClient(t, breakerPolicy())
	for range 3 {
		_, _ = c.Do(context.Background(), &Request{URL: down.url("/x"), Name: "payments"})
	}
	_, err := c.Do(context.Background(), &Request{URL: up.url("/x"), Name: "payments"})
	require.ErrorIs(t, err, ErrCircuitOpen, "one integration, one breaker, whatever the host")
	_, err = c.Do(context.Background(), get(up.url("/x")))
	require.NoError(t, err, "another upstream is unaffected")
}

func TestRetryBudgetStopsRetryStorms(t *testing.T) {
	s := newScript(t, status(503, ""))
	p := testPolicy()
	p.Retry.MaxAttempts = 5
	p.Breaker.Enabled = false
	p.Budget = BudgetPolicy{Enabled: true, Ratio: 0.5, MinPerSecond: 0.2, Window: 10 * time.Second}
	c := newClient(t, p, WithClock(newFakeClock()))
	// 2 retries of floor (0.2/s over 10 s), plus half a retry per call.
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrBudgetExhausted)
	assert.Contains(t, err.Error(), "retry budget exhausted after 3 attempts")
	assert.Equal(t, 3, s.count(), "1 call: 2 + 0.5 retries allowed, so 2")
	_, err = c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrBudgetExhausted)
	assert.Equal(t, 5, s.count(), "2 calls: 3 retries allowed, 2 spent: 1 more, then none")
	_, err = c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrBudgetExhausted)
	assert.Equal(t, 6, s.count(), "3 calls: 3.5 retries allowed, 3 spent: none")

	// Counterpart: without a budget, every call multiplies load by max_attempts.
	s2 := newScript(t, status(503, ""))
	p.Budget.Enabled = false
	c2 := newClient(t, p, WithClock(newFakeClock()))
	for range 2 {
		_, err = c2.Do(context.Background(), get(s2.url("/x")))
		require.ErrorIs(t, err, ErrRetriesExhausted)
	}
	assert.Equal(t, 10, s2.count())
}

func TestBudgetBoundsRetriesToAShareOfCalls(t *testing.T) {
	b := newBudget(BudgetPolicy{Enabled: true, Ratio: 0.2, MinPerSecond: 1, Window: 10 * time.Second})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for range 100 {
		b.onCall(now)
	}
	allowed := 0
	for range 100 {
		if b.tryRetry(now) {
			allowed++
		}
	}
	assert.Equal(t, 30, allowed, "20% of 100 calls plus a floor of 1/s over 10 s")
	assert.False(t, b.tryRetry(now.Add(9*time.Second)), "still within the window")
	assert.True(t, b.tryRetry(now.Add(11*time.Second)), "the window rolled past the retries (and the calls): the floor again")
	assert.True(t, (*budget)(nil).tryRetry(now), "a disabled budget allows retries")
}

func TestBulkheadCapsInFlight(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(200)
	})
	p := testPolicy()
	p.Bulkhead = BulkheadPolicy{Enabled: true, MaxInFlight: 1, MaxWait: 0}
	c := newClient(t, p)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := c.Do(context.Background(), get(s.url("/slow")))
		assert.NoError(t, err)
	})
	<-entered
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrBulkheadFull)
	close(release)
	wg.Wait()
	assert.Equal(t, 1, s.count())
}

func TestBulkheadWaitsBoundedly(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	s := newScript(t, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}, status(200, "second"))
	p := testPolicy()
	p.Bulkhead = BulkheadPolicy{Enabled: true, MaxInFlight: 1, MaxWait: 5 * time.Second}
	c := newClient(t, p)
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.Do(context.Background(), get(s.url("/slow"))) })
	<-entered
	done := make(chan error, 1)
	go func() {
		resp, err := c.Do(context.Background(), get(s.url("/x")))
		if err == nil && string(resp.Body) != "second" {
			err = assert.AnError
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the second call should wait for the slot, got %v", err)
	case <-time.After(30 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-done)
	wg.Wait()

	// Counterpart: the wait is bounded on the injected clock.
	blocked := make(chan struct{})
	s2 := newScript(t, func(w http.ResponseWriter, r *http.Request) { entered <- struct{}{}; <-blocked })
	c2 := newClient(t, p, WithClock(newFakeClock()))
	wg.Go(func() { _, _ = c2.Do(context.Background(), get(s2.url("/slow"))) })
	<-entered
	_, err := c2.Do(context.Background(), get(s2.url("/x")))
	require.ErrorIs(t, err, ErrBulkheadFull)
	close(blocked)
	wg.Wait()
}

func TestRateLimitSpacesCalls(t *testing.T) {
	s := newScript(t, status(200, "ok"))
	clock := newFakeClock()
	p := testPolicy()
	p.RateLimit = RateLimitPolicy{Enabled: true, Rate: 10, Burst: 1, BackoffFactor: 0.5, MinRate: 1, Recovery: 10 * time.Second}
	c := newClient(t, p, WithClock(clock))
	for range 3 {
		_, err := c.Do(context.Background(), get(s.url("/x")))
		require.NoError(t, err)
	}
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}, clock.slept())

	// Counterpart: with the limiter off nothing waits.
	p.RateLimit.Enabled = false
	clock2 := newFakeClock()
	c2 := newClient(t, p, WithClock(clock2))
	for range 3 {
		_, err := c2.Do(context.Background(), get(s.url("/x")))
		require.NoError(t, err)
	}
	assert.Empty(t, clock2.slept())
}

func TestRateLimitWaitBeyondDeadlineFailsAtOnce(t *testing.T) {
	s := newScript(t, status(200, "ok"))
	p := testPolicy()
	p.RateLimit = RateLimitPolicy{Enabled: true, Rate: 0.01, Burst: 1, BackoffFactor: 0.5, MinRate: 0.01}
	p.StaleCache.Enabled = false // else the cached first answer would be served
	clock := newFakeClock()
	c := newClient(t, p, WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.Do(ctx, get(s.url("/x")))
	require.ErrorIs(t, err, ErrDeadline)
	assert.Contains(t, err.Error(), "needs a 1m40s wait")
	assert.Empty(t, clock.slept())
	assert.Equal(t, 1, s.count())
}

func TestTooManyRequestsLowersTheRateWhichRecovers(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, status(429, ""), status(200, "ok"))
	p := testPolicy()
	p.RateLimit = RateLimitPolicy{Enabled: true, Rate: 100, Burst: 10, BackoffFactor: 0.5, MinRate: 1, Recovery: 10 * time.Second}
	c := newClient(t, p, WithClock(clock), WithSeed(1))
	_, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	lim := c.upstream(s.srv.Listener.Addr().String()).limiter
	cut := clock.Now()
	slept := clock.slept()[0]
	// One request sent in the last second: the cut is from that rate, not
	// from the ceiling of 100/s, and stops at the floor.
	assert.InDelta(t, 1+99*float64(slept)/float64(10*time.Second), lim.rate(clock.Now()), 0.01)
	assert.InDelta(t, 50.5, lim.rate(cut.Add(5*time.Second-slept)), 0.01, "half way through recovery")
	assert.InDelta(t, 100, lim.rate(cut.Add(time.Minute)), 0.01, "fully recovered")

	// Counterpart: successes leave the rate alone.
	s2 := newScript(t, status(200, "ok"))
	c2 := newClient(t, p, WithClock(clock))
	_, err = c2.Do(context.Background(), get(s2.url("/x")))
	require.NoError(t, err)
	assert.InDelta(t, 100, c2.upstream(s2.srv.Listener.Addr().String()).limiter.rate(clock.Now()), 0.01)
}

func TestThrottleCompoundsAndHasAFloor(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(RateLimitPolicy{Enabled: true, Rate: 8, Burst: 8, BackoffFactor: 0.5, MinRate: 1, Recovery: time.Minute})
	l.count(now, 8) // sending at the full rate
	for _, want := range []float64{4, 2, 1, 1} {
		l.throttle(now, now, 0)
		assert.InDelta(t, want, l.rate(now), 1e-9)
	}
	d, _ := l.delay(now)
	assert.Zero(t, d, "one token of the scaled-down burst is left")
	d, _ = l.delay(now)
	assert.Equal(t, time.Second, d, "at 1/s the next token is a second away")
}

func TestStaleCacheAnswersWhenTheUpstreamFails(t *testing.T) {
	clock := newFakeClock()
	s := newScript(t, status(200, `{"price":10}`), status(503, ""))
	p := testPolicy()
	p.Retry.MaxAttempts = 2
	p.StaleCache = StaleCachePolicy{Enabled: true, MaxAge: time.Minute, MaxEntries: 10}
	c := newClient(t, p, WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/price")))
	require.NoError(t, err)
	resp, err := c.Do(context.Background(), get(s.url("/price")))
	require.NoError(t, err)
	assert.True(t, resp.Fallback)
	assert.True(t, resp.Stale)
	assert.Equal(t, `{"price":10}`, string(resp.Body))
	assert.Equal(t, 2, resp.Attempts)
	assert.EqualValues(t, 1, c.Metrics().Fallbacks)

	// Counterpart: once older than max_age, the entry is not served.
	clock.advance(2 * time.Minute)
	_, err = c.Do(context.Background(), get(s.url("/price")))
	require.ErrorIs(t, err, ErrRetriesExhausted)

	// Counterpart: with the cache off, the failure reaches the caller.
	p.StaleCache.Enabled = false
	s2 := newScript(t, status(200, `{"price":10}`), status(503, ""))
	c2 := newClient(t, p, WithClock(newFakeClock()))
	_, _ = c2.Do(context.Background(), get(s2.url("/price")))
	_, err = c2.Do(context.Background(), get(s2.url("/price")))
	require.ErrorIs(t, err, ErrRetriesExhausted)
}

func TestStaleCacheEvictsOldest(t *testing.T) {
	c := newStaleCache(StaleCachePolicy{Enabled: true, MaxEntries: 2})
	now := time.Unix(0, 0)
	for _, k := range []string{"a", "b", "a", "c"} {
		c.put(k, &Response{StatusCode: 200, Body: []byte(k)}, now)
	}
	_, okA := c.get("a", now)
	_, okB := c.get("b", now)
	r, okC := c.get("c", now)
	assert.False(t, okA)
	assert.True(t, okB)
	assert.True(t, okC)
	r.Body[0] = 'X'
	r2, _ := c.get("c", now)
	assert.Equal(t, "c", string(r2.Body), "callers get copies")
}

func TestFallbackFunction(t *testing.T) {
	s := newScript(t, status(503, ""))
	var gotErr error
	fb := func(r *Request, err error) (*Response, error) {
		gotErr = err
		return &Response{StatusCode: 200, Body: []byte("default")}, nil
	}
	p := breakerPolicy()
	c := newClient(t, p, WithFallback(fb))
	for range 3 {
		resp, err := c.Do(context.Background(), get(s.url("/x")))
		require.NoError(t, err)
		assert.True(t, resp.Fallback)
		assert.False(t, resp.Stale)
		assert.ErrorIs(t, gotErr, ErrRetriesExhausted)
	}
	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err)
	assert.Equal(t, "default", string(resp.Body))
	assert.ErrorIs(t, gotErr, ErrCircuitOpen, "the fallback answers an open breaker")
	assert.Equal(t, 3, s.count())

	// Counterpart: a client error is an answer, not a reason to fall back.
	s404 := newScript(t, status(404, "gone"))
	resp, err = c.Do(context.Background(), get(s404.url("/x")))
	require.ErrorIs(t, err, ErrNotRetryable)
	assert.False(t, resp.Fallback)

	// A failing fallback keeps the original error and adds its own.
	c2 := newClient(t, p, WithFallback(func(*Request, error) (*Response, error) { return nil, assert.AnError }))
	_, err = c2.Do(context.Background(), get(s.url("/x")))
	require.ErrorIs(t, err, ErrRetriesExhausted)
	require.ErrorIs(t, err, assert.AnError)
	assert.Contains(t, err.Error(), "fallback failed too")
}

func TestThrottling503DoesNotTripTheBreaker(t *testing.T) {
	s := newScript(t, withHeader("Retry-After", "1", status(503, "maintenance")))
	c := newClient(t, breakerPolicy(), WithClock(newFakeClock()))
	for range 6 {
		_, err := c.Do(context.Background(), get(s.url("/x")))
		require.ErrorIs(t, err, ErrRetriesExhausted)
	}
	assert.Equal(t, 6, s.count(), "the server said when to come back; that is not an outage")

	// Counterpart: the same status without Retry-After is an outage.
	s2 := newScript(t, status(503, "down"))
	c2 := newClient(t, breakerPolicy(), WithClock(newFakeClock()))
	for range 6 {
		_, _ = c2.Do(context.Background(), get(s2.url("/x")))
	}
	assert.Equal(t, 3, s2.count())
}

func TestStaleCacheRefreshesAnUnchangedEntry(t *testing.T) {
	c := newStaleCache(StaleCachePolicy{Enabled: true, MaxAge: time.Minute, MaxEntries: 2})
	t0 := time.Unix(0, 0)
	c.put("k", &Response{StatusCode: 200, Body: []byte("same")}, t0)
	c.put("k", &Response{StatusCode: 200, Body: []byte("same")}, t0.Add(50*time.Second))
	_, ok := c.get("k", t0.Add(90*time.Second))
	assert.True(t, ok, "re-fetching the same body renews its age")

	c.put("k", &Response{StatusCode: 200, Body: []byte("new")}, t0.Add(100*time.Second))
	r, ok := c.get("k", t0.Add(100*time.Second))
	require.True(t, ok)
	assert.Equal(t, "new", string(r.Body), "a changed body replaces the entry")
}

func TestSimultaneous429sCutTheRateOnce(t *testing.T) {
	t0 := time.Unix(0, 0)
	l := newLimiter(RateLimitPolicy{Enabled: true, Rate: 100, Burst: 100, BackoffFactor: 0.5, MinRate: 1, Recovery: time.Hour})
	l.count(t0, 100) // sending at the full rate
	for range 5 {    // five requests sent at t0, all answered 429 a little later
		l.throttle(t0, t0.Add(10*time.Millisecond), 0)
	}
	assert.InDelta(t, 50, l.rate(t0.Add(10*time.Millisecond)), 1e-9, "one signal, one cut")

	// Counterpart: a 429 to a request sent after the cut cuts again.
	l.throttle(t0.Add(20*time.Millisecond), t0.Add(30*time.Millisecond), time.Second)
	assert.InDelta(t, 25, l.rate(t0.Add(30*time.Millisecond)), 0.01, "(plus 20ms of recovery)")

	// The server said its window ends in 1 s: its other refusals in that
	// window, to requests sent after the cut, are not news.
	for k := range 10 {
		at := t0.Add(time.Duration(40+50*k) * time.Millisecond)
		l.throttle(at, at.Add(5*time.Millisecond), time.Second)
	}
	assert.InDelta(t, 25, l.rate(t0.Add(600*time.Millisecond)), 0.02, "one window, one cut (plus 600ms of recovery)")
	// Other calls are paced by the cut rate, not held for the window:
	// only the refused calls wait for their Retry-After.
	d, _ := l.delay(t0.Add(600 * time.Millisecond))
	assert.Less(t, d, 100*time.Millisecond, "paced at ~25/s, not held until the window passes")
}

func TestThrottleCutsFromTheRateActuallySent(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(RateLimitPolicy{Enabled: true, Rate: 100, Burst: 100, BackoffFactor: 0.5, MinRate: 1, Recovery: time.Hour})
	for k := range 40 { // 40 requests in the last second, at a limit of 100/s
		d, _ := l.delay(now.Add(time.Duration(k) * 25 * time.Millisecond))
		require.Zero(t, d)
	}
	at := now.Add(990 * time.Millisecond)
	l.throttle(at, at, 0)
	assert.InDelta(t, 20, l.rate(at), 1e-9, "half of 40/s, not half of 100/s (which would not slow it at all)")
}

func TestBudgetDrainsOneByOneUnderConcurrency(t *testing.T) {
	// Five callers fail at the same moment: a budget of four retries lets
	// exactly four of them retry. A budget that checked and took in two
	// steps could let five through.
	for range 50 {
		b := newBudget(BudgetPolicy{Enabled: true, Ratio: 0, MinPerSecond: 0.4, Window: 10 * time.Second})
		start := make(chan struct{})
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				<-start
				if b.tryRetry(time.Unix(0, 0)) {
					allowed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		require.EqualValues(t, 4, allowed.Load())
	}
}

// A call the open breaker refuses waits for the probe when a try is left
// and the wait fits its deadline (breaker.wait_for_probe), and succeeds
// once the upstream is back; without a try left, with no time for the
// wait, or without wait_for_probe it fails at once with ErrCircuitOpen,
// the upstream untouched. The hold is judged from what the upstream saw:
// the probe arrives no sooner than the breaker's open timeout allows.
func TestBreakerHoldsARefusedCallForTheProbe(t *testing.T) {
	const open = 150 * time.Millisecond
	var mu sync.Mutex
	var arrived []time.Time
	stamp := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrived = append(arrived, time.Now())
			mu.Unlock()
			h(w, r)
		}
	}
	down := stamp(status(503, "down"))
	s := newScript(t, down, down, stamp(status(200, "back")))
	p := breakerPolicy()
	p.Breaker.ConsecutiveFailures = 2
	p.Breaker.OpenTimeout, p.Breaker.WaitForProbe = open, true
	p.Retry.MaxAttempts = 2
	p.Retry.BaseDelay = 10 * time.Millisecond
	p.Budget.Enabled = false
	c := newClient(t, p)
	_, err := c.Do(context.Background(), get(s.url("/x"))) // 503, 503: open
	require.ErrorIs(t, err, ErrRetriesExhausted)

	resp, err := c.Do(context.Background(), get(s.url("/x")))
	require.NoError(t, err, "the refused call waited for the probe and got the upstream's answer")
	assert.Equal(t, "back", string(resp.Body))
	assert.Equal(t, 1, resp.Attempts)
	require.Equal(t, 3, s.count())
	mu.Lock()
	gap := arrived[2].Sub(arrived[1])
	mu.Unlock()
	assert.GreaterOrEqual(t, gap, open-5*time.Millisecond, "the held call left only when the breaker let a probe through")

	// Counterparts, each on a freshly opened breaker: the call fails at
	// once and the upstream is not called.
	cases := map[string]func(*Policy) time.Duration{ // returns the call's deadline
		"no try left":        func(p *Policy) time.Duration { p.Retry.MaxAttempts = 1; return 0 },
		"no time to wait":    func(*Policy) time.Duration { return open / 3 },
		"wait_for_probe off": func(p *Policy) time.Duration { p.Breaker.WaitForProbe = false; return 0 },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			s := newScript(t, status(503, "down"), status(503, "down"), status(200, "back"))
			q := p
			q.Breaker.OpenTimeout = 5 * time.Second // a wait would show
			deadline := set(&q)
			c := newClient(t, q)
			for s.count() < 2 {
				_, _ = c.Do(context.Background(), get(s.url("/x")))
			}
			ctx := context.Background()
			if deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, deadline)
				defer cancel()
			}
			start := time.Now()
			_, err := c.Do(ctx, get(s.url("/x")))
			require.ErrorIs(t, err, ErrCircuitOpen)
			assert.Equal(t, 2, s.count(), "an open breaker must not touch the network")
			assert.Less(t, time.Since(start), 2*time.Second, "failed at once, not after the open timeout")
		})
	}
}

func TestBreakerHoldUsesNoTryWhenADeadlineBoundsIt(t *testing.T) {
	s := newScript(t, status(503, "down"), status(200, "back"))
	p := breakerPolicy()
	p.Breaker.ConsecutiveFailures = 1
	p.Breaker.OpenTimeout, p.Breaker.WaitForProbe = 100*time.Millisecond, true
	p.Retry.MaxAttempts = 1 // no retries: a refusal that used a try would end the call
	p.Budget.Enabled = false
	c := newClient(t, p)
	_, err := c.Do(context.Background(), get(s.url("/x"))) // 503: open
	require.ErrorIs(t, err, ErrRetriesExhausted)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, get(s.url("/x")))
	require.NoError(t, err, "held for the probe: the deadline bounds the hold, not max_attempts")
	assert.Equal(t, "back", string(resp.Body))
	assert.Equal(t, 1, resp.Attempts)
	assert.Equal(t, 2, s.count())
	// Without a deadline, the refusal uses the call's only try: it fails at
	// once (TestBreakerHoldsARefusedCallForTheProbe, "no try left").
}

// A call refused while the half-open breaker's probe is out goes as soon as
// the probe's success closes the breaker, not after a retry's backoff. The
// backoff here is 2s; the upstream sees the held call well within it of
// the probe's answer.
func TestBreakerHeldCallGoesAtTheProbesVerdict(t *testing.T) {
	release := make(chan struct{})
	var answered atomic.Int64 // when the probe answered, UnixNano
	probe := func(w http.ResponseWriter, r *http.Request) {
		<-release
		answered.Store(time.Now().UnixNano())
		status(200, "probe")(w, r)
	}
	var heldAt atomic.Int64
	held := func(w http.ResponseWriter, r *http.Request) {
		heldAt.Store(time.Now().UnixNano())
		status(200, "held")(w, r)
	}
	s := newScript(t, status(503, "down"), probe, held)
	p := breakerPolicy()
	p.Breaker.ConsecutiveFailures = 1
	p.Breaker.OpenTimeout, p.Breaker.WaitForProbe = 20*time.Millisecond, true
	p.Retry.BaseDelay, p.Retry.MaxDelay = 2*time.Second, 4*time.Second
	p.Budget.Enabled = false
	clock := &tellingClock{slept: make(chan struct{}, 1)}
	c := newClient(t, p, WithClock(clock))
	_, err := c.Do(context.Background(), get(s.url("/x"))) // 503: open
	require.ErrorIs(t, err, ErrRetriesExhausted)
	time.Sleep(30 * time.Millisecond) // past the open timeout (gobreaker's own wall clock): the next attempt probes

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probed := make(chan error, 1)
	go func() { _, err := c.Do(ctx, get(s.url("/x"))); probed <- err }()
	require.Eventually(t, func() bool { return s.count() == 2 }, 5*time.Second, time.Millisecond, "the probe is out")
	select { // from here only a held call waits on the clock
	case <-clock.slept:
	default:
	}
	heldDone := make(chan error, 1)
	go func() {
		resp, err := c.Do(ctx, get(s.url("/x")))
		if err == nil && string(resp.Body) != "held" {
			err = errors.New("unexpected body " + string(resp.Body))
		}
		heldDone <- err
	}()
	select { // the second call meets the half-open breaker and is held
	case <-clock.slept:
	case <-time.After(5 * time.Second):
		t.Fatal("the second call was not held")
	}
	assert.Equal(t, 2, s.count(), "held while the probe is out")
	close(release)
	require.NoError(t, <-probed)
	require.NoError(t, <-heldDone)
	gap := time.Duration(heldAt.Load() - answered.Load())
	assert.Less(t, gap, time.Second, "the held call went at the probe's verdict, not after its 2s backoff")
}

// A call held by the open breaker returns at the probe time plus jitter,
// but the jitter never takes it past its deadline: with a jitter of up to
// 30s (the base delay) and 1.5s left, the call still meets the probe 300ms
// away. (Before, the wait was drawn first and the call failed when it did
// not fit.)
func TestBreakerHoldFitsItsJitterInTheDeadline(t *testing.T) {
	s := newScript(t, status(503, "down"), status(200, "back"))
	p := breakerPolicy()
	p.Breaker.ConsecutiveFailures = 1
	p.Breaker.OpenTimeout, p.Breaker.WaitForProbe = 300*time.Millisecond, true
	p.Retry.BaseDelay, p.Retry.MaxDelay = 30*time.Second, 30*time.Second
	p.Budget.Enabled = false
	for seed := range int64(8) {
		c := newClient(t, p, WithSeed(seed))
		s.n.Store(0)
		_, err := c.Do(context.Background(), get(s.url("/x"))) // 503: open
		require.ErrorIs(t, err, ErrRetriesExhausted)
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		resp, err := c.Do(ctx, get(s.url("/x")))
		cancel()
		require.NoError(t, err, "seed %d", seed)
		assert.Equal(t, "back", string(resp.Body))
	}
}

// tellingClock is wall time that tells the test when a call waits on it
// (a wake-up, not a count).
type tellingClock struct {
	realClock
	slept chan struct{}
}

func (c *tellingClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case c.slept <- struct{}{}:
	default:
	}
	return realClock{}.Sleep(ctx, d)
}

// TestBreakerHoldLeavesTheProbeTime pins the hold's jitter against the
// deadline: whatever the seed draws, the wait ends by the middle of what
// the deadline leaves after the breaker's hold, so the attempt that follows
// has the other half. (Drawn across the whole of it, a wait could end a
// millisecond before the deadline, and the probe then failed on a busy machine.)
func TestBreakerHoldLeavesTheProbeTime(t *testing.T) {
	p := breakerPolicy()
	p.Breaker.WaitForProbe = true
	p.Retry.BaseDelay, p.Retry.MaxDelay = 30*time.Second, 30*time.Second
	const hold, left = 300 * time.Millisecond, 10 * time.Second
	for seed := range int64(64) {
		c := newClient(t, p, WithSeed(seed))
		ctx, cancel := context.WithTimeout(context.Background(), left)
		cl := &call{req: get("http://127.0.0.1:1/x"), method: http.MethodGet, start: c.clock.Now()}
		wait, err := c.holdForBreaker(ctx, cl, &outcome{hold: hold})
		cancel()
		require.NoError(t, err, "seed %d", seed)
		assert.GreaterOrEqual(t, wait, hold, "seed %d", seed)
		assert.LessOrEqual(t, wait, hold+(left-hold)/2, "seed %d: the probe after the wait needs time too", seed)
	}
}

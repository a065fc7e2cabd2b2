package resilience

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/faultline-dev/faultline/fault"
)

// quotaHeader is what a fixed-window server announces.
func quotaHeader(limit, remaining int, reset int64) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	return h
}

func TestQuotaHoldsRequestsOnceTheServerSaysTheWindowIsSpent(t *testing.T) {
	q := newQuota(DefaultPolicy().RateLimit)
	ms := func(n int) time.Time { return time.Unix(b, 0).Add(time.Duration(n) * time.Millisecond) }
	// The first window began at 1000.310.
	d, probe := q.admit(ms(300))
	require.Zero(t, d)
	q.done(ms(300), ms(310), probe, 200, quotaHeader(3, 2, b+1))
	for range 2 {
		d, _ := q.admit(ms(320))
		require.Zero(t, d, "two left in the window")
	}
	d, _ = q.admit(ms(320))
	require.Positive(t, d, "the two in flight take the last of the quota: the next one waits")
	q.done(ms(320), ms(330), false, 200, quotaHeader(3, 1, b+1))
	q.done(ms(320), ms(331), false, 200, quotaHeader(3, 0, b+1))

	// The end lies within [b+1, b+2) (Reset cut down to its second):
	// one request probes the middle; the others wait for its answer.
	d, _ = q.admit(ms(400))
	assert.Equal(t, ms(1500).Sub(ms(400)), d)
	d, probe = q.admit(ms(1500))
	require.Zero(t, d)
	require.True(t, probe)
	d, _ = q.admit(ms(1500))
	assert.Equal(t, quotaPoll, d, "a probe is out: wait for its answer")
	// It began the next window: a window lasts at most from one start to
	// the next.
	q.done(ms(1500), ms(1510), true, 200, quotaHeader(3, 2, b+2))
	assert.Equal(t, 1210*time.Millisecond, q.wHi)
	for range 2 {
		d, _ := q.admit(ms(1520))
		require.Zero(t, d)
	}
	q.done(ms(1520), ms(1530), false, 200, quotaHeader(3, 1, b+2))
	// A refusal late in the window: a window lasts longer than that.
	q.done(ms(2440), ms(2450), false, 429, withRetryAfter(quotaHeader(3, 0, b+2), "1"))
	assert.Equal(t, 930*time.Millisecond, q.wLo)
	// What was learnt narrows the wait: the end lies within [2.440, 2.720]
	// (the refusal, and the last start plus at most 1.21 s), not [2, 3).
	d, _ = q.admit(ms(2460))
	assert.Equal(t, ms(2580).Sub(ms(2460)), d, "probe at the middle of [2.440, 2.720]")
	// A probe refused: the others wait for the upper bound, so that a
	// spent window refuses at most one request.
	_, probe = q.admit(ms(2580))
	require.True(t, probe)
	q.done(ms(2580), ms(2590), true, 429, withRetryAfter(quotaHeader(3, 0, b+2), "1"))
	d, _ = q.admit(ms(2590))
	assert.Equal(t, ms(2720).Sub(ms(2590)), d)
	// Past the upper bound the window has surely ended: no probe needed.
	d, probe = q.admit(ms(2720))
	assert.Zero(t, d)
	assert.False(t, probe)
}

// b is a Unix time in seconds, as X-RateLimit-Reset carries.
const b = 1_700_000_000

func withRetryAfter(h http.Header, v string) http.Header {
	h.Set("Retry-After", v)
	return h
}

func TestQuotaIsOffWithoutAnAnnouncedQuota(t *testing.T) {
	q := newQuota(DefaultPolicy().RateLimit)
	now := time.Unix(b, 0)
	for range 50 {
		d, probe := q.admit(now)
		require.Zero(t, d)
		// A 429 with only Retry-After (or a Reset that is not a Unix time)
		// announces no quota: the refused call waits, the others are paced
		// by the rate limiter.
		h := withRetryAfter(http.Header{}, "1")
		h.Set("X-RateLimit-Remaining", "0")
		q.done(now, now, probe, 429, h)
	}
	assert.False(t, q.following())
	p := DefaultPolicy().RateLimit
	p.FollowQuota = false
	assert.Nil(t, newQuota(p), "follow_quota: false")
}

func TestQuotaIgnoresAnswersFromAnEarlierWindow(t *testing.T) {
	q := newQuota(DefaultPolicy().RateLimit)
	ms := func(n int) time.Time { return time.Unix(b, 0).Add(time.Duration(n) * time.Millisecond) }
	for range 3 {
		q.admit(ms(0))
	}
	q.done(ms(100), ms(1100), false, 200, quotaHeader(10, 9, b+2)) // began a window at b+1.1
	// A request sent before that window began, refused by the last one.
	q.done(ms(0), ms(1150), false, 429, withRetryAfter(quotaHeader(10, 0, b+1), "1"))
	d, _ := q.admit(ms(1160))
	assert.Zero(t, d, "the current window has quota left")
}

// TestFollowingTheQuotaSendsNothingIntoASpentWindow drives a real fixed
// window (faultline's rate_limit: 4 requests a second) with 8 callers at
// once, after one call: following the quota, the client sends a spent window at most its
// probes; without, every caller is refused and waits a whole Retry-After.
func TestFollowingTheQuotaSendsNothingIntoASpentWindow(t *testing.T) {
	run := func(follow bool) (ok, refused int) {
		plan, err := fault.LoadPlan("quota.yaml", []byte(`
version: 1
routes:
  - path: /v1/things
    respond: {status: 200, json: {}}
    faults:
      - rate_limit: {limit: 4, window: 1s, key: ip}
`))
		require.NoError(t, err)
		srv := fault.NewServer(plan, fault.WithLogger(slog.New(slog.DiscardHandler)))
		defer srv.Close()
		p := DefaultPolicy()
		p.RateLimit.FollowQuota = follow
		c := New(p, WithSeed(1))
		defer c.CloseIdleConnections()
		// One call first: then the server has announced its quota.
		_, err = c.Do(context.Background(), get(srv.URL+"/v1/things"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
				defer cancel()
				_, err := c.Do(ctx, get(srv.URL+fmt.Sprintf("/v1/things?i=%d", i)))
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				}
			}()
		}
		wg.Wait()
		for _, e := range srv.Journal().Entries() {
			if e.Status == http.StatusTooManyRequests {
				refused++
			}
		}
		return ok, refused
	}
	ok, refused := run(true)
	_, refusedClassic := run(false)
	t.Logf("refused: following %d, classic %d", refused, refusedClassic)
	assert.Equal(t, 12, ok)
	// 13 requests at 4 a window: 3 window ends, each with at most one
	// probe refused (a fourth, should the machine stall past a window).
	assert.LessOrEqual(t, refused, 4, "a spent window refuses at most its probe")

	assert.GreaterOrEqual(t, refusedClassic, 9, "12 at once into a window with 3 left")
}

func TestQuotaTakesTheFewestRemainingOfAWindow(t *testing.T) {
	q := newQuota(DefaultPolicy().RateLimit)
	ms := func(n int) time.Time { return time.Unix(b, 0).Add(time.Duration(n) * time.Millisecond) }
	q.admit(ms(0))
	q.done(ms(0), ms(10), false, 200, quotaHeader(4, 3, b+1))
	for range 3 {
		d, _ := q.admit(ms(20))
		require.Zero(t, d)
	}
	// The answers come back out of order: the last one read says 1 left,
	// but the window is spent.
	q.done(ms(20), ms(30), false, 200, quotaHeader(4, 2, b+1))
	q.done(ms(20), ms(31), false, 200, quotaHeader(4, 0, b+1))
	q.done(ms(20), ms(32), false, 200, quotaHeader(4, 1, b+1))
	d, _ := q.admit(ms(40))
	assert.Positive(t, d, "the window is spent")
}

func TestQuotaReopensAWholeWindowOnly(t *testing.T) {
	q := newQuota(DefaultPolicy().RateLimit)
	ms := func(n int) time.Time { return time.Unix(b, 0).Add(time.Duration(n) * time.Millisecond) }
	q.admit(ms(0))
	q.done(ms(0), ms(10), false, 200, quotaHeader(3, 0, b+1)) // spent: it ends within [1, 2) s
	_, probe := q.admit(ms(1500))
	require.True(t, probe)
	q.done(ms(1500), ms(1510), true, 429, withRetryAfter(quotaHeader(3, 0, b+1), "1"))
	// Refused: the others wait for the upper bound, then the window has
	// surely ended, and the next one takes 3, not more.
	for range 3 {
		d, _ := q.admit(ms(2000))
		require.Zero(t, d)
	}
	d, _ := q.admit(ms(2000))
	assert.Positive(t, d, "the new window's quota is taken: the last window's Reset says nothing of its end")
}
